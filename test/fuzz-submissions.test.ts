// Property-based fuzzing of what clients submit and what the SDK reads: request bodies of
// POST /api/v1/entries (checkSubmission), Rekor v1 entries and Rekor v2 requests, PEM public
// keys, certificate chains, OMS bundles (the SDK's readBundle) and logged entry bodies (the log
// client's dsseCommitments). Each target gets RUNS generated inputs (FUZZ_RUNS, default 10,000):
// random JSON, and mutations of valid samples (bundles signed by keys of every type and by
// certificate chains; deleted fields, wrong types, edited or non-canonical base64, edited DER),
// and statements edited and then signed afresh, so that inputs get past the signature to the
// statement and predicate checks. A checker must accept or throw its typed error
// (SubmissionError, VerifyError), never a TypeError or anything else; dsseCommitments never
// throws. The log formats are fuzzed in fuzz-parsers.test.ts, the HTTP API in fuzz-http.test.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_V02_MEDIA_TYPE } from '@sigstore/bundle';
import fc from 'fast-check';
import t from 'tap';
import { dsseCommitments } from '../client-sdk/log-client/logged-dsse.ts';
import { VerifyError } from '../client-sdk/verify/errors.ts';
import { readBundle } from '../client-sdk/verify/read-bundle.ts';
import { parseCertificateChain } from '../server/entries/certificate.ts';
import { checkRekorV1Entry } from '../server/entries/rekor-v1-entry.ts';
import { checkRekorV2Request } from '../server/entries/rekor-v2-entry.ts';
import { parsePublicKeyPem } from '../server/entries/signer-key.ts';
import { checkSubmission } from '../server/entries/submission.ts';
import { SubmissionError } from '../server/entries/submission-error.ts';
import { fromUtf8, utf8 } from '../server/log/encoding.ts';
import {
  bytesAround,
  fuzz,
  jsonAround,
  mutatedString,
  outcome,
  outcomeAsync,
  pem,
  stringsAround,
  Tally,
} from './support/fuzz.ts';
import { b64, type Signed, spkiDer, submissionSamples } from './support/fuzz-samples.ts';
import { tempDir } from './support/temp-log.ts';

const SUBMISSION_ERRORS = [SubmissionError];

const samples = await submissionSamples();
const { keys, chains } = samples;

/** A body as generated, or a payload to sign afresh into one. */
type Input = { body: unknown } | { signed: Signed };

function submissions(bases: readonly unknown[]): fc.Arbitrary<Input> {
  return fc.oneof(
    { arbitrary: jsonAround(bases).map((body) => ({ body })), weight: 3 },
    { arbitrary: samples.signed.map((signed) => ({ signed })), weight: 2 },
  );
}

t.test('bundles: checkSubmission', async (t) => {
  const tally = new Tally();
  await fuzz(
    t,
    'checkSubmission accepts a submission or throws SubmissionError',
    fc.asyncProperty(submissions(samples.bundleBodies), async (input) => {
      const body = 'body' in input ? input.body : samples.bundleBody(input.signed);
      const result = await outcomeAsync(() => checkSubmission(body), SUBMISSION_ERRORS);
      tally.record(result);
      if (result.ok && result.value.identities.length !== 1) throw new Error('no identity');
    }),
  );
  tally.report(t, {
    reaches: [
      'bad-base64',
      'bad-signature',
      'hint-mismatch',
      'bad-certificate',
      'certificate-without-identity',
      'bad-statement',
      'bad-predicate',
      'unsupported-payload-type',
    ],
  });
});

t.test('Rekor v1: checkRekorV1Entry', async (t) => {
  const tally = new Tally();
  await fuzz(
    t,
    'checkRekorV1Entry accepts an entry or throws SubmissionError',
    fc.asyncProperty(submissions(samples.rekorV1Entries), async (input) => {
      const body = 'body' in input ? input.body : samples.rekorV1Entry(input.signed);
      const result = await outcomeAsync(() => checkRekorV1Entry(body), SUBMISSION_ERRORS);
      tally.record(result);
      if (result.ok && result.value.leaf.length === 0) throw new Error('an empty leaf');
    }),
  );
  tally.report(t, {
    reaches: ['bad-digest', 'bad-signature', 'bad-envelope', 'bad-statement', 'bad-predicate'],
  });
});

t.test('Rekor v2: checkRekorV2Request', async (t) => {
  const tally = new Tally();
  await fuzz(
    t,
    'checkRekorV2Request accepts a request or throws SubmissionError',
    fc.asyncProperty(submissions(samples.rekorV2Requests), async (input) => {
      const body = 'body' in input ? input.body : samples.rekorV2Request(input.signed);
      const result = await outcomeAsync(() => checkRekorV2Request(body), SUBMISSION_ERRORS);
      tally.record(result);
      if (result.ok && result.value.leaf.length === 0) throw new Error('an empty leaf');
    }),
  );
  tally.report(t, {
    reaches: ['bad-digest', 'bad-signature', 'bad-public-key', 'bad-statement', 'bad-predicate'],
  });
});

