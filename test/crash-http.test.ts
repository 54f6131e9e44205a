// Crash safety over HTTP: the real server process (`attestry server`) is SIGKILLed 20 times while
// 32 clients publish through POST /api/v1/entries. A 201 is the log's promise that the entry is
// stored, so after each kill every entry answered 201 must be in the database unchanged, and the
// log's checkpoint must be consistent with every checkpoint handed out in a 201. At the end the
// whole log audits clean. test/crash.test.ts does the same below HTTP; this adds what lies between
// the sequencer and the client (request handling, replies sent while the next batch is written).
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import t from 'tap';
import { defaultKeysDir } from '../server/defaults.ts';
import { loadKeys } from '../server/keys.ts';
import { auditLog } from '../server/log/audit.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import { openSqliteStorage } from '../server/storage/sqlite-storage.ts';
import { checkAfterCrash } from './support/crash-checks.ts';
import { freePort, waitForHealth } from './support/server-process.ts';
import { postEntry, submissionBody } from './support/submissions.ts';
import { tempDir } from './support/temp-log.ts';

// Twenty server processes start here, one after another: about 2 s each on an idle 2-core
// machine, over 3 s on a busy one. The load and the checks take well under a second per run.
// With other test files running beside it (CI runs three), a run took 134 s.
t.setTimeout(400_000);
const BIN = resolve(import.meta.dirname, '../client-sdk/cli/bin.ts');
const ORIGIN = 'crash-http.test/log';
const KILLS = 20;
const CLIENTS = 32;
const MIN_ACKS_BEFORE_KILL = 20;
// A server refusing these submissions (a 4xx, say) fails the test at once rather than at the timeout.
const MAX_UNEXPECTED = 50;

interface Ack {
  index: number;
  /** canonicalizedBody as answered, in hex. */
  bodyHex: string;
  treeSize: number;
  rootHex: string;
}

interface RunResult {
  acks: Ack[];
  /** Requests sent before the kill that got no answer (the connection died under them). */
  lostInFlight: number;
  /** Answers other than 201: none are expected from a healthy server under this load. */
  unexpected: string[];
}

