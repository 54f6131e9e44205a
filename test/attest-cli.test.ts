// `attestry attest dataset|contributor|lineage|evaluation|revocation` against a running log: each
// type published from flags or from --predicate, --out, --json, the help texts, and the failures
// (a malformed predicate is refused before anything is signed or sent).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { hashModel } from '../client-sdk/hash/index.ts';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { expectHelp, jsonOutput } from './support/cli.ts';
import { serve } from './support/http.ts';
import { generateKey, runCliAsync } from './support/signing.ts';
import { openTempLog, tempDir } from './support/temp-log.ts';

t.setTimeout(180_000);

const URI = (type: string) => `https://attestry.dev/predicates/${type}/v1`;
const HEX_A = 'a'.repeat(64);
const HEX_B = 'b'.repeat(64);

const dir = tempDir(t, 'attest-cli-');
const key = generateKey('ecdsa-p256');
const KEY = path.join(dir, 'private-key.pem');
writeFileSync(KEY, key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);

function makeDir(name: string, files: Record<string, string>): string {
  const root = path.join(dir, name);
  mkdirSync(root, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(root, file), text);
  return root;
}

async function startLog(t: Test) {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const keys = await LogClient.fetchKeys(url);
  const client = new LogClient({ url, ...keys });
  const args = ['--log', url, '--log-key', keys.noteVerifierKey];
  /** `attest <type> <flags>` signed with KEY and published to this log, as most runs here are. */
  const attestArgs = (type: string, ...flags: string[]) => [
    'attest',
    type,
    ...flags,
    '--key',
    KEY,
    ...args,
  ];
  return { url, client, args, attestArgs };
}

/** Runs an attest with --json that must succeed (exit 0): the one JSON document it printed. */
async function attestedJson(t: Test, argv: string[]) {
  const cli = await runCliAsync(argv);
  t.equal(cli.status, 0, cli.stderr);
  return jsonOutput(cli.stdout);
}

t.test('--help of attest and of each type shows its flags and an example', async (t) => {
  expectHelp(
    t,
    ['attest', '--help'],
    ['dataset', 'contributor', 'lineage', 'evaluation', 'revocation', 'Example:'],
  );
  expectHelp(t, ['--help'], [/\n {2}attest +Sign an attestation about a dataset/]);
  const common = [
    '--key <file>',
    '--predicate <file>',
    '--log <url>',
    '--log-key <key>',
    '--out <file>',
    '--json',
    'Examples:',
  ];
  const model = ['--model <path>', '--model-digest <sha256:hex>', '--model-name <name>'];
  const flags: Record<string, (string | RegExp)[]> = {
    dataset: [
      '--dir <dir>',
      '--digest <sha256:hex>',
      '--no-manifest',
      '--name <name>',
      '--dataset-version <version>',
      '--license <spdx>',
      '--source <uri>',
      '--collection <text>',
      '--preprocessing <text>',
      '--limitations <text>',
      /--personal-data <presence>[\s\S]*"none",\s+"present"/,
      '--personal-data-statement <text>',
      '--consent <text>',
      'attestry attest dataset --dir',
    ],
    contributor: [
      '--identity <id>',
      '--role <role>',
      '--affiliation <org>',
      '--names <pattern>',
      '--valid-from <date-time>',
      '--valid-until <date-time>',
      'attestry attest contributor --role',
    ],
    lineage: [
      ...model,
      '--base-model <ref>',
      /--dataset <ref>[\s\S]*\[NAME=\]sha256:HEX\[:USE\]/,
      '--training-config <ref>',
      '--trained-by <id>',
      '--build-type <uri>',
      '--started-on <date-time>',
      '--finished-on <date-time>',
      'attestry attest lineage --model',
    ],
    evaluation: [
      ...model,
      '--benchmark <name>',
      '--benchmark-version <version>',
      '--benchmark-uri <uri>',
      '--dataset <ref>',
      /--metric <metric>[\s\S]*NAME=VALUE\[UNIT\]/,
      '--date <date>',
      'attestry attest evaluation --model',
    ],
    revocation: [
      ...model,
      '--reason <text>',
      /--severity <level>[\s\S]*"low",\s+"medium",\s+"high",\s+"critical"/,
      '--replacement <ref>',
      '--issued-by <id>',
      'attestry attest revocation --model-digest',
    ],
  };
  for (const [type, shown] of Object.entries(flags)) {
    expectHelp(t, ['attest', type, '--help'], [...common, ...shown]);
  }
});

