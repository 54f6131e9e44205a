// Revocation honoured: a model is refused once the log holds a revocation of its digest signed by
// its own signer or by an advisory key the verifier trusts; a revocation by anyone else changes
// nothing. The revocations come in one request (GET /api/v1/models/<digest>/status), proven.
import type { KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { signModel } from '../client-sdk/sign/index.ts';
import { type VerifyOptions, verifyModel } from '../client-sdk/verify/index.ts';
import { checkNotRevoked } from '../client-sdk/verify/revocation.ts';
import { REVOCATION_PREDICATE_TYPE } from '../server/entries/predicate-types.ts';
import { jsonOutput } from './support/cli.ts';
import { alteringFetch, expectError, serve } from './support/http.ts';
import { verifyFailure } from './support/oms-vectors.ts';
import {
  buildBundle,
  generateKey,
  keySigner,
  runCliAsync,
  type TestKey,
} from './support/signing.ts';
import { openTempLog, tempDir } from './support/temp-log.ts';

const pemOf = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;

function makeModel(t: Test): string {
  const dir = tempDir(t, 'revoked-model-');
  writeFileSync(path.join(dir, 'weights.bin'), 'weights');
  return dir;
}

async function revoke(url: string, key: TestKey, digest: string, reason: string) {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'acme/model', digest: { sha256: digest } }],
    predicateType: REVOCATION_PREDICATE_TYPE,
    predicate: {
      reason,
      severity: 'critical',
      replacement: { name: 'acme/model', sha256: 'ef'.repeat(32) },
    },
  };
  const client = new LogClient({
    url,
    noteVerifierKey: (await LogClient.fetchKeys(url)).noteVerifierKey,
  });
  return client.submit({
    bundle: await buildBundle(keySigner(key), statement),
    publicKey: key.publicKeyPem,
  });
}

t.test('a revocation by the signer fails verification; one by another key does not', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const dir = makeModel(t);
  const signer = generateKey('ecdsa-p256');
  const signed = await signModel(dir, { privateKey: pemOf(signer.privateKey), log: url });
  const digest = (signed.manifest as { rootDigest: string }).rootDigest;
  const options: VerifyOptions = {
    bundle: signed.bundle,
    key: signed.publicKey,
    log: { url, logKey: log.keys.noteVerifierKey, stateDir: tempDir(t) },
  };
  t.ok(await verifyModel(dir, options), 'verified before any revocation');
  const { log: _, ...offline } = options;
  const unchecked = await verifyFailure(
    verifyModel(dir, { ...offline, advisoryKeys: [signed.publicKey as string] }),
  );
  t.equal(unchecked.code, 'bad-options', 'advisory keys without a log would check nothing');

  const stranger = generateKey('ecdsa-p256');
  await revoke(url, stranger, digest, 'a stranger says so');
  t.ok(await verifyModel(dir, options), "a stranger's revocation is ignored");
  const advised = await verifyFailure(
    verifyModel(dir, { ...options, advisoryKeys: [stranger.publicKeyPem] }),
  );
  t.equal(advised.code, 'revoked', 'unless the verifier trusts that key to revoke');
  t.match(advised.message, /a stranger says so/);

  await revoke(url, signer, digest, 'backdoored fine-tune: do not use');
  const revoked = await verifyFailure(verifyModel(dir, options));
  t.equal(revoked.code, 'revoked');
  t.match(revoked.message, /backdoored fine-tune: do not use/);
  t.match(revoked.message, /severity critical/);
  t.match(revoked.message, new RegExp(`sha256:${'ef'.repeat(32)}`), 'names the replacement');
  t.match(revoked.revocation, { reason: 'backdoored fine-tune: do not use', severity: 'critical' });

  // The CLI exits non-zero, naming the reason.
  const work = tempDir(t, 'revoked-cli-');
  const bundlePath = path.join(work, 'model.sig');
  const keyPath = path.join(work, 'key.pub');
  writeFileSync(bundlePath, JSON.stringify(signed.bundle));
  writeFileSync(keyPath, signed.publicKey as string);
  const cli = await runCliAsync([
    'verify',
    dir,
    '--bundle',
    bundlePath,
    '--key',
    keyPath,
    '--log',
    url,
    '--log-key',
    log.keys.noteVerifierKey,
    '--state-dir',
    work,
    '--json',
  ]);
  t.equal(cli.status, 1);
  t.match(jsonOutput(cli.stdout), {
    ok: false,
    code: 'revoked',
    message: /backdoored fine-tune/,
    revocation: {
      reason: 'backdoored fine-tune: do not use',
      severity: 'critical',
      logIndex: Number,
    },
  });
});

