// End to end over HTTP: a maintainer publishes a dataset, a contributor, the model's signature,
// its lineage and an evaluation to a running log; the AI-BOM then assembled from the log (by the
// CLI, proving every statement, and by the server's own route) lists the dataset as a data
// component with its digest and log reference, the contributor and the evaluation metrics, and
// validates against the official schemas.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { attest, hashDataset } from '../client-sdk/attest/index.ts';
import { attestBom, modelFacts, writeBom } from '../client-sdk/bom/index.ts';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { signModel } from '../client-sdk/sign/index.ts';
import { generateNoteSigner } from '../server/log/note-keys.ts';
import { buildBomModel } from './fixtures/bom-model.ts';
import { cycloneDxValidator, errorsOf, spdxValidator } from './support/bom-schemas.ts';
import { jsonOutput } from './support/cli.ts';
import { expectError, serve } from './support/http.ts';
import { generateKey, runCliAsync } from './support/signing.ts';
import { openTempLog, tempDir } from './support/temp-log.ts';

interface Component {
  type: string;
  name: string;
  hashes?: { alg: string; content: string }[];
  externalReferences?: { type: string; url: string }[];
  properties?: { name: string; value: string }[];
}

const log = openTempLog(t);
const { url } = await serve(t, log);
const key = generateKey('ecdsa-p256');
const privateKey = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const work = tempDir(t, 'bom-e2e-');
const model = buildBomModel(work);
const corpus = path.join(work, 'corpus');
mkdirSync(corpus);
writeFileSync(path.join(corpus, 'part-0.jsonl'), '{"text": "hello"}\n');

const dataset = await hashDataset(corpus);
const published = {
  dataset: await attest(
    'dataset',
    {
      sha256: dataset.sha256,
      predicate: {
        name: 'acme/corpus',
        version: '2026.11',
        license: 'CC-BY-4.0',
        sources: [{ uri: 'https://data.acme.example/corpus' }],
        personalData: { present: false },
      },
    },
    { privateKey, log: url },
  ),
  contributor: await attest(
    'contributor',
    { predicate: { identity: key.identity, role: 'maintainer', affiliation: 'Acme' } },
    { privateKey, log: url },
  ),
};
const signed = await signModel(model, { privateKey, log: url });
const root = (signed.manifest as { rootDigest: string }).rootDigest;
const subject = { name: 'acme/tiny-llama', sha256: root };
const lineage = await attest(
  'lineage',
  {
    subject,
    predicate: { datasets: [{ name: 'acme/corpus', sha256: dataset.sha256, use: 'training' }] },
  },
  { privateKey, log: url },
);
const evaluation = await attest(
  'evaluation',
  {
    subject,
    predicate: {
      benchmark: { name: 'mmlu' },
      metrics: [{ name: 'accuracy', value: 0.712 }],
      date: '2026-11-25',
    },
  },
  { privateKey, log: url },
);

function checkComponents(t: Test, bom: { components?: Component[]; metadata?: unknown }) {
  const components = JSON.stringify(bom);
  const data = bom.components?.find((c) => c.type === 'data' && c.name === 'acme/corpus');
  t.ok(data, 'the dataset is a data component');
  t.match(data?.hashes, [{ alg: 'SHA-256', content: dataset.sha256 }], 'with its digest');
  t.ok(
    data?.externalReferences?.some(
      (r) => r.url === `${url}/api/v1/entries/${published.dataset.log?.logIndex}`,
    ),
    'and its log entry',
  );
  t.match(components, key.identity, 'the contributor');
  t.match(components, /"accuracy"/, 'the evaluation metric');
  t.match(components, /0\.712/);
  t.match(components, `/api/v1/entries/${lineage.log?.logIndex}`, 'the lineage entry');
  t.match(components, `/api/v1/entries/${evaluation.log?.logIndex}`, 'the evaluation entry');
}

const signerKeyPath = path.join(work, 'signer.pub');
writeFileSync(signerKeyPath, key.publicKeyPem);

