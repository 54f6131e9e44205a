// `attestry keygen`: the key pair it writes (owner-only private key, public key for verifiers),
// its refusal to overwrite, its help and its JSON; and the pair signing and verifying a model.
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { KeyError } from '../client-sdk/keys/errors.ts';
import { writeKeyPair } from '../client-sdk/keys/key-pair.ts';
import { expectHelp, jsonOutput, runCli } from './support/cli.ts';
import { tempDir } from './support/temp-log.ts';

t.setTimeout(120_000);

t.test('--help says what it writes and which key types there are', async (t) => {
  expectHelp(
    t,
    ['keygen', '--help'],
    [
      '--out <dir>',
      'private-key.pem',
      'public-key.pem',
      'ecdsa-p256',
      'ecdsa-p384',
      'ecdsa-p521',
      'ed25519',
      '--json',
      'never overwritten',
      'attestry sign',
    ],
  );
});

t.test('writes an owner-only private key and its public key, and never overwrites', async (t) => {
  const dir = path.join(tempDir(t), 'keys');
  const cli = runCli(['keygen', '--out', dir]);
  t.equal(cli.status, 0, cli.stderr);
  const privatePath = path.join(dir, 'private-key.pem');
  const publicPath = path.join(dir, 'public-key.pem');
  t.match(cli.stdout, `private key (keep it secret): ${privatePath}`);
  t.match(cli.stdout, `public key (give it to verifiers): ${publicPath}`);
  t.equal(statSync(privatePath).mode & 0o777, 0o600);
  t.equal(statSync(publicPath).mode & 0o777, 0o644);
  const privateKey = createPrivateKey(readFileSync(privatePath));
  t.equal(privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'ECDSA P-256 by default');
  t.equal(
    createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }),
    readFileSync(publicPath, 'utf8'),
  );

  const before = readFileSync(privatePath, 'utf8');
  const again = runCli(['keygen', '--out', dir]);
  t.equal(again.status, 1);
  t.match(again.stderr, /already exists: choose another directory, or move the old key pair away/);
  t.equal(readFileSync(privatePath, 'utf8'), before, 'the key is untouched');

  const json = runCli(['keygen', '--out', dir, '--json']);
  t.equal(json.status, 1);
  t.match(jsonOutput(json.stdout), { ok: false, code: 'key-exists' });
});

t.test('a public key left alone is not overwritten either', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'public-key.pem'), 'a key of someone else');
  const cli = runCli(['keygen', '--out', dir]);
  t.equal(cli.status, 1);
  t.notOk(existsSync(path.join(dir, 'private-key.pem')), 'nothing half-written');
});

t.test('--type picks the key; --json prints one document', async (t) => {
  for (const [type, details] of [
    ['ecdsa-p384', 'secp384r1'],
    ['ecdsa-p521', 'secp521r1'],
    ['ed25519', undefined],
  ]) {
    const dir = tempDir(t);
    const cli = runCli(['keygen', '--out', dir, '--type', type as string, '--json']);
    t.equal(cli.status, 0, cli.stderr);
    const output = jsonOutput(cli.stdout);
    t.match(output, { ok: true, type, privateKeyPath: path.join(dir, 'private-key.pem') });
    const key = createPrivateKey(readFileSync(path.join(dir, 'private-key.pem')));
    t.equal(key.asymmetricKeyDetails?.namedCurve, details);
    t.equal(output.publicKeyPem, readFileSync(path.join(dir, 'public-key.pem'), 'utf8'));
    const spki = createPublicKey(output.publicKeyPem).export({ type: 'spki', format: 'der' });
    t.equal(
      output.identity,
      `sha256:${createHash('sha256').update(spki).digest('hex')}`,
      'the identity logs and grants use',
    );
  }
  const rsa = runCli(['keygen', '--out', tempDir(t), '--type', 'rsa']);
  t.equal(rsa.status, 1);
  t.match(rsa.stderr, /Allowed choices are ecdsa-p256, ecdsa-p384, ecdsa-p521, ed25519/);
  const noOut = runCli(['keygen']);
  t.equal(noOut.status, 1);
  t.match(noOut.stderr, /--out <dir>/);
});

t.test('the SDK refuses a key type it does not know', async (t) => {
  t.throws(() => writeKeyPair(tempDir(t), 'dsa'), {
    constructor: KeyError,
    code: 'unknown-key-type',
    message: /choose one of ecdsa-p256/,
  });
});

t.test('a generated key signs a model that its public key verifies', async (t) => {
  const keys = tempDir(t);
  t.equal(runCli(['keygen', '--out', keys]).status, 0);
  const model = tempDir(t);
  writeFileSync(path.join(model, 'weights.bin'), 'weights');
  const bundle = path.join(tempDir(t), 'model.sig');
  const signed = runCli([
    'sign',
    model,
    '--key',
    path.join(keys, 'private-key.pem'),
    '--out',
    bundle,
  ]);
  t.equal(signed.status, 0, signed.stderr);
  const verified = runCli([
    'verify',
    model,
    '--bundle',
    bundle,
    '--key',
    path.join(keys, 'public-key.pem'),
  ]);
  t.equal(verified.status, 0, verified.stderr);
  t.match(verified.stdout, /^verified .*: 1 file as signed by the key sha256:[0-9a-f]{64}\n$/);
});
