// A maintainer and a consumer, end to end over HTTP with the attestry command and real server
// processes: the operator mints a publish token, the maintainer keygens, signs and publishes under
// the names the token allows, the consumer verifies with log evidence. Then a second log process with
// the same key but a different history serves a checkpoint of the same size with another root:
// verifying against it fails as a fork, and the consumer's stored checkpoint is left as it was.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { toHex } from '../server/log/encoding.ts';
import { generateNoteSigner } from '../server/log/note-keys.ts';
import { freePort, waitForHealth } from './support/server-process.ts';
import { runCliAsync } from './support/signing.ts';
import { tempDir } from './support/temp-log.ts';

const BIN = resolve(import.meta.dirname, '../client-sdk/cli/bin.ts');
const ORIGIN = 'e2e.example/log';

async function startLog(t: Test, dir: string): Promise<string> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'server', '--db', join(dir, 'log.db'), '--port', String(port), '--origin', ORIGIN],
    { stdio: 'ignore' },
  );
  t.teardown(() => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url);
  return url;
}

function writeModel(dir: string, name: string): string {
  const model = join(dir, name);
  mkdirSync(join(model, 'tokenizer'), { recursive: true });
  writeFileSync(join(model, 'weights.safetensors'), `weights of ${name}`);
  writeFileSync(join(model, 'tokenizer/vocab.json'), '{"a": 1}');
  return model;
}

/** The maintainer's publish token, in ATTESTRY_TOKEN as a pipeline would hold it. */
const env: Record<string, string> = {};

async function cli(t: Test, args: string[]) {
  const run = await runCliAsync([...args, '--json'], { env });
  const lines = run.stdout.trim().split('\n');
  t.equal(lines.length, 1, `attestry ${args[0]} --json prints one JSON document`);
  return { status: run.status, json: JSON.parse(lines[0]), stderr: run.stderr };
}

