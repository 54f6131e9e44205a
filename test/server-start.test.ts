// The log service as a process: `npm start` (server/main.ts, which runs `attestry server`) and
// `attestry server`. Each server listens on a free loopback port, answers /healthz, keeps its key
// across restarts and exits 0 on SIGTERM or SIGINT; bad options and mismatched origins or keys
// stop it before it listens.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';
import { parseHost, parsePort } from '../client-sdk/cli/commands/server.ts';
import { loadKeys } from '../server/keys.ts';
import { parseSignerKey } from '../server/log/note-keys.ts';
import { openLogService } from '../server/log-service.ts';
import { openSqliteStorage } from '../server/storage/sqlite-storage.ts';
import { sizeThreadPool } from '../server/thread-pool.ts';
import { entryBody, tempDir } from './support/temp-log.ts';

const ROOT = resolve(import.meta.dirname, '..');
// Ten Node processes start here, each loading the whole server: two at a time, and room for a
// busy machine. The subtests share nothing (each has its own directory and ports).
t.setTimeout(60_000);
t.jobs = 2;
const BIN = join(ROOT, 'client-sdk/cli/bin.ts');
/** What `npm start` runs (checked against package.json below). */
const NPM_START = [join(ROOT, 'server/main.ts')];

/** `attestry server` on `dbPath`, on a free port, with more flags. */
const serverArgs = (dbPath: string, ...flags: string[]) => [
  BIN,
  'server',
  '--db',
  dbPath,
  '--port',
  '0',
  ...flags,
];