t.test('dataset from a directory: digest, manifest and fields, published', async (t) => {
  const { url, client, attestArgs } = await startLog(t);
  const data = makeDir('corpus', {
    'part-0.jsonl': '{"text":"a"}\n',
    'part-1.jsonl': '{"text":"b"}\n',
  });
  const out = path.join(data, 'dataset.sig');
  const output = await attestedJson(
    t,
    attestArgs(
      'dataset',
      '--dir',
      data,
      '--dataset-version',
      '1.0',
      '--license',
      'CC-BY-4.0',
      '--source',
      'https://example.org/dump.tar crawled in May 2024',
      '--source',
      's3://bucket/raw',
      '--collection',
      'crawl',
      '--personal-data',
      'present',
      '--consent',
      'opt-in form',
      '--out',
      out,
      '--json',
    ),
  );
  const manifest = await hashModel(data, { ignorePaths: [out] });
  t.match(output, {
    ok: true,
    predicateType: URI('dataset'),
    subject: { name: 'corpus', digest: { sha256: manifest.rootDigest } },
    bundle: out,
    log: { url, logIndex: 0, duplicate: false },
  });
  t.same(output.statement.predicate, {
    name: 'corpus',
    version: '1.0',
    license: 'CC-BY-4.0',
    sources: [
      { uri: 'https://example.org/dump.tar', description: 'crawled in May 2024' },
      { uri: 's3://bucket/raw' },
    ],
    collection: 'crawl',
    personalData: { present: true, consent: 'opt-in form' },
    manifest: manifest.resources,
  });
  t.equal(manifest.resources.length, 2, 'the bundle written inside the dataset is no part of it');
  const bundle = JSON.parse(readFileSync(out, 'utf8'));
  const payload = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
  t.same(payload, output.statement, '--out holds the signed statement');
  const found = await client.search({ predicateType: URI('dataset') });
  t.match(found.entries, [
    { logIndex: 0, subjects: [{ digest: `sha256:${manifest.rootDigest}`, name: 'corpus' }] },
  ]);

  // By digest, without a manifest, as text.
  const text = await runCliAsync(
    attestArgs('dataset', '--digest', `sha256:${HEX_A}`, '--name', 'acme/corpus'),
  );
  t.equal(text.status, 0, text.stderr);
  t.equal(
    text.stdout,
    `attested acme/corpus sha256:${HEX_A} (${URI('dataset')})\npublished to ${url} at index 1\n`,
  );
  const noManifest = await runCliAsync(
    attestArgs('dataset', '--dir', data, '--no-manifest', '--personal-data', 'none', '--json'),
  );
  t.same(jsonOutput(noManifest.stdout).statement.predicate, {
    name: 'corpus',
    personalData: { present: false },
  });
});

t.test('contributor: the identity defaults to the key, the subject is its digest', async (t) => {
  const { attestArgs } = await startLog(t);
  const output = await attestedJson(
    t,
    attestArgs(
      'contributor',
      '--role',
      'maintainer',
      '--names',
      'acme/*',
      '--names',
      'acme-labs/*',
      '--affiliation',
      'Acme',
      '--valid-until',
      '2030-01-01T00:00:00Z',
      '--json',
    ),
  );
  t.same(output.subject, {
    name: key.identity,
    digest: { sha256: createHash('sha256').update(key.identity).digest('hex') },
  });
  t.same(output.statement.predicate, {
    identity: key.identity,
    role: 'maintainer',
    affiliation: 'Acme',
    names: ['acme/*', 'acme-labs/*'],
    validUntil: '2030-01-01T00:00:00Z',
  });
  t.equal(output.log.logIndex, 0);
  const email = await runCliAsync(
    attestArgs('contributor', '--identity', 'dev@example.com', '--role', 'evaluator', '--json'),
  );
  t.match(jsonOutput(email.stdout), { subject: { name: 'dev@example.com' }, log: { logIndex: 1 } });
});

