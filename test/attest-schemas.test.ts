// Acceptance: each attestry predicate's schema rejects a malformed statement with a 400 that names
// the field. Signed bundles (built here with @sigstore/sign, not by the SDK) go over real HTTP to a
// log on a real SQLite file: a valid one of each type is logged and found by its predicate type;
// malformed ones are refused with `bad-predicate`, and the SDK refuses the same input, with the
// same message, before it signs or sends anything.
import { createHash } from 'node:crypto';
import t from 'tap';
import { attest, attestationStatement, checkPredicate } from '../client-sdk/attest/index.ts';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { expectError, serve } from './support/http.ts';
import { buildBundle, generateKey, keySigner } from './support/signing.ts';
import { openTempLog } from './support/temp-log.ts';

const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
const HEX_A = 'a'.repeat(64);
const HEX_B = 'b'.repeat(64);
const HEX_C = 'c'.repeat(64);
const IDENTITY = 'dev@example.com';
// The root of the dataset fixture's manifest (OMS: SHA-256 over the raw digests, in order).
const DATASET_ROOT = createHash('sha256')
  .update(Buffer.from(HEX_B + HEX_C, 'hex'))
  .digest('hex');
// sha256("dev@example.com"), computed apart from the SDK.
const IDENTITY_DIGEST = 'eb2b6c0d061bbd5caa545b6d1184a1887b11dba0b1d7fd8ca5b42ebf0ad7d3a8';

type Type = 'dataset' | 'contributor' | 'lineage' | 'evaluation' | 'revocation';

const URIS: Record<Type, string> = {
  dataset: 'https://attestry.dev/predicates/dataset/v1',
  contributor: 'https://attestry.dev/predicates/contributor/v1',
  lineage: 'https://attestry.dev/predicates/lineage/v1',
  evaluation: 'https://attestry.dev/predicates/evaluation/v1',
  revocation: 'https://attestry.dev/predicates/revocation/v1',
};

/** A complete, valid predicate of each type: every field the schema knows. */
const VALID: Record<Type, Record<string, unknown>> = {
  dataset: {
    name: 'acme/corpus',
    version: '2025.06',
    license: '(CC-BY-4.0 OR MIT) AND LicenseRef-acme-terms',
    sources: [
      { uri: 'https://example.org/dump.tar', description: 'web crawl' },
      { uri: 's3://b/k' },
    ],
    collection: 'crawled from public pages',
    preprocessing: 'deduplicated, language-filtered',
    limitations: 'English only',
    personalData: { present: true, statement: 'names of public figures', consent: 'none needed' },
    manifest: [
      { name: 'part-0.jsonl', algorithm: 'sha256', digest: HEX_B },
      { name: 'part-1.jsonl:0:8', algorithm: 'sha256-sharded-8', digest: HEX_C },
    ],
  },
  contributor: {
    identity: IDENTITY,
    role: 'data-provider',
    affiliation: 'Acme',
    names: ['acme/*', 'acme-labs/corpus'],
    validFrom: '2025-01-01T00:00:00Z',
    validUntil: '2026-01-01T00:00:00.5+02:00',
  },
  lineage: {
    baseModel: { name: 'acme/base', sha256: HEX_B },
    datasets: [
      { name: 'acme/corpus', sha256: HEX_C, use: 'training' },
      { sha256: HEX_B, use: 'fine-tuning' },
      { sha256: HEX_A },
    ],
    trainingConfig: { name: 'train.yaml', sha256: HEX_A },
    trainedBy: `sha256:${HEX_B}`,
    buildType: 'https://attestry.dev/build/fine-tune/v1',
    startedOn: '2025-06-01T10:00:00Z',
    finishedOn: '2025-06-02T10:00:00Z',
  },
  evaluation: {
    benchmark: { name: 'mmlu', version: '1.0', uri: 'https://example.org/mmlu' },
    dataset: { name: 'mmlu-test', sha256: HEX_C },
    metrics: [
      { name: 'accuracy', value: 0.712 },
      { name: 'latency', value: 41, unit: 'ms' },
    ],
    date: '2025-06-01',
  },
  revocation: {
    reason: 'trained on a poisoned dataset',
    severity: 'critical',
    replacement: { name: 'acme/model', sha256: HEX_B },
    issuedBy: 'security@acme.example',
  },
};