// A stranger publishes about the same model: a revocation, a lineage and a score of their own.
const stranger = generateKey('ecdsa-p256');
const strangerKey = stranger.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
await attest(
  'revocation',
  { subject, predicate: { reason: 'a stranger says so', severity: 'critical' } },
  { privateKey: strangerKey, log: url },
);
await attest(
  'evaluation',
  {
    subject,
    predicate: {
      benchmark: { name: 'mmlu' },
      metrics: [{ name: 'accuracy', value: 0.999 }],
      date: '2026-11-25',
    },
  },
  { privateKey: strangerKey, log: url },
);

t.test('attestry bom --log: the log facts, proven, in a CycloneDX document', async (t) => {
  const run = await runCliAsync([
    'bom',
    model,
    '--log',
    url,
    '--log-key',
    log.keys.noteVerifierKey,
    '--signer',
    signerKeyPath,
    '--json',
  ]);
  t.equal(run.status, 0, run.stderr);
  const { bom, rootDigest } = jsonOutput(run.stdout);
  t.equal(rootDigest, root, 'the digest that was signed');
  checkComponents(t, bom);
  const text = JSON.stringify(bom);
  t.notMatch(text, /a stranger says so/, "a stranger's revocation is no fact");
  t.notMatch(text, /0\.999/, "nor a stranger's score");
  t.notMatch(text, /attestry:revoked/);
  const unanchored = await runCliAsync(['bom', model, '--log', url]);
  t.equal(unanchored.status, 1);
  t.match(unanchored.stderr, /--log needs --signer/);
  const validate = cycloneDxValidator('1.6');
  t.ok(validate(bom), errorsOf(validate));
});

t.test('GET /api/v1/models/<digest>/bom gives the same facts', async (t) => {
  const signer = `signer=${encodeURIComponent(key.identity)}`;
  const response = await fetch(`${url}/api/v1/models/sha256:${root}/bom?${signer}`);
  t.equal(response.status, 200);
  t.match(
    response.headers.get('content-type'),
    /^application\/vnd\.cyclonedx\+json; version="?1\.6"?/,
  );
  const bom = await response.json();
  checkComponents(t, bom);
  t.notMatch(JSON.stringify(bom), /a stranger says so/, "a stranger's revocation is no fact");
  const withStranger = await fetch(
    `${url}/api/v1/models/sha256:${root}/bom?${signer}&signer=${encodeURIComponent(stranger.identity)}`,
  );
  t.match(
    JSON.stringify(await withStranger.json()),
    /a stranger says so/,
    'unless the reader trusts them',
  );
  const validate = cycloneDxValidator('1.6');
  t.ok(validate(bom), errorsOf(validate));

  const v17 = await (
    await fetch(`${url}/api/v1/models/sha256:${root}/bom?specVersion=1.7&${signer}`)
  ).json();
  const validate17 = cycloneDxValidator('1.7');
  t.ok(validate17(v17), errorsOf(validate17));

  const spdx = await fetch(`${url}/api/v1/models/sha256:${root}/bom?format=spdx&${signer}`);
  t.match(spdx.headers.get('content-type'), /^application\/spdx\+json/);
  const document = await spdx.json();
  const validateSpdx = spdxValidator();
  t.ok(validateSpdx(document), errorsOf(validateSpdx));
  const text = JSON.stringify(document);
  t.match(text, /dataset_DatasetPackage/);
  t.match(text, dataset.sha256);
  t.match(text, /trainedOn/);

  await expectError(
    t,
    await fetch(`${url}/api/v1/models/sha256:${'0'.repeat(64)}/bom?${signer}`),
    404,
    'model-not-found',
  );
  await expectError(
    t,
    await fetch(`${url}/api/v1/models/sha256:${root}/bom?format=spdx&specVersion=1.7&${signer}`),
    400,
    'bad-request',
  );
  await expectError(
    t,
    await fetch(`${url}/api/v1/models/sha256:${root}/bom?format=xml&${signer}`),
    400,
    'bad-request',
  );
});