t.test('lineage of a model directory, with its base model and datasets', async (t) => {
  const { client, attestArgs } = await startLog(t);
  const model = makeDir('model', { 'weights.bin': 'weights', 'config.json': '{}' });
  const output = await attestedJson(
    t,
    attestArgs(
      'lineage',
      '--model',
      model,
      '--model-name',
      'acme/model',
      '--base-model',
      `acme/base=sha256:${HEX_A}`,
      '--dataset',
      `corpus=sha256:${HEX_B}:training`,
      '--dataset',
      `sha256:${HEX_A}:testing`,
      '--dataset',
      `odd=name=sha256:${HEX_A}`,
      '--training-config',
      `sha256:${HEX_B}`,
      '--trained-by',
      'ci@acme.example',
      '--started-on',
      '2025-06-01T10:00:00Z',
      '--json',
    ),
  );
  const root = (await hashModel(model)).rootDigest;
  t.same(output.subject, { name: 'acme/model', digest: { sha256: root } });
  t.same(output.statement.predicate, {
    baseModel: { name: 'acme/base', sha256: HEX_A },
    datasets: [
      { name: 'corpus', sha256: HEX_B, use: 'training' },
      { sha256: HEX_A, use: 'testing' },
      { name: 'odd=name', sha256: HEX_A },
    ],
    trainingConfig: { sha256: HEX_B },
    trainedBy: 'ci@acme.example',
    startedOn: '2025-06-01T10:00:00Z',
  });
  t.match((await client.search({ digest: `sha256:${root}` })).entries, [
    { predicateType: URI('lineage') },
  ]);
});

t.test('evaluation with metrics and units; revocation from --predicate', async (t) => {
  const { client, attestArgs } = await startLog(t);
  const output = await attestedJson(
    t,
    attestArgs(
      'evaluation',
      '--model-digest',
      `sha256:${HEX_A}`,
      '--model-name',
      'acme/model',
      '--benchmark',
      'mmlu',
      '--benchmark-version',
      '1.0',
      '--dataset',
      `mmlu-test=sha256:${HEX_B}`,
      '--metric',
      'accuracy=0.712',
      '--metric',
      'latency=41.5ms',
      '--metric',
      'loss=-1e-3',
      '--metric',
      'epochs=3 epochs',
      '--date',
      '2025-06-01',
      '--json',
    ),
  );
  t.same(output.statement.predicate, {
    benchmark: { name: 'mmlu', version: '1.0' },
    dataset: { name: 'mmlu-test', sha256: HEX_B },
    metrics: [
      { name: 'accuracy', value: 0.712 },
      { name: 'latency', value: 41.5, unit: 'ms' },
      { name: 'loss', value: -0.001 },
      { name: 'epochs', value: 3, unit: 'epochs' },
    ],
    date: '2025-06-01',
  });
  const dated = await runCliAsync(
    attestArgs(
      'evaluation',
      '--model-digest',
      `sha256:${HEX_A}`,
      '--benchmark',
      'b',
      '--metric',
      'f1=1',
      '--json',
    ),
  );
  const date = jsonOutput(dated.stdout).statement.predicate.date;
  t.ok(Math.abs(Date.parse(date) - Date.now()) < 60_000, 'the date defaults to now');

  const predicate = path.join(dir, 'revocation.json');
  writeFileSync(
    predicate,
    JSON.stringify({
      reason: 'poisoned data',
      severity: 'critical',
      replacement: { sha256: HEX_B },
    }),
  );
  const revoked = await runCliAsync(
    attestArgs('revocation', '--model-digest', `sha256:${HEX_A}`, '--predicate', predicate),
  );
  t.equal(revoked.status, 0, revoked.stderr);
  t.match(
    revoked.stdout,
    /^attested sha256:a{64} \(https:\/\/attestry\.dev\/predicates\/revocation\/v1\)\npublished to .* at index 2\n$/,
  );
  const found = await client.search({ digest: `sha256:${HEX_A}` });
  t.same(
    found.entries.map((e) => e.predicateType),
    [URI('evaluation'), URI('evaluation'), URI('revocation')],
  );
});