t.test('keys: parsePublicKeyPem', async (t) => {
  const tally = new Tally();
  const pems = [
    ...Object.values(keys).map((key) => key.publicKeyPem),
    ...samples.otherKeyPems,
    keys.p256.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  ];
  const input = fc.oneof(
    stringsAround(pems),
    // Edited DER in well-formed PEM: gets past the PEM check to the key parser.
    bytesAround(pems.map(spkiDer)).map((der) => pem('PUBLIC KEY', der)),
  );
  await fuzz(
    t,
    'parsePublicKeyPem returns a key whose own PEM is the same key, or throws SubmissionError',
    fc.property(input, (text) => {
      const result = outcome(() => parsePublicKeyPem(text), SUBMISSION_ERRORS);
      tally.record(result);
      if (!result.ok) return;
      const { pem: own, identity } = result.value;
      if (!/^sha256:[0-9a-f]{64}$/.test(identity)) throw new Error('a malformed identity');
      if (parsePublicKeyPem(own).identity !== identity) throw new Error('its PEM is another key');
    }),
  );
  tally.report(t, { reaches: ['unsupported-key-type', 'bad-public-key'] });
});

t.test('certificates: parseCertificateChain', async (t) => {
  const tally = new Tally();
  const valid = Object.values(chains).map((chain) => chain.certificates);
  const ders = valid.flat();
  const input = fc.oneof(
    { arbitrary: fc.array(bytesAround(ders), { maxLength: 4 }), weight: 4 },
    { arbitrary: fc.constantFrom(...valid), weight: 1 },
    {
      // A valid chain with one certificate edited or replaced.
      arbitrary: fc
        .tuple(fc.constantFrom(...valid), fc.nat(), bytesAround(ders))
        .map(([chain, at, der]) => chain.with(at % chain.length, der)),
      weight: 2,
    },
    { arbitrary: fc.integer({ min: 10, max: 11 }).map((n) => Array(n).fill(ders[0])), weight: 1 },
  );
  await fuzz(
    t,
    'parseCertificateChain returns the chain it was given or throws SubmissionError',
    fc.property(input, (certificates) => {
      const result = outcome(() => parseCertificateChain(certificates), SUBMISSION_ERRORS);
      tally.record(result);
      if (!result.ok) return;
      const back = result.value.pemChain.map((text) => b64(spkiDer(text)));
      if (JSON.stringify(back) !== JSON.stringify(certificates.map(b64))) {
        throw new Error('the PEM chain is not the DER chain');
      }
    }),
  );
  tally.report(t, {
    reaches: ['bad-certificate', 'bad-certificate-chain', 'unsupported-key-type'],
  });
});

t.test('SDK: readBundle', async (t) => {
  const tally = new Tally();
  const file = join(tempDir(t), 'bundle.json');
  const bundles = samples.bundleBodies.map((body) => body.bundle as Record<string, unknown>);
  const forms = [
    ...bundles,
    // model_signing before 1.1.0: the key itself instead of a hint, in a v0.2 bundle.
    {
      ...bundles[0],
      mediaType: BUNDLE_V02_MEDIA_TYPE,
      verificationMaterial: { publicKey: { rawBytes: b64(spkiDer(keys.p256.publicKeyPem)) } },
    },
  ];
  const input = fc.oneof(
    { arbitrary: jsonAround(forms).map((json) => ({ json })), weight: 4 },
    {
      // Through a file, whose text is edited JSON.
      arbitrary: fc
        .constantFrom(...forms)
        .chain((bundle) => mutatedString(JSON.stringify(bundle)))
        .map((text) => ({ text })),
      weight: 1,
    },
  );
  await fuzz(
    t,
    'readBundle reads an OMS bundle or throws VerifyError',
    fc.asyncProperty(input, async (input) => {
      let bundle: string | object;
      if ('text' in input) {
        writeFileSync(file, input.text);
        bundle = file;
      } else {
        // A string is a file name to readBundle: JSON strings are wrapped.
        bundle = (typeof input.json === 'string' ? { json: input.json } : input.json) as object;
      }
      const result = await outcomeAsync(() => readBundle(bundle), [VerifyError]);
      tally.record(result);
      if (!result.ok) return;
      const { payload } = result.value.json.dsseEnvelope as { payload: string };
      if (b64(result.value.envelope.payload) !== payload) throw new Error('another payload');
    }),
  );
  tally.report(t, { reaches: ['bad-bundle', 'unsupported-bundle'] });
});

t.test('log client: dsseCommitments of logged bodies', async (t) => {
  let commitments = 0;
  let none = 0;
  const leaves = [
    (await checkSubmission(samples.bundleBodies[0])).leaf,
    (await checkRekorV2Request(samples.rekorV2Requests[0])).leaf,
  ];
  const input = fc.oneof(
    bytesAround(leaves),
    // As text, so that a counterexample reads.
    jsonAround(leaves.map((leaf) => JSON.parse(fromUtf8(leaf) as string))).map(
      (value) => JSON.stringify(value) ?? '',
    ),
  );
  // Found by this test: signatures that are not an array threw a TypeError.
  const found = ['0.0.1', '0.0.2'].flatMap((apiVersion) =>
    ['{}', '-1', 'true'].map((signatures) => [
      `{"apiVersion":"${apiVersion}","kind":"dsse","spec":{"signatures":${signatures},"dsseV002":{"signatures":${signatures}}}}`,
    ]),
  );
  await fuzz(
    t,
    'dsseCommitments answers commitments or undefined for any body, and never throws',
    fc.property(input, (body) => {
      // No error class is allowed: any throw fails the property.
      const result = outcome(
        () => dsseCommitments(typeof body === 'string' ? utf8(body) : body),
        [],
      );
      if (result.ok && result.value !== undefined) commitments++;
      else none++;
    }),
    { examples: found as [string][] },
  );
  t.comment(`${commitments} bodies with commitments, ${none} without`);
  t.ok(commitments > 0, 'some bodies commit to an envelope');
});