t.test('sign, publish, verify with log evidence; a forked log is caught', async (t) => {
  const dir = tempDir(t, 'attestry-e2e-');
  const logA = join(dir, 'log-a');
  const urlA = await startLog(t, logA);
  const logKey = readFileSync(join(logA, 'keys/note.pub'), 'utf8').trim();

  const keygen = await cli(t, ['keygen', '--out', join(dir, 'keys')]);
  t.equal(keygen.status, 0, keygen.stderr);
  const privateKey = join(dir, 'keys/private-key.pem');
  const publicKey = join(dir, 'keys/public-key.pem');

  // Publishing needs a token: without one the signature is kept, and the log refuses it.
  const anonymous = await cli(t, [
    'sign',
    writeModel(dir, 'model-x'),
    '--key',
    privateKey,
    '--name',
    'acme/model-x',
    '--out',
    join(dir, 'x.sig'),
    '--log',
    urlA,
  ]);
  t.equal(anonymous.status, 1);
  t.match(anonymous.json, {
    ok: false,
    code: 'publish-failed',
    message: /token/,
    cause: { code: 'token-required', status: 401 },
  });
  const minted = await cli(t, [
    'token',
    '--db',
    join(logA, 'log.db'),
    '--namespace',
    'acme/*',
    '--subject',
    'release-ci',
    '--ttl',
    '10m',
  ]);
  t.equal(minted.status, 0, minted.stderr);
  t.match(minted.json, { origin: ORIGIN, subject: 'release-ci', namespaces: ['acme/*'] });
  env.ATTESTRY_TOKEN = minted.json.token;
  const unnamed = await cli(t, [
    'sign',
    join(dir, 'model-x'),
    '--key',
    privateKey,
    '--out',
    join(dir, 'x.sig'),
    '--log',
    urlA,
  ]);
  t.equal(unnamed.status, 1, 'a name outside the token is refused');
  t.match(unnamed.json, { ok: false, code: 'publish-failed', message: /acme\/\*, not "model-x"/ });

  // Three releases on log A; the consumer checks the second.
  const bundles: string[] = [];
  for (const name of ['model-0', 'model-1', 'model-2']) {
    const model = writeModel(dir, name);
    const bundle = join(dir, `${name}.sig`);
    const signed = await cli(t, [
      'sign',
      model,
      '--key',
      privateKey,
      '--name',
      `acme/${name}`,
      '--out',
      bundle,
      '--log',
      urlA,
    ]);
    t.equal(signed.status, 0, signed.stderr);
    t.match(signed.json, { ok: true, method: 'key', log: { logIndex: bundles.length } });
    bundles.push(bundle);
  }

  const state = join(dir, 'consumer-state');
  const verifyArgs = (url: string) => [
    'verify',
    join(dir, 'model-1'),
    '--bundle',
    bundles[1],
    '--key',
    publicKey,
    '--log',
    url,
    '--log-key',
    logKey,
    '--state-dir',
    state,
  ];
  const verified = await cli(t, verifyArgs(urlA));
  t.equal(verified.status, 0, verified.stderr);
  t.match(verified.json, {
    ok: true,
    method: 'key',
    log: { logIndex: 1, inclusionVerified: true, checkpoint: { size: 3 } },
  });
  const stored = storedCheckpoints(state);
  t.equal(stored.length, 1, 'the consumer kept the checkpoint it saw');

  // Log B: a copy of A's keys (same origin, same key), another history of the same size that
  // also holds the consumer's bundle.
  const logB = join(dir, 'log-b');
  cpSync(join(logA, 'keys'), join(logB, 'keys'), { recursive: true });
  const urlB = await startLog(t, logB);
  const resigned = await cli(t, [
    'sign',
    join(dir, 'model-2'),
    '--key',
    privateKey,
    '--name',
    'acme/model-2',
    '--out',
    join(dir, 'b-0.sig'),
    '--log',
    urlB,
  ]);
  t.equal(resigned.status, 0, resigned.stderr);
  const clientB = new LogClient({
    url: urlB,
    ...(await LogClient.fetchKeys(urlB)),
    token: env.ATTESTRY_TOKEN,
  });
  const same = await clientB.submit({
    bundle: JSON.parse(readFileSync(bundles[1], 'utf8')),
    publicKey: readFileSync(publicKey, 'utf8'),
  });
  t.equal(same.logIndex, 1, "B holds the consumer's bundle at the same index");
  await clientB.submit({
    bundle: JSON.parse(readFileSync(bundles[0], 'utf8')),
    publicKey: readFileSync(publicKey, 'utf8'),
  });
  const checkpointB = await clientB.checkpoint();
  const checkpointA = await new LogClient({ url: urlA, noteVerifierKey: logKey }).checkpoint();
  t.equal(checkpointB.size, checkpointA.size, 'same size');
  t.not(toHex(checkpointB.rootHash), toHex(checkpointA.rootHash), 'another root');

  const forked = await cli(t, verifyArgs(urlB));
  t.equal(forked.status, 1, 'verification fails');
  t.match(forked.json, { ok: false, code: 'log-fork', message: /fork/ });
  t.same(storedCheckpoints(state), stored, 'the stored checkpoint is kept');

  const again = await cli(t, verifyArgs(urlA));
  t.equal(again.status, 0, 'log A still verifies');

  // A maintainer who pinned another log's key is told the answer is not that log's (last: the
  // log has taken the entry by then, and its answer is what fails).
  const otherKey = generateNoteSigner(ORIGIN).verifierKey;
  const misPinned = await cli(t, [
    'sign',
    join(dir, 'model-0'),
    '--key',
    privateKey,
    '--out',
    join(dir, 'misPinned.sig'),
    '--log',
    urlA,
    '--log-key',
    otherKey,
  ]);
  t.equal(misPinned.status, 1);
  t.match(misPinned.json, { ok: false, code: 'publish-failed' });
});

/** The checkpoints kept in a state directory, of every log (each under logs/<its key's hash>). */
function storedCheckpoints(state: string): string[] {
  const logs = join(state, 'logs');
  return readdirSync(logs).flatMap((log) => {
    const dir = join(logs, log, 'checkpoints');
    return readdirSync(dir).map((file) => readFileSync(join(dir, file), 'utf8'));
  });
}