interface LogLine {
  msg?: string;
  [field: string]: unknown;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

interface Server {
  child: ChildProcess;
  url: string;
  ready: LogLine;
  logs: LogLine[];
  exited: Promise<Exit>;
}

/** Starts a server process and waits for its 'attestry log ready' line (or its early exit). */
function startProcess(
  t: Test,
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<Server> {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const logs: LogLine[] = [];
  let buffered = '';
  let stderr = '';
  const exited = new Promise<Exit>((done) => {
    child.on('close', (code, signal) => done({ code, signal, stderr }));
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no ready line in 20 s: ${stderr}`)), 20_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) logs.push(JSON.parse(line));
      const ready = logs.find((l) => l.msg === 'attestry log ready');
      if (ready === undefined) return;
      clearTimeout(timer);
      const listening = logs
        .map((l) => /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(l.msg ?? ''))
        .find((match) => match !== null);
      done({ child, url: listening?.[1] ?? '', ready, logs, exited });
    });
    exited.then((exit) => {
      clearTimeout(timer);
      fail(new Error(`the server exited (${exit.code ?? exit.signal}) before it was ready`));
    });
  });
}

/** Runs a process that is expected to stop by itself (killed after 20 s if it does not). */
function runToExit(
  t: Test,
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  t.teardown(() => {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((done) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stderr });
    });
  });
}

async function health(url: string) {
  const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.json() };
}

/** Whether this process's pool threads can be counted: Linux, with libuv naming them (1.50 on). */
const [uvMajor, uvMinor] = process.versions.uv.split('.').map(Number);
const POOL_THREADS_NAMED = process.platform === 'linux' && (uvMajor > 1 || uvMinor >= 50);

/** The threads of libuv's pool in a process (named in /proc), once the pool started. */
async function threadPoolThreads(pid: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const names = readdirSync(`/proc/${pid}/task`).map((task) =>
      readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim(),
    );
    const pool = names.filter((name) => name === 'libuv-worker').length;
    if (pool > 0) return pool;
    await new Promise((r) => setTimeout(r, 50));
  }
  return 0;
}

async function stopWith(t: Test, server: Server, signal: NodeJS.Signals): Promise<void> {
  server.child.kill(signal);
  const exit = await server.exited;
  t.same({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, `${signal}: exit 0`);
  t.ok(
    server.logs.some((l) => l.msg === 'shutting down: draining the queue' && l.signal === signal),
    `${signal}: the shutdown is logged`,
  );
}

t.test('npm start serves /healthz, logs its key and stops on SIGTERM', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'log.db');
  const env = {
    ATTESTRY_DB: dbPath,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    UV_THREADPOOL_SIZE: undefined,
  };
  const server = await startProcess(t, NPM_START, { env });
  t.match(server.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/, 'Fastify logs the port it got');
  t.same(await health(server.url), {
    status: 200,
    body: { status: 'ok', origin: hostname(), treeSize: 0 },
  });
  const key = server.ready.noteVerifierKey as string;
  t.match(server.ready, {
    origin: hostname(),
    treeSize: 0,
    maxQueuedEntries: 4096,
    requestTimeoutMs: 30_000,
    connectionTimeoutMs: 60_000,
    threadPoolSize: Math.max(2, availableParallelism() - 1),
  });
  t.ok(key.startsWith(`${hostname()}+`), 'the ready line carries the verifier key');
  if (POOL_THREADS_NAMED) {
    t.equal(
      await threadPoolThreads(server.child.pid as number),
      server.ready.threadPoolSize,
      'the thread pool has the size logged: one thread fewer than the CPUs, at least two',
    );
  }

  const keysDir = join(dir, 'keys');
  t.equal(statSync(keysDir).mode & 0o777, 0o700, 'keys/ is private to its owner');
  t.equal(statSync(join(keysDir, 'note.key')).mode & 0o777, 0o600, 'note.key is 0600');
  const signerKey = readFileSync(join(keysDir, 'note.key'), 'utf8').trim();
  t.equal(parseSignerKey(signerKey).verifierKey, key, 'note.key is the logged key');
  t.equal(readFileSync(join(keysDir, 'note.pub'), 'utf8'), `${key}\n`, 'note.pub is its verifier');

  await stopWith(t, server, 'SIGTERM');
  t.notOk(existsSync(`${dbPath}-wal`), 'the database was closed cleanly');
});

t.test('npm start is attestry server, which takes its flags after npm start --', async (t) => {
  const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
  t.equal(scripts.start, 'node server/main.ts', 'what these tests run as npm start');
  const dir = tempDir(t);
  // PORT says 8080; the flag after it wins. An empty HOST is no host: the default, loopback.
  const env = { ATTESTRY_DB: join(dir, 'log.db'), PORT: '8080', HOST: '' };
  const server = await startProcess(t, [...NPM_START, '--allow-anonymous', '--port', '0'], { env });
  t.equal(server.ready.anonymousPublishing, true, 'a flag after npm start -- applies');
  t.match(server.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/, 'on loopback');
  t.not(new URL(server.url).port, '8080', '--port wins over PORT');
  await stopWith(t, server, 'SIGTERM');

  // attestry server itself does not read HOST or PORT: a shell may export HOST (csh does).
  const cli = await startProcess(t, [BIN, 'server', '--db', join(dir, 'other.db'), '--port', '0'], {
    env: { HOST: '0.0.0.0', PORT: '8080' },
  });
  t.match(cli.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/, 'attestry server stays on loopback');
  await stopWith(t, cli, 'SIGTERM');
});

t.test(
  'npm start defaults to data/attestry.db in the working directory and port 8080',
  async (t) => {
    // Port 8080 is held (by this test, or by whatever holds it already), so the defaults are seen
    // without ever serving on a fixed port.
    const holder = createServer();
    await new Promise<void>((done) => {
      holder.once('error', () => done());
      holder.listen(8080, '127.0.0.1', done);
    });
    t.teardown(() => holder.close());
    const dir = tempDir(t);
    const exit = await runToExit(t, NPM_START, {
      cwd: dir,
      env: { ATTESTRY_DB: undefined, HOST: undefined, PORT: undefined },
    });
    t.not(exit.code, 0, 'it cannot listen');
    t.match(exit.stderr, /EADDRINUSE\b.*\b127\.0\.0\.1:8080/, 'on 127.0.0.1:8080');
    t.ok(existsSync(join(dir, 'data/attestry.db')), 'the database is data/attestry.db');
    t.ok(existsSync(join(dir, 'data/keys/note.key')), 'its keys are in data/keys');
  },
);

t.test('attestry server serves under --origin; a restart keeps the origin and key', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'log.db');
  const server = await startProcess(
    t,
    serverArgs(dbPath, '--origin', 'x.example/log'),
    { env: { LOG_LEVEL: undefined } }, // info by default: the ready line is still logged
  );
  t.same(await health(server.url), {
    status: 200,
    body: { status: 'ok', origin: 'x.example/log', treeSize: 0 },
  });
  const key = server.ready.noteVerifierKey as string;
  t.equal(readFileSync(join(dir, 'keys/note.pub'), 'utf8'), `${key}\n`, 'keys/ beside the db');
  const signerKey = readFileSync(join(dir, 'keys/note.key'), 'utf8');
  await stopWith(t, server, 'SIGINT');

  const log = openLogService({ dbPath });
  await Promise.all([0, 1, 2].map((i) => log.sequencer.submit(entryBody(i))));
  log.close();
  // npm start has no origin option: the log's own is used, not this host's name.
  const again = await startProcess(t, NPM_START, {
    env: { ATTESTRY_DB: dbPath, PORT: '0', HOST: '127.0.0.1' },
  });
  t.same(
    (await health(again.url)).body,
    { status: 'ok', origin: 'x.example/log', treeSize: 3 },
    'the origin the log was created with; treeSize follows the log',
  );
  t.equal(again.ready.noteVerifierKey, key, 'a restart reuses the key');
  t.equal(readFileSync(join(dir, 'keys/note.key'), 'utf8'), signerKey, 'note.key is untouched');
  await stopWith(t, again, 'SIGTERM');
});

t.test(
  'attestry server --allow-anonymous takes submissions without a token, rate limited',
  async (t) => {
    const dir = tempDir(t);
    const server = await startProcess(
      t,
      serverArgs(
        join(dir, 'log.db'),
        ...['--origin', 'x.example/log', '--allow-anonymous', '--anonymous-rate-limit', '1'],
      ),
    );
    t.equal(server.ready.anonymousPublishing, true, 'said at start');
    t.same(
      server.ready.tokenIssuers,
      ['attestry:x.example/log'],
      'the issuers it takes tokens from',
    );
    const post = () =>
      fetch(`${server.url}/api/v2/log/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    t.equal((await post()).status, 400, 'taken (and refused on its merits)');
    const limited = await post();
    t.equal(limited.status, 429, 'one a minute');
    t.ok(Number(limited.headers.get('retry-after')) > 0);
    await stopWith(t, server, 'SIGTERM');
  },
);

t.test('attestry server takes its queue limit and timeouts as flags', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'log.db');
  const server = await startProcess(
    t,
    serverArgs(
      dbPath,
      '--origin',
      'x.example/log',
      '--max-queued-entries',
      '7',
      '--request-timeout',
      '1',
      '--connection-timeout',
      '2',
    ),
  );
  t.match(server.ready, { maxQueuedEntries: 7, requestTimeoutMs: 1000, connectionTimeoutMs: 2000 });
  // A request whose headers never end is answered 408 after about a second.
  const started = performance.now();
  const answer = await new Promise<string>((done) => {
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk;
    });
    socket.on('close', () => done(received));
    socket.on('error', () => {});
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  });
  const elapsed = performance.now() - started;
  t.match(answer, /^HTTP\/1\.1 408 /);
  t.ok(elapsed >= 900 && elapsed < 5000, `after ${Math.round(elapsed)} ms`);
  await stopWith(t, server, 'SIGTERM');

