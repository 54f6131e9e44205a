// Entries made through the Rekor API, read back through the log's own API: indexed for search
// when they hold in-toto statements, readable and proven with LogClient, deduplicated, and with
// canonical bodies byte for byte those of the real Rekor.
import { createHash, createPublicKey, sign } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder, RekorWitness } from '@sigstore/sign';
import t from 'tap';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { checkRekorV2Request } from '../server/entries/rekor-v2-entry.ts';
import { fromUtf8 } from '../server/log/encoding.ts';
import { serve } from './support/http.ts';
import { generateKey, IN_TOTO, keySigner, omsStatement } from './support/signing.ts';
import { openTempLog } from './support/temp-log.ts';
import { readVectors } from './support/vectors.ts';

t.test('Rekor-API entries are searchable and read back proven', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { allowAnonymous: true });
  const key = generateKey('ecdsa-p256');
  const client = new LogClient({ url, noteVerifierKey: log.keys.noteVerifierKey });
  const digest = 'ab'.repeat(32);
  for (const majorApiVersion of [1, 2]) {
    const builder = new DSSEBundleBuilder({
      signer: keySigner(key),
      witnesses: [new RekorWitness({ rekorBaseURL: url, majorApiVersion })],
    });
    await builder.create({
      data: Buffer.from(
        JSON.stringify(
          omsStatement({
            subject: [{ name: `api-v${majorApiVersion}`, digest: { sha256: digest } }],
          }),
        ),
      ),
      type: IN_TOTO,
    });
  }
  const hits = await client.search({ digest: `sha256:${digest}`, identity: key.identity });
  t.same(
    hits.entries.map((hit) => hit.logIndex),
    [0, 1],
    'both found by subject digest and signer',
  );
  for (const index of [0, 1]) {
    const entry = await client.entry(index);
    t.ok(entry.envelope, `entry ${index}: its envelope, matched to its leaf`);
    t.equal(entry.inclusion.checkpoint.size, 2);
  }
  const v2 = JSON.parse(fromUtf8((await client.entry(1)).canonicalizedBody) as string);
  t.equal(v2.apiVersion, '0.0.2', 'entry 1 is a Rekor v2 body');
});

t.test('a DSSE envelope of something other than a statement is logged, not indexed', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { allowAnonymous: true });
  const key = generateKey('ecdsa-p256');
  const builder = new DSSEBundleBuilder({
    signer: keySigner(key),
    witnesses: [new RekorWitness({ rekorBaseURL: url })],
  });
  const bundle = bundleToJSON(
    await builder.create({ data: Buffer.from('hello'), type: 'text/plain' }),
  );
  t.equal(bundle.verificationMaterial.tlogEntries.length, 1, 'logged');
  t.equal(log.storage.readRecord(0), undefined, 'nothing to index');
});

t.test('Rekor v2 answers a resubmission with the entry it holds', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { allowAnonymous: true });
  const key = generateKey('ecdsa-p256');
  const digest = createHash('sha256').update('artifact').digest();
  const request = {
    hashedRekordRequestV002: {
      digest: digest.toString('base64'),
      signature: {
        content: sign('sha256', Buffer.from('artifact'), key.privateKey).toString('base64'),
        verifier: {
          publicKey: {
            rawBytes: createPublicKey(key.publicKeyPem)
              .export({ type: 'spki', format: 'der' })
              .toString('base64'),
          },
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
        },
      },
    },
  };
  const post = () =>
    fetch(`${url}/api/v2/log/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
  const first = await post();
  t.equal(first.status, 201);
  const again = await post();
  t.equal(again.status, 200);
  t.equal((await again.json()).logIndex, (await first.json()).logIndex);
  t.equal(log.sequencer.checkpoint.size, 1);
});

t.test('the Rekor v2 body is byte for byte the real Rekor v2 one', async (t) => {
  const vectors = readVectors('rekor/sigstore-js-vectors.json');
  const entry = vectors.rekor_v2_bundles.TLOG_HASHEDREKORDV002;
  const real = Buffer.from(entry.canonicalizedBody, 'base64');
  const { spec } = JSON.parse(real.toString());
  const { data, signature } = spec.hashedRekordV002;
  // The request the real entry was made from, rebuilt from the body (the signature is real).
  const checked = await checkRekorV2Request({
    hashedRekordRequestV002: { digest: data.digest, signature },
  });
  t.equal(Buffer.from(checked.leaf).toString(), real.toString());
  // sigstore-js labels the key as a certificate; the body still says what the bytes are.
  const quirk = await checkRekorV2Request({
    hashedRekordRequestV002: {
      digest: data.digest,
      signature: {
        content: signature.content,
        verifier: {
          x509Certificate: signature.verifier.publicKey,
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
        },
      },
    },
  });
  t.equal(Buffer.from(quirk.leaf).toString(), real.toString());
});