interface ServerProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `attestry server` on dbPath and waits until it answers /healthz (or fails if it exits). */
async function startServer(dbPath: string): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      BIN,
      'server',
      '--db',
      dbPath,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--origin',
      ORIGIN,
      // The native API may soon require a token; anonymous publishing keeps this test about crashes.
      '--allow-anonymous',
      '--anonymous-rate-limit',
      '10000000',
    ],
    // A log line per request costs CPU the 2-core CI machine needs for the load itself. Without
    // tap's process tracking and coverage (NODE_OPTIONS): twenty killed servers add nothing to
    // coverage (the same code runs in process elsewhere), only start-up time.
    {
      env: { ...process.env, LOG_LEVEL: 'warn', NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((done) => child.on('exit', (code, signal) => done({ code, signal, stderr })));
  const url = `http://127.0.0.1:${port}`;
  const diedFirst = exited.then(({ code, signal }) => {
    throw new Error(`server exited with ${code ?? signal} before it was healthy: ${stderr}`);
  });
  diedFirst.catch(() => {}); // only an error while waiting for health
  await Promise.race([waitForHealth(url), diedFirst]);
  return { child, url, exited };
}

/**
 * Keeps CLIENTS submitters publishing unique entries until at least `minAcks` were answered 201,
 * waits `delayMs` more under load (so the kill lands at any point of a batch, not just after a
 * reply), SIGKILLs the server and collects every answer that made it out before it died.
 */
async function loadUntilKilled(
  server: ServerProcess,
  minAcks: number,
  delayMs: number,
  nextSubmission: () => number,
): Promise<RunResult> {
  const result: RunResult = { acks: [], lostInFlight: 0, unexpected: [] };
  let killed = false;
  let stopLoading: () => void = () => {};
  const loadDone = new Promise<void>((done) => {
    stopLoading = done;
  });
  const noteUnexpected = (answer: string) => {
    result.unexpected.push(answer);
    if (result.unexpected.length >= MAX_UNEXPECTED) stopLoading();
  };

  async function submitter(): Promise<void> {
    while (!killed && result.unexpected.length < MAX_UNEXPECTED) {
      const body = await submissionBody(nextSubmission());
      if (killed) return; // not sent: the server is gone
      try {
        const response = await postEntry(server.url, body);
        const text = await response.text();
        if (response.status !== 201) {
          noteUnexpected(`${response.status} ${text.slice(0, 200)}`);
          continue;
        }
        const answer = JSON.parse(text);
        // Answers read after the kill still count: the server sent them, so it promised them.
        result.acks.push({
          index: answer.logIndex,
          bodyHex: Buffer.from(answer.canonicalizedBody, 'base64').toString('hex'),
          treeSize: answer.inclusionProof.treeSize,
          rootHex: answer.inclusionProof.rootHash,
        });
        if (result.acks.length >= minAcks) stopLoading();
      } catch (error) {
        if (!killed) {
          noteUnexpected(`request failed before the kill: ${error}`);
          continue;
        }
        // Sent, never answered: the kill cut the connection. Not acknowledged, so not promised.
        result.lostInFlight++;
        return;
      }
    }
  }

  const submitters = Promise.all(Array.from({ length: CLIENTS }, submitter));
  const diedEarly = server.exited.then(({ code, signal, stderr }) => {
    if (!killed) throw new Error(`server exited with ${code ?? signal} under load: ${stderr}`);
  });
  await Promise.race([loadDone, diedEarly]);
  if (result.unexpected.length < MAX_UNEXPECTED)
    await Promise.race([new Promise((r) => setTimeout(r, delayMs)), diedEarly]);
  killed = true;
  server.child.kill('SIGKILL');
  const exit = await server.exited;
  if (exit.signal !== 'SIGKILL') throw new Error(`server ended with ${exit.code}, not SIGKILL`);
  await submitters;
  return result;
}

t.test(`no acknowledged entry is lost across ${KILLS} SIGKILLs under HTTP load`, async (t) => {
  const dbPath = join(tempDir(t, 'attestry-crash-http-'), 'log.db');
  let server: ServerProcess | undefined;
  t.teardown(() => {
    if (server && server.child.exitCode === null && server.child.signalCode === null)
      server.child.kill('SIGKILL');
  });

  const acknowledged = new Map<number, string>();
  const roots = new Map<number, string>();
  // One counter across runs: every submission is new, so a 201 is never a duplicate's 409 and an
  // entry lost in flight in one run is never published again in a later one.
  let submissions = 0;
  const nextSubmission = () => submissions++;
  let lostInFlight = 0;
  let runsWithLostRequests = 0;
  const unexpected: string[] = [];
  let random = 12345;
  const nextRandom = () => {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    return random;
  };

  for (let run = 0; run < KILLS; run++) {
    server = await startServer(dbPath);
    const minAcks = MIN_ACKS_BEFORE_KILL + (nextRandom() % 80);
    const delayMs = nextRandom() % 25;
    const result = await loadUntilKilled(server, minAcks, delayMs, nextSubmission);
    for (const ack of result.acks) {
      acknowledged.set(ack.index, ack.bodyHex);
      roots.set(ack.treeSize, ack.rootHex);
    }
    lostInFlight += result.lostInFlight;
    if (result.lostInFlight > 0) runsWithLostRequests++;
    unexpected.push(...result.unexpected.map((answer) => `run ${run}: ${answer}`));
    checkAfterCrash(t, dbPath, run, acknowledged, roots);
    if (result.unexpected.length >= MAX_UNEXPECTED) break; // refused: more runs would add nothing
  }

  t.same(
    unexpected.slice(0, 5),
    [],
    unexpected.length === 0
      ? 'every answer was a 201'
      : `${unexpected.length} answers were not 201 (the first 5 shown)`,
  );
  t.ok(
    acknowledged.size >= KILLS * MIN_ACKS_BEFORE_KILL,
    `${acknowledged.size} entries were acknowledged over ${submissions} submissions`,
  );
  // The kills came under load: requests were on the wire when the server died.
  t.ok(
    runsWithLostRequests >= KILLS / 2,
    `${lostInFlight} requests were in flight at the kill, in ${runsWithLostRequests} of ${KILLS} runs`,
  );

  const storage = openSqliteStorage(dbPath, { readonly: true });
  t.teardown(() => storage.close());
  const { noteVerifierKey } = loadKeys(defaultKeysDir(dbPath));
  const report = auditLog({ storage, verifier: parseVerifierKey(noteVerifierKey) });
  t.ok(report.entries >= acknowledged.size, `audit clean over ${report.entries} entries`);
});
