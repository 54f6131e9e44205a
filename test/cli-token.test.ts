// `attestry token`: mints a publish token from the log's own issuer key, which the log accepts for
// exactly the namespaces and time asked; refuses clearly without the key, with a pattern that is
// none, or a lifetime out of range.
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import t from 'tap';
import { signCommand } from '../client-sdk/cli/commands/sign.ts';
import { tokenCommand } from '../client-sdk/cli/commands/token.ts';
import { parseToken } from '../client-sdk/cli/options.ts';
import { type LocalTokenRequest, mintLocalToken } from '../server/auth/local-token.ts';
import { TOKEN_ISSUER_KEY_FILE } from '../server/keys.ts';
import { bearer } from './support/auth.ts';
import { runInProcess } from './support/cli.ts';
import { expectError, serve } from './support/http.ts';
import { buildBundle, generateKey, keySigner, omsStatement } from './support/signing.ts';
import { openTempLog, tempDir } from './support/temp-log.ts';

const key = generateKey('ecdsa-p256');

async function publish(url: string, name: string, token: string): Promise<Response> {
  const statement = omsStatement({ subject: [{ name, digest: { sha256: 'ab'.repeat(32) } }] });
  return fetch(`${url}/api/v1/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify({
      bundle: await buildBundle(keySigner(key), statement),
      publicKey: key.publicKeyPem,
    }),
  });
}

t.test('a minted token publishes under its namespaces and no other', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, {});
  const issuerKey = join(log.dir, 'keys', TOKEN_ISSUER_KEY_FILE);
  t.equal(statSync(issuerKey).mode & 0o777, 0o600, 'the issuer key is for its owner only');

  const run = await runInProcess(tokenCommand, [
    '--db',
    log.dbPath,
    '--namespace',
    'acme/*',
    '--namespace',
    'datasets/acme',
    '--ttl',
    '2h',
    '--subject',
    'release-ci',
  ]);
  t.equal(run.status, 0, run.stderr);
  const token = run.stdout.trim();
  const claims = decodeJwt(token);
  t.match(claims, {
    iss: `attestry:${log.origin}`,
    aud: log.origin,
    sub: 'release-ci',
    namespaces: ['acme/*', 'datasets/acme'],
  });
  t.equal((claims.exp as number) - (claims.iat as number), 7200, '--ttl 2h');
  t.type(claims.jti, 'string');

  t.equal((await publish(url, 'acme/model', token)).status, 201);
  await expectError(t, await publish(url, 'other/model', token), 403, 'namespace-not-allowed');

  const json = await runInProcess(tokenCommand, [
    '--keys',
    join(log.dir, 'keys'),
    '--namespace',
    '*',
    '--json',
  ]);
  t.equal(json.status, 0, json.stderr);
  const document = JSON.parse(json.stdout);
  t.match(document, { origin: log.origin, subject: 'operator', namespaces: ['*'] });
  t.ok(Date.parse(document.expiresAt) - Date.now() > 3500_000, 'an hour by default');
  t.equal((await publish(url, 'other/model', document.token)).status, 201);
});

t.test('refusals: no issuer key, a bad pattern, a bad lifetime', async (t) => {
  const empty = tempDir(t);
  const missing = await runInProcess(tokenCommand, [
    '--db',
    join(empty, 'log.db'),
    '--namespace',
    'acme/*',
  ]);
  t.equal(missing.status, 1);
  t.match(missing.stderr, /attestry token: no log verifier key at .*keys\/note\.pub: pass --db/);

  const log = openTempLog(t);
  const keys = join(log.dir, 'keys');
  for (const [pattern, why] of [
    ['ac*me', /has a \* that is not the whole pattern/],
    ['/*', /names nothing before/],
  ] as const) {
    const bad = await runInProcess(tokenCommand, ['--keys', keys, '--namespace', pattern]);
    t.equal(bad.status, 1, pattern);
    t.match(bad.stderr, why);
  }
  const bare = await runInProcess(tokenCommand, ['--keys', keys, '--namespace', 'acme']);
  t.equal(bare.status, 0, 'a one-word pattern is a name, and allowed');
  t.match(bare.stderr, /"acme" allows the name acme only; "acme\/\*" allows every name below it/);
  const json = await runInProcess(tokenCommand, ['--keys', keys, '--namespace', 'a*', '--json']);
  t.match(JSON.parse(json.stdout), { ok: false, code: 'bad-token-request' });

  for (const ttl of ['0h', '10', '1y', '-1h']) {
    const bad = await runInProcess(tokenCommand, [
      '--keys',
      keys,
      '--namespace',
      '*',
      '--ttl',
      ttl,
    ]);
    t.not(bad.status, 0, `--ttl ${ttl}`);
    t.match(bad.stderr, /duration/);
  }
  const tooLong = await runInProcess(tokenCommand, [
    '--keys',
    keys,
    '--namespace',
    '*',
    '--ttl',
    '400d',
  ]);
  t.equal(tooLong.status, 1);
  t.match(tooLong.stderr, /at most 366 days/);

  const noNamespace = await runInProcess(tokenCommand, ['--keys', keys]);
  t.not(noNamespace.status, 0);
  t.match(noNamespace.stderr, /--namespace/);

  // A directory whose issuer key went missing (or was never made: an older log) is named.
  const older = join(tempDir(t), 'keys');
  mkdirSync(older);
  cpSync(keys, older, { recursive: true });
  rmSync(join(older, TOKEN_ISSUER_KEY_FILE));
  const noIssuer = await runInProcess(tokenCommand, ['--keys', older, '--namespace', '*']);
  t.equal(noIssuer.status, 1);
  t.match(noIssuer.stderr, /no token issuer key at .*token-issuer\.key: start the server once/);
});

t.test('an unreadable or wrong issuer key, and requests no token should carry', async (t) => {
  const log = openTempLog(t);
  const keys = join(log.dir, 'keys');
  writeFileSync(join(keys, TOKEN_ISSUER_KEY_FILE), 'not a key\n');
  const garbage = await runInProcess(tokenCommand, ['--keys', keys, '--namespace', '*']);
  t.equal(garbage.status, 1);
  t.match(garbage.stderr, /cannot read the token issuer key .*token-issuer\.key/);
  writeFileSync(
    join(keys, TOKEN_ISSUER_KEY_FILE),
    key.privateKey.export({ type: 'pkcs8', format: 'pem' }),
  );
  const ecdsa = await runInProcess(tokenCommand, ['--keys', keys, '--namespace', '*']);
  t.equal(ecdsa.status, 1);
  t.match(ecdsa.stderr, /is not an Ed25519 private key/);

  const issuerKey = generateKeyPairSync('ed25519').privateKey;
  const request = { origin: 'x.example/log', namespaces: ['*'], ttlSeconds: 60, subject: 'ci' };
  for (const [what, change, message] of [
    ['no lifetime', { ttlSeconds: 0 }, /at least one second/],
    ['a fractional lifetime', { ttlSeconds: 1.5 }, /at least one second/],
    ['no subject', { subject: '' }, /names its subject/],
    ['no namespace', { namespaces: [] }, /at least one --namespace/],
  ] as [string, Partial<LocalTokenRequest>, RegExp][]) {
    await t.rejects(
      mintLocalToken(issuerKey, { ...request, ...change }),
      { name: 'RangeError', message },
      what,
    );
  }
});

t.test(
  'publishing commands refuse an empty token, and take one with its Bearer prefix',
  async (t) => {
    t.equal(parseToken(' Bearer abc.def.ghi '), 'abc.def.ghi');
    t.throws(() => parseToken(''), /the token is empty: set ATTESTRY_TOKEN/);
    t.throws(() => parseToken('Bearer  '), /the token is empty/);
    const run = await runInProcess(signCommand, ['model', '--key', 'k.pem', '--token', '']);
    t.not(run.status, 0);
    t.match(run.stderr, /the token is empty/);
    // A failed `export ATTESTRY_TOKEN=$(attestry token ...)` leaves it set and empty.
    process.env.ATTESTRY_TOKEN = '';
    t.teardown(() => {
      delete process.env.ATTESTRY_TOKEN;
    });
    const fromEnv = await runInProcess(signCommand, ['model', '--key', 'k.pem']);
    t.not(fromEnv.status, 0);
    t.match(fromEnv.stderr, /the token is empty/);
  },
);