  const bad = [
    ['--max-queued-entries', '0', 'a limit is a whole number, at least 1.'],
    ['--request-timeout', '1.5', 'a whole number is expected (0, 1, 2, ...).'],
    ['--connection-timeout', '86401', 'whole seconds are expected, from 0 to 86400 (a day).'],
  ];
  for (const [flag, value, message] of bad) {
    const cli = await runToExit(t, serverArgs(dbPath, flag, value));
    t.equal(cli.code, 1, `${flag} ${value} exits 1`);
    t.match(cli.stderr, `argument '${value}' is invalid. ${message}`);
  }
});

t.test("an operator's UV_THREADPOOL_SIZE sizes the thread pool", async (t) => {
  const dir = tempDir(t);
  const server = await startProcess(t, serverArgs(join(dir, 'log.db')), {
    env: { UV_THREADPOOL_SIZE: '3' },
  });
  t.equal(server.ready.threadPoolSize, 3, 'logged');
  if (POOL_THREADS_NAMED) {
    t.equal(await threadPoolThreads(server.child.pid as number), 3, 'three threads run');
  }
  await stopWith(t, server, 'SIGTERM');
});

t.test('the thread pool is sized one thread below the CPUs, at least two', async (t) => {
  const sized = (cpus: number, env: NodeJS.ProcessEnv = {}) => sizeThreadPool(env, cpus);
  const env: NodeJS.ProcessEnv = {};
  t.equal(sizeThreadPool(env, 8), 7);
  t.equal(env.UV_THREADPOOL_SIZE, '7', 'for libuv, in the environment');
  t.equal(sized(1), 2);
  t.equal(sized(2), 2);
  t.equal(sized(3), 2);
  t.equal(sized(8, { UV_THREADPOOL_SIZE: '1' }), 1, "the operator's setting is kept");
  t.equal(sized(2, { UV_THREADPOOL_SIZE: '' }), 2, 'an empty setting is none');
  // What libuv makes of odd settings, as the ready line reports it.
  t.equal(sized(2, { UV_THREADPOOL_SIZE: '0' }), 1);
  t.equal(sized(2, { UV_THREADPOOL_SIZE: 'many' }), 1);
  t.equal(sized(2, { UV_THREADPOOL_SIZE: '3.5' }), 3);
  t.equal(sized(2, { UV_THREADPOOL_SIZE: '5000' }), 1024);
  t.equal(sized(2, { UV_THREADPOOL_SIZE: '-3' }), 1024, 'a negative count wraps, capped');
});

