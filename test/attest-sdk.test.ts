// The attestation SDK: attest() builds each type's statement with its subject, signs it as a DSSE
// envelope in a Sigstore bundle and publishes it to a real log; hashDataset gives a dataset the
// OMS root digest; every failure is a typed AttestError, and nothing is signed or sent before the
// input checks out.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  ATTESTATION_TYPES,
  type AttestationInputs,
  type AttestationType,
  AttestError,
  attest,
  attestationStatement,
  hashDataset,
  identityDigest,
  PREDICATE_TYPES,
  publishAttestation,
  signAttestation,
  statementPayload,
} from '../client-sdk/attest/index.ts';
import { hashModel, rootDigestOf } from '../client-sdk/hash/index.ts';
import * as sdk from '../client-sdk/index.ts';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { buildGoldenModel } from './fixtures/oms-models/golden-models.ts';
import { serve } from './support/http.ts';
import { freePort } from './support/server-process.ts';
import { generateKey } from './support/signing.ts';
import { openTempLog, tempDir } from './support/temp-log.ts';

// The reference implementation's root digest of its sample_model fixture.
const SAMPLE_ROOT = '143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7';
const MODEL = { name: 'acme/model', sha256: 'a'.repeat(64) };
const HEX_B = 'b'.repeat(64);

const key = generateKey('ecdsa-p384');
const privateKey = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

const INPUTS: AttestationInputs = {
  dataset: {
    sha256: SAMPLE_ROOT,
    predicate: { name: 'acme/corpus', license: 'CC-BY-4.0', personalData: { present: false } },
  },
  contributor: {
    predicate: { identity: key.identity, role: 'maintainer', names: ['acme/*'] },
  },
  lineage: {
    subject: MODEL,
    predicate: {
      baseModel: { sha256: HEX_B },
      datasets: [{ sha256: SAMPLE_ROOT, use: 'training' }],
    },
  },
  evaluation: {
    subject: MODEL,
    predicate: {
      benchmark: { name: 'mmlu' },
      metrics: [{ name: 'accuracy', value: 0.5 }],
      date: '2025-06-01T12:00:00Z',
    },
  },
  revocation: {
    subject: { sha256: MODEL.sha256 },
    predicate: { reason: 'leak', severity: 'high' },
  },
};

t.test('the predicate types, and the SDK exported by the package', async (t) => {
  t.same(ATTESTATION_TYPES, ['dataset', 'contributor', 'lineage', 'evaluation', 'revocation']);
  for (const type of ATTESTATION_TYPES) {
    t.equal(PREDICATE_TYPES[type], `https://attestry.dev/predicates/${type}/v1`);
  }
  t.equal(sdk.attest, attest, 'attest is exported by the package');
  t.equal(sdk.hashDataset, hashDataset);
  t.equal(sdk.AttestError, AttestError);
});

t.test('attest() publishes each type to a log, with the subject its type prescribes', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const client = new LogClient({ url, ...(await LogClient.fetchKeys(url)) });
  const subjects: Record<AttestationType, unknown> = {
    dataset: { name: 'acme/corpus', digest: { sha256: SAMPLE_ROOT } },
    contributor: {
      name: key.identity,
      digest: { sha256: createHash('sha256').update(key.identity).digest('hex') },
    },
    lineage: { name: MODEL.name, digest: { sha256: MODEL.sha256 } },
    evaluation: { name: MODEL.name, digest: { sha256: MODEL.sha256 } },
    revocation: { digest: { sha256: MODEL.sha256 } },
  };
  for (const [i, type] of ATTESTATION_TYPES.entries()) {
    // A URL the first time (keys trusted on first use), a pinned client after.
    const result = await attest(type, INPUTS[type] as never, {
      privateKey,
      log: i === 0 ? url : client,
    });
    t.same(
      result.statement,
      {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [subjects[type]],
        predicateType: PREDICATE_TYPES[type],
        predicate: INPUTS[type].predicate,
      },
      `${type}: the statement`,
    );
    t.match(result.log, { url, logIndex: i, duplicate: false }, `${type}: logged`);
    t.equal(result.publicKey, key.publicKeyPem);
    t.match(result.bundle, {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      dsseEnvelope: { payloadType: 'application/vnd.in-toto+json' },
    });
    // What the log holds is the envelope of exactly this statement.
    const entry = await client.entry(i);
    const envelope = JSON.parse(Buffer.from(entry.envelope as Uint8Array).toString('utf8'));
    t.equal(
      Buffer.from(envelope.payload, 'base64').toString('utf8'),
      Buffer.from(statementPayload(result.statement)).toString('utf8'),
    );
    const found = await client.search({ predicateType: PREDICATE_TYPES[type] });
    t.match(found.entries, [{ logIndex: i, identities: [key.identity] }], `${type}: searchable`);
  }
  const bySubject = await client.search({ digest: `sha256:${identityDigest(key.identity)}` });
  t.match(bySubject.entries, [{ logIndex: 1, predicateType: PREDICATE_TYPES.contributor }]);
});

