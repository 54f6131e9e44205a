// The package pipelines install: `npm pack` (which builds the JavaScript at prepack), installed
// into a fresh project, imported as `attestry` and run as the `attestry` bin under Node >= 22.
// The consumer signs a model with the SDK, verifies it, tampers with it, and runs the server from
// the package (its writer thread, migrations and schemas come from the tarball too).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { freePort, waitForHealth } from './support/server-process.ts';
import { tempDir } from './support/temp-log.ts';

const ROOT = resolve(import.meta.dirname, '..');

// tap hooks child_process to load its own loaders into every Node child through NODE_OPTIONS
// (tsc fails under them) and to collect coverage (of the built copies, which are not the sources
// under test): each command here runs through env(1) without them, as from a user's shell.
const CLEAN = ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE'];

// npm itself prints the prepack script's output before the JSON it was asked for.
function packResult(stdout: string): { filename: string; files: { path: string }[] } {
  return JSON.parse(stdout.slice(stdout.search(/^\[/m)))[0];
}

const CONSUMER = `
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hashModel, LogClient, signModel, verifyModel, VerifyError } from 'attestry';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) throw new Error('Node ' + process.versions.node);
mkdirSync('model/sub', { recursive: true });
writeFileSync('model/weights.bin', 'weights');
writeFileSync('model/sub/config.json', '{}');
// Over the size hashed without a pool: the built worker file runs from the tarball too.
writeFileSync('model/big.bin', Buffer.alloc(9 * 1024 * 1024, 1));
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signed = await signModel('model', {
  privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  signaturePath: 'model/model.sig',
  log: process.env.LOG_URL,
  token: process.env.ATTESTRY_TOKEN,
  name: 'pack/model',
});
writeFileSync('model/model.sig', JSON.stringify(signed.bundle));
const key = publicKey.export({ type: 'spki', format: 'pem' });
const verified = await verifyModel('model', { bundle: 'model/model.sig', key });
writeFileSync('model/weights.bin', 'poisoned');
let tamper;
try {
  await verifyModel('model', { bundle: 'model/model.sig', key });
} catch (error) {
  tamper = { name: error.constructor.name, code: error.code, isVerifyError: error instanceof VerifyError };
}
const manifest = await hashModel('model', { ignorePaths: ['model.sig'], workers: 2 });
console.log(JSON.stringify({
  node: process.versions.node,
  method: verified.method,
  logIndex: signed.log?.logIndex,
  tamper,
  resources: manifest.resources.map((r) => r.name),
  logClient: typeof LogClient,
}));
`;

t.test('npm pack, install into a fresh project, import and run', async (t) => {
  const dir = tempDir(t, 'attestry-pack-');
  const pack = execFileSync('env', [...CLEAN, 'npm', 'pack', '--json', '--pack-destination', dir], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const packed = packResult(pack);
  const files = packed.files.map((file) => file.path);
  t.ok(files.includes('dist/client-sdk/index.js'), 'the SDK entry point');
  t.ok(files.includes('dist/client-sdk/index.d.ts'), 'its type declarations');
  t.ok(files.includes('dist/package.json'), 'the import map of the built files');
  t.ok(files.includes('dist/migrations/0001_log.sql'), 'the migrations');
  t.ok(files.includes('dist/schemas/predicates/index.json'), 'the predicate schemas');
  t.same(
    files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts')),
    [],
    'no TypeScript sources, which Node will not run from node_modules',
  );
  t.notOk(
    files.some((path) => path.startsWith('test/') || path.startsWith('bench/')),
    'no tests or benchmarks',
  );

  const project = join(dir, 'consumer');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  execFileSync(
    'env',
    [
      ...CLEAN,
      'npm',
      'install',
      join(dir, packed.filename),
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
    ],
    { cwd: project, stdio: 'ignore' },
  );
  const bin = join(project, 'node_modules/.bin/attestry');
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [
      bin,
      'server',
      '--db',
      join(dir, 'log.db'),
      '--port',
      String(port),
      '--origin',
      'pack.example/log',
    ],
    { stdio: 'ignore' },
  );
  t.teardown(() => server.kill('SIGKILL'));
  const logUrl = `http://127.0.0.1:${port}`;
  await waitForHealth(logUrl);

  // The operator's token, minted by the installed command.
  const token = execFileSync(
    process.execPath,
    [bin, 'token', '--db', join(dir, 'log.db'), '--namespace', 'pack/*'],
    { encoding: 'utf8' },
  ).trim();

  writeFileSync(join(project, 'consumer.mjs'), CONSUMER);
  const run = spawnSync(
    'env',
    [...CLEAN, `LOG_URL=${logUrl}`, `ATTESTRY_TOKEN=${token}`, process.execPath, 'consumer.mjs'],
    { cwd: project, encoding: 'utf8' },
  );
  t.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  t.ok(Number(report.node.split('.')[0]) >= 22, `Node ${report.node}`);
  t.equal(report.method, 'key', 'the SDK signed and verified with a key');
  t.equal(report.logIndex, 0, 'and published to the server run from the package');
  t.match(report.tamper, { code: 'manifest-mismatch', isVerifyError: true });
  t.same(report.resources, ['big.bin', 'sub/config.json', 'weights.bin']);
  t.equal(report.logClient, 'function');

  const help = spawnSync('env', [...CLEAN, process.execPath, bin, '--help'], {
    cwd: project,
    encoding: 'utf8',
  });
  t.equal(help.status, 0, help.stderr);
  for (const command of ['server', 'hash', 'sign', 'verify', 'keygen', 'log', 'audit']) {
    t.match(help.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), `the bin lists ${command}`);
  }
  const version = spawnSync('env', [...CLEAN, process.execPath, bin, '--version'], {
    cwd: project,
    encoding: 'utf8',
  });
  t.equal(
    version.stdout.trim(),
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
  );
  const hash = spawnSync('env', [...CLEAN, process.execPath, bin, 'hash', 'model', '--json'], {
    cwd: project,
    encoding: 'utf8',
  });
  t.equal(hash.status, 0, hash.stderr);
  t.match(JSON.parse(hash.stdout), { digest: /^sha256:[0-9a-f]{64}$/ });
});