t.test('a bad --port is refused before anything is opened', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'log.db');
  for (const port of ['abc', '70000']) {
    const cli = await runToExit(t, [BIN, 'server', '--db', dbPath, '--port', port]);
    t.equal(cli.code, 1, `--port ${port} exits 1`);
    t.match(cli.stderr, `argument '${port}' is invalid. a port is a whole number from 0 to 65535.`);
  }
  t.notOk(existsSync(dbPath), 'no database was created');
  // npm start's PORT is read as --port is: a bad one is named, without a stack trace.
  const fromEnv = await runToExit(t, NPM_START, { env: { ATTESTRY_DB: dbPath, PORT: 'abc' } });
  t.equal(fromEnv.code, 1, 'PORT=abc exits 1');
  t.match(
    fromEnv.stderr,
    "option '--port <n>' argument 'abc' is invalid. a port is a whole number from 0 to 65535.",
  );
  t.notMatch(fromEnv.stderr, /\n\s+at /, 'no stack trace');
  t.notOk(existsSync(dbPath), 'no database was created');
  t.throws(() => parseHost(' '), { code: 'commander.invalidArgument' }, 'an empty host');
  t.equal(parseHost('0.0.0.0'), '0.0.0.0');
  for (const port of ['65536', '1.5', '-1', '', ' 80']) {
    t.throws(() => parsePort(port), { code: 'commander.invalidArgument' }, `'${port}'`);
  }
  t.equal(parsePort('0'), 0);
  t.equal(parsePort('65535'), 65535);
});

t.test('a bad --oidc-issuers file stops the start before the log is created', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'log.db');
  const config = join(dir, 'oidc.json');
  writeFileSync(
    config,
    JSON.stringify({
      issuers: [{ issuer: 'http://ci.example', audience: 'a', namespaces: ['x/*'] }],
    }),
  );
  const cli = await runToExit(t, serverArgs(dbPath, '--oidc-issuers', config));
  t.equal(cli.code, 1);
  t.match(cli.stderr, `attestry server: ${config}: http://ci.example is not an https URL`);
  t.notOk(existsSync(dbPath), 'no database was created');
});

t.test('a log is served only under the origin it was created with', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'log.db');
  openLogService({ dbPath, origin: 'x.example/log' }).close();
  const cli = await runToExit(t, serverArgs(dbPath, '--origin', 'other'));
  t.not(cli.code, 0, 'exits non-zero');
  t.match(cli.stderr, `${dbPath} is the log "x.example/log"; it cannot be served as "other"`);
});

t.test('an origin must be a valid key name', async (t) => {
  const dir = tempDir(t);
  for (const [i, origin] of ['a b', 'a+b', '', 'tab\there'].entries()) {
    const dbPath = join(dir, `${i}.db`);
    t.throws(
      () => openLogService({ dbPath, origin }),
      {
        code: 'bad-origin',
        message: `origin "${origin}" must be non-empty, without spaces or "+"`,
      },
      JSON.stringify(origin),
    );
    t.notOk(existsSync(`${dbPath}-wal`), 'the database is closed after the failure');
  }
});

