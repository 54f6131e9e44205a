// Publishing signed models to an attestry log (a real one on a loopback port), and verifying a
// model with the log's evidence that it holds the bundle.
import { generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { publishSignature, SignError, signModel } from '../client-sdk/sign/index.ts';
import { verifyModel } from '../client-sdk/verify/index.ts';
import { serve } from './support/http.ts';
import { makeCertificateChain } from './support/signing.ts';
import { openTempLog, tempDir } from './support/temp-log.ts';

const pemOf = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;

function makeModel(t: Test): string {
  const dir = tempDir(t, 'oms-model-');
  writeFileSync(path.join(dir, 'weights.bin'), 'weights');
  return dir;
}

const log = openTempLog(t);
const { url } = await serve(t, log);
const keys = await LogClient.fetchKeys(url);
const key = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;

t.test('a model signed with a key is published, and verified with the log evidence', async (t) => {
  const dir = makeModel(t);
  const result = await signModel(dir, { privateKey: pemOf(key), log: url });
  t.match(result.log, { url, logIndex: Number, duplicate: false });
  t.type(result.log?.integratedTime, 'number');

  const again = await publishSignature(url, result);
  t.same({ ...again, integratedTime: 0 }, { ...result.log, integratedTime: 0, duplicate: true });

  const verified = await verifyModel(dir, {
    bundle: result.bundle,
    key: result.publicKey,
    log: { url, logKey: keys.noteVerifierKey, stateDir: tempDir(t) },
  });
  t.match(verified.log, { logIndex: result.log?.logIndex, inclusionVerified: true });
});

t.test('a certificate bundle goes to a pinned log client without a public key', async (t) => {
  const dir = makeModel(t);
  const chain = await makeCertificateChain();
  const client = new LogClient({ url, ...keys });
  const result = await signModel(dir, {
    privateKey: pemOf(chain.leafKey),
    certificate: chain.leafPem,
    certificateChain: [new X509Certificate(chain.certificates[1]).toString()],
    log: client,
  });
  t.match(result.log, { url, duplicate: false });
});

t.test('a bundle the log does not hold fails the log evidence', async (t) => {
  const dir = makeModel(t);
  const result = await signModel(dir, { privateKey: pemOf(key) });
  const error = await verifyModel(dir, {
    bundle: result.bundle,
    key: result.publicKey,
    log: { url, logKey: keys.noteVerifierKey, stateDir: tempDir(t) },
  }).catch((error: { code: string }) => error);
  t.equal((error as { code: string }).code, 'entry-not-in-log');
});

t.test('a log that cannot be reached fails the publishing, not the signing', async (t) => {
  const dir = makeModel(t);
  const error = await signModel(dir, {
    privateKey: pemOf(key),
    log: 'http://127.0.0.1:1',
  }).catch((error: SignError) => error);
  t.ok(error instanceof SignError);
  t.equal((error as SignError).code, 'publish-failed');
  t.match(
    (error as SignError).message,
    /^the bundle is signed, but publishing it to http:\/\/127\.0\.0\.1:1 failed/,
  );
});