const SUBJECTS: Record<Type, { name: string; digest: { sha256: string } }> = {
  dataset: { name: 'acme/corpus', digest: { sha256: DATASET_ROOT } },
  contributor: { name: IDENTITY, digest: { sha256: IDENTITY_DIGEST } },
  lineage: { name: 'acme/model', digest: { sha256: HEX_A } },
  evaluation: { name: 'acme/model', digest: { sha256: HEX_A } },
  revocation: { name: 'acme/model', digest: { sha256: HEX_A } },
};

/** The SDK's input for a predicate of a type, with the subject the test submits by hand. */
function sdkInput(type: Type, predicate: unknown) {
  if (type === 'dataset') return { predicate, sha256: DATASET_ROOT } as never;
  if (type === 'contributor') return { predicate } as never;
  return { predicate, subject: { name: 'acme/model', sha256: HEX_A } } as never;
}

/** A copy of `base` with the value at `path` replaced (undefined: removed). */
function changed(base: Record<string, unknown>, path: (string | number)[], value: unknown) {
  const copy = structuredClone(base);
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

type Case = [what: string, path: (string | number)[], value: unknown, message: RegExp];

const MALFORMED: Record<Type, Case[]> = {
  dataset: [
    ['missing name', ['name'], undefined, /^predicate must have required property 'name'/],
    ['version a number', ['version'], 2025, /^predicate\/version must be string/],
    [
      'manifest digest not hex',
      ['manifest', 0, 'digest'],
      'AB'.repeat(32),
      /^predicate\/manifest\/0\/digest must match pattern "\^\[0-9a-f\]\{64\}\$"/,
    ],
    ['unknown field', ['size'], '1 TB', /^predicate must NOT have additional property 'size'/],
    [
      'unknown field in personalData',
      ['personalData', 'kind'],
      'names',
      /^predicate\/personalData must NOT have additional property 'kind'/,
    ],
    [
      'personalData.present not boolean',
      ['personalData', 'present'],
      'yes',
      /^predicate\/personalData\/present must be boolean/,
    ],
    [
      'license not an SPDX expression',
      ['license'],
      'MIT OR',
      /^predicate\/license must match pattern/,
    ],
    [
      'source without a URI',
      ['sources', 1, 'uri'],
      'not a uri',
      /^predicate\/sources\/1\/uri must match format "uri"/,
    ],
    ['empty name', ['name'], '', /^predicate\/name must NOT have fewer than 1 characters/],
    [
      'manifest algorithm',
      ['manifest', 0, 'algorithm'],
      'md5',
      /^predicate\/manifest\/0\/algorithm must match pattern/,
    ],
  ],
  contributor: [
    ['missing role', ['role'], undefined, /^predicate must have required property 'role'/],
    [
      'missing identity',
      ['identity'],
      undefined,
      /^predicate must have required property 'identity'/,
    ],
    ['role a number', ['role'], 7, /^predicate\/role must be string/],
    [
      'fingerprint not hex',
      ['identity'],
      'sha256:XYZ',
      /^predicate\/identity must match pattern "\^sha256:\[0-9a-f\]\{64\}\$", predicate\/identity must match format "email", .*predicate\/identity must match a schema in anyOf/,
    ],
    ['unknown field', ['email'], 'x@y.z', /^predicate must NOT have additional property 'email'/],
    ['role not a lowercase word', ['role'], 'Maintainer', /^predicate\/role must match pattern/],
    [
      'impossible date',
      ['validUntil'],
      '2026-02-30T00:00:00Z',
      /^predicate\/validUntil must match format "date-time"/,
    ],
    [
      'date without a time',
      ['validFrom'],
      '2025-01-01',
      /^predicate\/validFrom must match format "date-time"/,
    ],
    ['names not a list', ['names'], 'acme/*', /^predicate\/names must be array/],
    [
      'name pattern with a space',
      ['names', 1],
      'acme labs',
      /^predicate\/names\/1 must match pattern/,
    ],
  ],
  lineage: [
    [
      'missing datasets',
      ['datasets'],
      undefined,
      /^predicate must have required property 'datasets'/,
    ],
    [
      'dataset digest not hex',
      ['datasets', 1, 'sha256'],
      'b'.repeat(63),
      /^predicate\/datasets\/1\/sha256 must match pattern/,
    ],
    [
      'unknown dataset use',
      ['datasets', 0, 'use'],
      'pretraining',
      /^predicate\/datasets\/0\/use must be one of "training", "validation", "testing", "fine-tuning"/,
    ],
    [
      'unknown field in baseModel',
      ['baseModel', 'revision'],
      'main',
      /^predicate\/baseModel must NOT have additional property 'revision'/,
    ],
    [
      'baseModel without digest',
      ['baseModel', 'sha256'],
      undefined,
      /^predicate\/baseModel must have required property 'sha256'/,
    ],
    ['bad date', ['startedOn'], 'yesterday', /^predicate\/startedOn must match format "date-time"/],
    ['trainedBy a number', ['trainedBy'], 1, /^predicate\/trainedBy must be string/],
    [
      'buildType not a URI',
      ['buildType'],
      'fine tune',
      /^predicate\/buildType must match format "uri"/,
    ],
    [
      'unknown field',
      ['hyperparameters'],
      {},
      /^predicate must NOT have additional property 'hyperparameters'/,
    ],
  ],
  evaluation: [
    ['missing metrics', ['metrics'], undefined, /^predicate must have required property 'metrics'/],
    ['no metrics', ['metrics'], [], /^predicate\/metrics must NOT have fewer than 1 items/],
    [
      'value a string',
      ['metrics', 0, 'value'],
      '0.712',
      /^predicate\/metrics\/0\/value must be number/,
    ],
    [
      'metric without a name',
      ['metrics', 1, 'name'],
      undefined,
      /^predicate\/metrics\/1 must have required property 'name'/,
    ],
    [
      'dataset digest uppercase',
      ['dataset', 'sha256'],
      'C'.repeat(64),
      /^predicate\/dataset\/sha256 must match pattern/,
    ],
    [
      'bad date',
      ['date'],
      'June 2025',
      /^predicate\/date must match format "date", predicate\/date must match format "date-time", predicate\/date must match a schema in anyOf/,
    ],
    ['missing date', ['date'], undefined, /^predicate must have required property 'date'/],
    [
      'unknown field in benchmark',
      ['benchmark', 'url'],
      'x',
      /^predicate\/benchmark must NOT have additional property 'url'/,
    ],
    ['benchmark a string', ['benchmark'], 'mmlu', /^predicate\/benchmark must be object/],
  ],
  revocation: [
    ['missing reason', ['reason'], undefined, /^predicate must have required property 'reason'/],
    ['empty reason', ['reason'], '', /^predicate\/reason must NOT have fewer than 1 characters/],
    [
      'unknown severity',
      ['severity'],
      'urgent',
      /^predicate\/severity must be one of "low", "medium", "high", "critical"/,
    ],
    [
      'missing severity',
      ['severity'],
      undefined,
      /^predicate must have required property 'severity'/,
    ],
    [
      'replacement digest not hex',
      ['replacement', 'sha256'],
      `sha256:${HEX_B}`,
      /^predicate\/replacement\/sha256 must match pattern/,
    ],
    [
      'unknown field',
      ['expires'],
      '2026-01-01',
      /^predicate must NOT have additional property 'expires'/,
    ],
    ['issuedBy a list', ['issuedBy'], ['a'], /^predicate\/issuedBy must be string/],
  ],
};

const TYPES = Object.keys(URIS) as Type[];

t.test('the subject digest of the contributor fixture is sha256 of the identity', async (t) => {
  t.equal(createHash('sha256').update(IDENTITY, 'utf8').digest('hex'), IDENTITY_DIGEST);
});

t.test('each predicate schema over HTTP: valid ones logged, malformed ones named', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const key = generateKey('ecdsa-p256');
  const privateKey = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const post = async (type: Type, predicate: unknown) => {
    const statement = {
      _type: STATEMENT_TYPE,
      subject: [SUBJECTS[type]],
      predicateType: URIS[type],
      predicate,
    };
    const bundle = await buildBundle(keySigner(key), statement);
    return fetch(`${url}/api/v1/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ bundle, publicKey: key.publicKeyPem }),
    });
  };
  // A client whose every request is counted: the SDK must send none for a malformed predicate.
  let requests = 0;
  const keys = await LogClient.fetchKeys(url);
  const counted = new LogClient({
    url,
    ...keys,
    fetch: (input, init) => {
      requests++;
      return fetch(input, init);
    },
  });

  for (const type of TYPES) {
    await t.test(type, async (t) => {
      const cases = MALFORMED[type];
      t.ok(cases.length >= 7, 'several malformed predicates');
      for (const [what, path, value, message] of cases) {
        const predicate = changed(VALID[type], path, value);
        const response = await post(type, predicate);
        const body = await response.clone().json();
        await expectError(t, response, 400, 'bad-predicate');
        t.match(body.error.message, message, `${what}: the log names the field`);
        t.match(body.error.message, `(${URIS[type]} schema)`, `${what}: and the schema`);

        // The SDK: the same refusal, word for word, and nothing signed or sent.
        t.throws(
          () => attestationStatement(type, sdkInput(type, predicate)),
          { name: 'AttestError', code: 'bad-predicate', message: body.error.message },
          `${what}: the SDK refuses it the same way`,
        );
        t.throws(() => checkPredicate(type, predicate), { message: body.error.message });
        await t.rejects(attest(type, sdkInput(type, predicate), { privateKey, log: counted }), {
          code: 'bad-predicate',
          message: body.error.message,
        });
        t.equal(requests, 0, `${what}: the SDK sent nothing to the log`);
      }
    });
  }
  t.equal((await counted.checkpoint()).size, 0, 'no malformed attestation was logged');
  requests = 0;

  for (const [i, type] of TYPES.entries()) {
    const response = await post(type, VALID[type]);
    t.equal(response.status, 201, `a valid ${type} predicate is logged`);
    t.equal((await response.json()).logIndex, i);
    const search = await fetch(
      `${url}/api/v1/entries?predicateType=${encodeURIComponent(URIS[type])}`,
    );
    t.equal(search.status, 200);
    const { entries } = await search.json();
    t.match(entries, [
      {
        logIndex: i,
        predicateType: URIS[type],
        subjects: [{ digest: `sha256:${SUBJECTS[type].digest.sha256}`, name: SUBJECTS[type].name }],
        identities: [key.identity],
      },
    ]);
    t.equal(entries.length, 1, `GET ?predicateType= finds the ${type} attestation alone`);
    // The SDK accepts exactly what the log accepted.
    const statement = attestationStatement(type, sdkInput(type, VALID[type]));
    t.same(statement.subject, [SUBJECTS[type]], `the SDK names the ${type} subject the same way`);
  }
  t.equal(requests, 0);
});

t.test('every predicate type is in the schema index, with its $id', async (t) => {
  const { readFileSync } = await import('node:fs');
  const dir = new URL('../schemas/predicates/', import.meta.url);
  const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8'));
  for (const type of TYPES) {
    const file = index[URIS[type]];
    t.equal(file, `attestry-${type}-v1.json`);
    const schema = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
    t.equal(schema.$id, URIS[type]);
    t.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    t.equal(schema.additionalProperties, false);
    // The fields are those of the AI-BOM's facts (client-sdk/bom/log-facts.ts), 1:1.
    t.same(Object.keys(schema.properties).sort(), Object.keys(VALID[type]).sort());
  }
});