t.test('members left undefined are not signed; the statement is checked as JSON', async (t) => {
  const statement = attestationStatement('revocation', {
    subject: MODEL,
    predicate: { reason: 'r', severity: 'low', issuedBy: undefined },
  });
  t.same(statement.predicate, { reason: 'r', severity: 'low' });
  t.notOk('issuedBy' in statement.predicate);
});

t.test('hashDataset: the OMS root digest and its manifest, which the SDK rechecks', async (t) => {
  const dir = tempDir(t);
  const dataset = buildGoldenModel(dir, 'sample_model_folder');
  const digest = await hashDataset(dataset, { workers: 1 });
  t.equal(digest.sha256, SAMPLE_ROOT, "the reference implementation's root for these files");
  t.equal(digest.name, 'sample_model');
  t.equal(digest.manifest.length, 10);
  t.equal(rootDigestOf(digest.manifest as never), SAMPLE_ROOT);
  t.same(digest.manifest, (await hashModel(dataset, { workers: 1 })).resources);

  const predicate = { name: 'sample', manifest: digest.manifest };
  const statement = attestationStatement('dataset', { sha256: digest.sha256, predicate });
  t.same(statement.subject, [{ name: 'sample', digest: { sha256: SAMPLE_ROOT } }]);
  t.equal(statement.predicate.manifest?.length, 10);

  // A manifest that is not the one the digest is the root of: refused.
  const swapped = [digest.manifest[1], digest.manifest[0], ...digest.manifest.slice(2)];
  t.throws(
    () =>
      attestationStatement('dataset', {
        sha256: SAMPLE_ROOT,
        predicate: { ...predicate, manifest: swapped },
      }),
    {
      code: 'digest-mismatch',
      message: new RegExp(
        `root digest is sha256:[0-9a-f]{64}, not the dataset digest sha256:${SAMPLE_ROOT}`,
      ),
    },
  );
  t.throws(() => attestationStatement('dataset', { sha256: HEX_B, predicate }), {
    code: 'digest-mismatch',
  });

  // Shards, and files added: other digests.
  const shards = await hashDataset(dataset, { method: 'shards', shardSize: 8, workers: 1 });
  t.match(shards.manifest[0], { algorithm: 'sha256-sharded-8', name: /:0:8$/ });
  t.ok(
    attestationStatement('dataset', {
      sha256: shards.sha256,
      predicate: { name: 'd', manifest: shards.manifest },
    }),
  );
  writeFileSync(join(dataset, 'extra.txt'), 'more');
  t.not((await hashDataset(dataset, { workers: 1 })).sha256, SAMPLE_ROOT);

  await t.rejects(hashDataset(join(dir, 'missing'), { workers: 1 }), {
    name: 'AttestError',
    code: 'dataset-unreadable',
    message: /^cannot hash the dataset: /,
  });
});