t.test('a key for another origin is refused with a hint', async (t) => {
  const dir = tempDir(t);
  const keysDir = join(dir, 'a/keys');
  openLogService({ dbPath: join(dir, 'a/log.db'), origin: 'a.example/log' }).close();
  const other = join(dir, 'b/log.db');
  const cli = await runToExit(t, [
    BIN,
    'server',
    '--db',
    other,
    '--keys',
    keysDir,
    '--origin',
    'b.example/log',
  ]);
  t.not(cli.code, 0, 'exits non-zero');
  t.match(
    cli.stderr,
    `the key in ${keysDir} signs for origin "a.example/log", not "b.example/log": pass --origin a.example/log or use another --keys directory`,
  );
  const storage = openSqliteStorage(other, { readonly: true });
  t.equal(storage.getMeta('origin'), undefined, 'the refused log was not given an origin');
  storage.close();

  t.throws(() => loadKeys(join(dir, 'none')), {
    code: 'missing-keys',
    message: `no log key at ${join(dir, 'none/note.key')}: start the server once to create it`,
  });
  t.equal(loadKeys(keysDir).noteSigner.name, 'a.example/log', 'without an origin, any key loads');
});

t.test('a second server cannot take a port in use; the first carries on', async (t) => {
  const dir = tempDir(t);
  // The first also shows --keys: its keys go where it is told, not beside its database.
  const keysDir = join(dir, 'elsewhere');
  const first = await startProcess(t, [
    BIN,
    'server',
    ...['--db', join(dir, 'first/log.db'), '--port', '0', '--host', '127.0.0.1'],
    ...['--origin', 'x.example/a', '--keys', keysDir],
  ]);
  t.equal(readFileSync(join(keysDir, 'note.pub'), 'utf8'), `${first.ready.noteVerifierKey}\n`);
  t.notOk(existsSync(join(dir, 'first/keys')), 'no keys/ beside the database');

  const port = new URL(first.url).port;
  const second = await runToExit(t, [
    BIN,
    'server',
    ...['--db', join(dir, 'second/log.db'), '--port', port, '--origin', 'x.example/b'],
  ]);
  t.not(second.code, 0, 'the second server exits non-zero');
  t.match(second.stderr, `EADDRINUSE: address already in use 127.0.0.1:${port}`);
  t.equal((await health(first.url)).status, 200, 'the first still answers');
  await stopWith(t, first, 'SIGTERM');
});

t.test(
  'a second server cannot open a database a server writes; the first carries on',
  async (t) => {
    const dir = tempDir(t);
    const db = join(dir, 'log.db');
    const first = await startProcess(t, [
      BIN,
      'server',
      ...['--db', db, '--port', '0', '--host', '127.0.0.1', '--origin', 'x.example/a'],
    ]);
    const second = await runToExit(t, [
      BIN,
      'server',
      ...['--db', db, '--port', '0', '--host', '127.0.0.1', '--origin', 'x.example/a'],
    ]);
    t.not(second.code, 0, 'the second server exits non-zero');
    t.match(second.stderr, `attestry server: ${db} is already open for writing`);
    t.equal((await health(first.url)).status, 200, 'the first still answers');
    // However the first ends, the lock goes with it.
    first.child.kill('SIGKILL');
    await first.exited;
    const next = await startProcess(t, [
      BIN,
      'server',
      ...['--db', db, '--port', '0', '--host', '127.0.0.1', '--origin', 'x.example/a'],
    ]);
    t.equal((await health(next.url)).status, 200, 'a server starts once the first is gone');
    await stopWith(t, next, 'SIGTERM');
  },
);

t.test('a host that does not resolve is a message, not a crash', async (t) => {
  const dir = tempDir(t);
  const exit = await runToExit(t, [
    BIN,
    'server',
    ...['--db', join(dir, 'log.db'), '--port', '0', '--host', 'no-such-host.invalid'],
  ]);
  t.equal(exit.code, 1);
  t.match(exit.stderr, /^attestry server: getaddrinfo ENOTFOUND no-such-host\.invalid\n$/);
});