t.test('failures: a message (or one JSON document), exit 1, nothing logged', async (t) => {
  const { args, client, attestArgs } = await startLog(t);
  const predicate = path.join(dir, 'bad-revocation.json');
  writeFileSync(predicate, JSON.stringify({ reason: 'x', severity: 'urgent' }));
  const model = ['--model-digest', `sha256:${HEX_A}`];
  // A valid revocation but for --key and the log: for the runs that leave out or change those.
  const revocation = ['attest', 'revocation', ...model, '--reason', 'r', '--severity', 'low'];
  const bad = await runCliAsync(attestArgs('revocation', ...model, '--predicate', predicate));
  t.equal(bad.status, 1);
  t.equal(
    bad.stderr,
    `attestry attest revocation: predicate/severity must be one of "low", "medium", "high", "critical" (${URI('revocation')} schema)\n`,
  );
  const badJson = await runCliAsync(
    attestArgs('revocation', ...model, '--predicate', predicate, '--json'),
  );
  t.equal(badJson.status, 1);
  t.match(jsonOutput(badJson.stdout), {
    ok: false,
    code: 'bad-predicate',
    message: /^predicate\/severity must be one of/,
  });

  const failures: [string[], RegExp][] = [
    [
      attestArgs('evaluation', ...model, '--benchmark', 'b', '--metric', 'f1=1', '--date', 'June'),
      /: predicate\/date must match format "date"/,
    ],
    [attestArgs('contributor', '--role', 'Maintainer'), /: predicate\/role must match pattern/],
    [
      attestArgs('contributor'),
      /: --role is required \(or give the whole predicate with --predicate FILE\)/,
    ],
    [
      attestArgs('revocation', ...model, '--predicate', predicate, '--reason', 'r'),
      /--predicate gives the whole predicate: leave out --reason/,
    ],
    [
      [...revocation, '--key', KEY],
      /give --log URL to publish the attestation, --out FILE to keep it, or both/,
    ],
    [
      attestArgs('revocation', '--reason', 'r', '--severity', 'low'),
      /either --model DIR or --model-digest sha256:HEX/,
    ],
    [attestArgs('dataset', '--name', 'd'), /either --dir DATASET_DIR or --digest sha256:HEX/],
    [attestArgs('dataset', '--digest', `sha256:${HEX_A}`), /--name is required/],
    [
      attestArgs('dataset', '--digest', `sha256:${HEX_A}`, '--name', 'd', '--consent', 'yes'),
      /--consent go with --personal-data/,
    ],
    [attestArgs('dataset', '--dir', path.join(dir, 'missing')), /: cannot hash the dataset: /],
    [[...revocation, '--key', path.join(dir, 'missing.pem'), ...args], /: cannot read --key /],
    [
      attestArgs('revocation', ...model, '--predicate', path.join(dir, 'private-key.pem')),
      /: --predicate .* is not JSON/,
    ],
    [
      attestArgs('evaluation', ...model, '--benchmark', 'b', '--metric', 'accuracy=high'),
      /option '--metric <metric>' argument 'accuracy=high' is invalid\. expected NAME=VALUE\[UNIT\]/,
    ],
    [
      attestArgs('lineage', ...model, '--dataset', `d=sha256:${HEX_A.slice(1)}`),
      /option '--dataset <ref>' argument .* is invalid/,
    ],
    [
      attestArgs('lineage', ...model, '--dataset', `d=sha256:${HEX_A}:pretraining`),
      /: predicate\/datasets\/0\/use must be one of "training"/,
    ],
    [
      attestArgs('lineage', '--model-digest', 'sha256:XYZ'),
      /option '--model-digest <sha256:hex>' argument 'sha256:XYZ' is invalid/,
    ],
    [
      attestArgs('revocation', ...model, '--reason', 'r', '--severity', 'urgent'),
      /argument 'urgent' is invalid\. Allowed choices are low, medium, high, critical/,
    ],
    [[...revocation, ...args], /required option '--key <file>' not specified/],
  ];
  for (const [argv, message] of failures) {
    const cli = await runCliAsync(argv);
    t.equal(cli.status, 1, argv.join(' '));
    t.match(cli.stderr, message, argv.join(' '));
    t.equal(cli.stdout, '');
  }
  t.equal((await client.checkpoint()).size, 0, 'nothing was logged');

  // A log that cannot be reached: the bundle written with --out is kept.
  const out = path.join(dir, 'kept.sig');
  const down = await runCliAsync([
    ...revocation,
    '--key',
    KEY,
    '--out',
    out,
    '--log',
    'http://127.0.0.1:9',
  ]);
  t.equal(down.status, 1);
  t.match(
    down.stderr,
    /^attestry attest revocation: the bundle is signed, but publishing it to http:\/\/127\.0\.0\.1:9 failed: /,
  );
  t.match(JSON.parse(readFileSync(out, 'utf8')), {
    dsseEnvelope: { payloadType: 'application/vnd.in-toto+json' },
  });
});