t.test('statements the log would refuse are refused, with its message', async (t) => {
  t.throws(() => attestationStatement('model' as never, INPUTS.lineage as never), {
    code: 'unknown-type',
    message:
      'unknown attestation type "model": use one of dataset, contributor, lineage, evaluation, revocation',
  });
  t.throws(
    () =>
      attestationStatement('lineage', {
        subject: { ...MODEL, sha256: 'XYZ' },
        predicate: INPUTS.lineage.predicate,
      }),
    {
      code: 'bad-statement',
      message: 'subject[0].digest.sha256 must be 64 lowercase hex digits',
    },
  );
  t.throws(
    () => attestationStatement('evaluation', { predicate: INPUTS.evaluation.predicate } as never),
    {
      code: 'bad-statement',
      message: /^the evaluation attestation needs its subject: the model/,
    },
  );
  t.throws(
    () =>
      attestationStatement('revocation', {
        subject: { name: 'n'.repeat(1025), sha256: MODEL.sha256 },
        predicate: INPUTS.revocation.predicate,
      }),
    { code: 'bad-statement', message: 'subject[0].name is longer than 1024 characters' },
  );
  t.throws(
    () => attestationStatement('dataset', { predicate: INPUTS.dataset.predicate } as never),
    {
      code: 'bad-statement',
      message: 'subject[0].digest needs a sha256, sha384 or sha512 digest',
    },
  );
  t.throws(() => attestationStatement('dataset', null as never), { code: 'bad-statement' });
  for (const predicate of [undefined, null, 'x', [1]]) {
    t.throws(() => attestationStatement('revocation', { subject: MODEL, predicate } as never), {
      code: 'bad-predicate',
      message: 'predicate must be an object',
    });
  }
});

t.test('key problems are AttestErrors, and nothing is published', async (t) => {
  const served = await serve(t, openTempLog(t));
  let requests = 0;
  const log = new LogClient({
    url: served.url,
    ...(await LogClient.fetchKeys(served.url)),
    fetch: (input, init) => {
      requests++;
      return fetch(input, init);
    },
  });
  await t.rejects(attest('revocation', INPUTS.revocation, { privateKey: 'not a key', log }), {
    name: 'AttestError',
    code: 'bad-private-key',
  });
  const ed25519 = generateKeyPairSync('ed25519').privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  });
  await t.rejects(attest('revocation', INPUTS.revocation, { privateKey: ed25519 as string, log }), {
    code: 'unsupported-key-type',
    message: /ECDSA P-256, P-384 or P-521/,
  });
  t.equal(requests, 0);
});

t.test('signing without a log, then publishing; a log that cannot be reached', async (t) => {
  const statement = attestationStatement('evaluation', INPUTS.evaluation);
  const signed = await signAttestation('evaluation', statement, privateKey);
  t.equal(signed.type, 'evaluation');
  const result = await attest('evaluation', INPUTS.evaluation, { privateKey });
  t.equal(result.log, undefined, 'no log: signed only');

  const down = `http://127.0.0.1:${await freePort()}`;
  const failure = await publishAttestation(down, signed).catch((error) => error);
  t.match(failure, {
    name: 'AttestError',
    code: 'publish-failed',
    message: new RegExp(`^the bundle is signed, but publishing it to ${down} failed: `),
  });
  t.ok(failure.cause, 'the underlying error is kept');

  // A log that refuses it: the log's reason is in the message.
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const client = new LogClient({ url, ...(await LogClient.fetchKeys(url)) });
  const tampered = structuredClone(signed);
  (tampered.bundle.dsseEnvelope as { payload: string }).payload =
    Buffer.from('{}').toString('base64');
  await t.rejects(publishAttestation(client, tampered), {
    code: 'publish-failed',
    message: /the signature does not verify|bad-signature|signature/,
  });
  t.equal((await publishAttestation(client, signed)).logIndex, 0);
  t.equal(
    (await publishAttestation(client, signed)).duplicate,
    true,
    'the same bundle again: the entry it has',
  );
});