t.test('the status of a model is one request, by signer when asked', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const digest = 'ab'.repeat(32);
  const [a, b] = [generateKey('ecdsa-p256'), generateKey('ed25519')];
  await revoke(url, a, digest, 'one');
  await revoke(url, b, digest, 'two');
  await revoke(url, a, 'cd'.repeat(32), 'another model');
  const client = new LogClient({ url, noteVerifierKey: log.keys.noteVerifierKey });
  const all = await client.modelRevocations(`sha256:${digest}`);
  t.same(
    all.revocations.map((r) => r.logIndex),
    [0, 1],
  );
  t.equal(all.truncated, false);
  t.same(
    (await client.modelRevocations(`sha256:${digest}`, [b.identity])).revocations.map(
      (r) => r.logIndex,
    ),
    [1],
  );
  t.same(
    (await client.modelRevocations(`sha256:${digest}`, [a.identity, b.identity])).revocations.map(
      (r) => r.logIndex,
    ),
    [0, 1],
  );
  t.same((await client.modelRevocations(`sha256:${'00'.repeat(32)}`)).revocations, []);
  await expectError(t, await fetch(`${url}/api/v1/models/sha256:xyz/status`), 400, 'bad-request');

  // A log that serves something else than the entry it proves is caught.
  const lying = new LogClient({
    url,
    noteVerifierKey: log.keys.noteVerifierKey,
    fetch: alteringFetch((path, body) => {
      if (!path.endsWith('/status')) return body;
      const json = JSON.parse(body);
      json.revocations[0].envelope = json.revocations[1].envelope;
      return JSON.stringify(json);
    }),
  });
  await t.rejects(lying.modelRevocations(`sha256:${digest}`), { code: 'envelope-mismatch' });
  const broken = new LogClient({
    url,
    noteVerifierKey: log.keys.noteVerifierKey,
    fetch: async () => new Response('{}', { headers: { 'content-type': 'application/json' } }),
  });
  await t.rejects(broken.modelRevocations(`sha256:${digest}`), { code: 'bad-answer' });
});

t.test("a log cannot revoke a model with entries it passes off as the signer's", async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const digest = 'ab'.repeat(32);
  const [signer, stranger] = [generateKey('ecdsa-p256'), generateKey('ecdsa-p256')];
  // Real, proven entries, none of them a revocation of this model by the signer: a stranger's
  // revocation of it (0), the signer's revocation of another model (1), and a statement of the
  // signer's about this model that is no revocation (2).
  await revoke(url, stranger, digest, 'a stranger says so');
  await revoke(url, signer, 'cd'.repeat(32), 'another model');
  const honest = new LogClient({ url, noteVerifierKey: log.keys.noteVerifierKey });
  await honest.submit({
    bundle: await buildBundle(keySigner(signer), {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'acme/model', digest: { sha256: digest } }],
      predicateType: 'https://attestry.dev/test/v1',
      predicate: { reason: 'not a revocation', severity: 'critical' },
    }),
    publicKey: signer.publicKeyPem,
  });
  const entries = await Promise.all(
    [0, 1, 2].map(async (i) => (await fetch(`${url}/api/v1/entries/${i}`)).json()),
  );
  // The log answers the signer's status with all three, as if the signer had signed them.
  const lying = new LogClient({
    url,
    noteVerifierKey: log.keys.noteVerifierKey,
    fetch: alteringFetch((path, body) =>
      path.endsWith('/status')
        ? JSON.stringify({ digest: `sha256:${digest}`, revocations: entries })
        : body,
    ),
  });
  const served = await lying.modelRevocations(`sha256:${digest}`, [signer.identity]);
  t.same(
    served.revocations.map((r) => r.logIndex),
    [0, 1, 2],
    "each entry passes the client's proof checks",
  );
  await checkNotRevoked(lying, digest, [signer.publicKeyPem]);
  t.pass("not revoked by entries that are not the signer's revocation of this model");
  // Trusting the stranger's key to revoke, the same answer does revoke it.
  await t.rejects(checkNotRevoked(lying, digest, [signer.publicKeyPem, stranger.publicKeyPem]), {
    code: 'revoked',
    message: /a stranger says so/,
  });
});