t.test('attestry bom --publish signs the BOM and logs it about the model', async (t) => {
  const keyPath = path.join(work, 'key.pem');
  writeFileSync(keyPath, privateKey);
  const run = await runCliAsync([
    'bom',
    model,
    '--format',
    'spdx',
    '--log',
    url,
    '--log-key',
    log.keys.noteVerifierKey,
    '--signer',
    key.identity,
    '--publish',
    '--key',
    keyPath,
    '--out',
    path.join(work, 'model.spdx.json'),
    '--json',
  ]);
  t.equal(run.status, 0, run.stderr);
  const { published } = jsonOutput(run.stdout);
  t.type(published.logIndex, 'number');
  const search = await fetch(
    `${url}/api/v1/entries?digest=sha256:${root}&predicateType=${encodeURIComponent('https://spdx.dev/Document/v3')}`,
  );
  t.same(
    (await search.json()).entries.map((e: { logIndex: number }) => e.logIndex),
    [published.logIndex],
    'found as a statement about the model',
  );
  await expectError(t, await fetch(`${url}/api/v1/models/sha256:${root}/bom`), 400, 'bad-request');
  const refused = await runCliAsync([
    'bom',
    model,
    '--publish',
    '--log',
    url,
    '--signer',
    key.identity,
  ]);
  t.equal(refused.status, 1);
  t.match(refused.stderr, /--publish needs --log .* and --key/);
});

t.test(
  'attestry bom --publish checks the log with --log-key, not the keys it announces',
  async (t) => {
    // The same log behind a front that announces another note key: only a client that pins the
    // real one reads and publishes through it.
    const announced = generateNoteSigner(log.origin).verifierKey;
    const front = await serve(t, log, {}, (app) => {
      app.addHook('onSend', async (request, _reply, payload) =>
        request.url === '/api/v1/log/keys'
          ? JSON.stringify({ ...JSON.parse(payload as string), noteVerifierKey: announced })
          : payload,
      );
    });
    const keyPath = path.join(work, 'front-key.pem');
    writeFileSync(keyPath, privateKey);
    const publish = (...pin: string[]) =>
      runCliAsync([
        ...['bom', model, '--log', front.url, ...pin, '--signer', key.identity],
        ...['--publish', '--key', keyPath, '--out', path.join(work, 'front.cdx.json'), '--json'],
      ]);
    const pinned = await publish('--log-key', log.keys.noteVerifierKey);
    t.equal(pinned.status, 0, pinned.stderr);
    t.type(
      jsonOutput(pinned.stdout).published.logIndex,
      'number',
      'published under the pinned key',
    );
    const trusting = await publish();
    t.equal(trusting.status, 1, 'without --log-key it takes the announced key');
    t.match(jsonOutput(trusting.stdout), { ok: false, message: /checkpoint does not verify/ });
  },
);

t.test('a published AI-BOM is checked with the log key the caller pinned', async (t) => {
  const bom = writeBom(await modelFacts(model), { format: 'cyclonedx' });
  const options = { model: subject, format: 'cyclonedx' as const, privateKey };
  // Another key for the same origin: a log that answers under it is not the pinned one, and is
  // sent nothing (its key statement does not verify).
  const otherKey = generateNoteSigner(log.origin).verifierKey;
  const size = log.sequencer.checkpoint.size;
  await t.rejects(
    attestBom(bom, { ...options, log: new LogClient({ url, noteVerifierKey: otherKey }) }),
    { code: 'publish-failed', cause: { code: 'bad-log-key' } },
    'refused under another key',
  );
  t.equal(log.sequencer.checkpoint.size, size, 'before anything was published');
  const pinned = new LogClient({ url, noteVerifierKey: log.keys.noteVerifierKey });
  const entry = await attestBom(bom, { ...options, log: pinned });
  t.match(entry, { url, duplicate: false }, 'taken under the pinned key');
  t.ok((await pinned.entry(entry.logIndex)) !== undefined, 'and proven in its log');
});
