// How each fact a transparency log holds about a model shows in the AI-BOM, CycloneDX and SPDX:
// signatures, lineage, dataset attestations, contributors, evaluations and revocations, each
// linked to the log entry that vouches for it. With a model directory, and with a model known
// from the log alone (digest and name, as the server builds it).
import t from 'tap';
import { cycloneDxBom, type LogFacts, modelFacts, spdxBom } from '../client-sdk/bom/index.ts';
import {
  BASE_MODEL_DIGEST,
  buildBomModel,
  CONFIG_DIGEST,
  CORPUS_DIGEST,
  EVAL_SET_DIGEST,
  FULL_LOG_FACTS,
  LOG_URL,
  logRef,
  REPLACEMENT_DIGEST,
  SIGNER,
} from './fixtures/bom-model.ts';
import { tempDir } from './support/temp-log.ts';

// biome-ignore lint/suspicious/noExplicitAny: the tests walk the documents' JSON freely
type Json = Record<string, any>;

const NOW = new Date('2026-03-01T12:00:00Z');
const SERIAL = 'urn:uuid:0b7a3f52-7a64-4b5e-9d0c-1f2e3d4c5b6a';
const ROOT = '1'.repeat(64);
const entry = (index: number) => `${LOG_URL}/api/v1/entries/${index}`;
const values = (holder: Json, name: string) =>
  ((holder.properties ?? []) as Json[]).filter((p) => p.name === name).map((p) => p.value);

function cyclonedx(facts: LogFacts = FULL_LOG_FACTS) {
  const bom = cycloneDxBom({ name: 'acme/tiny-llama', rootDigest: ROOT }, facts, {
    now: NOW,
    serialNumber: SERIAL,
  }) as Json;
  const model = bom.metadata.component as Json;
  const component = (ref: string) =>
    (bom.components as Json[]).find((c) => c['bom-ref'] === ref) as Json;
  return { bom, model, component };
}

function spdx(facts: LogFacts = FULL_LOG_FACTS) {
  const bom = spdxBom({ name: 'acme/tiny-llama', rootDigest: ROOT }, facts, {
    now: NOW,
    namespace: 'https://bom.example/x/',
  });
  const graph = bom['@graph'] as Json[];
  const byId = new Map(graph.map((element) => [element.spdxId, element]));
  const model = byId.get('https://bom.example/x/model') as Json;
  const related = (type: string) =>
    graph
      .filter((e) => e.relationshipType === type)
      .map((r) => [byId.get(r.from)?.name, r.to.map((id: string) => byId.get(id)?.name)]);
  return { graph, byId, model, related };
}

t.test('a model known from the log alone: digest and name', (t) => {
  const { bom, model } = cyclonedx();
  t.same(model.hashes, [{ alg: 'SHA-256', content: ROOT }]);
  t.equal(model.name, 'acme/tiny-llama');
  t.notOk('components' in model, 'no files without a directory');
  t.same(values(bom.metadata, 'attestry:log'), [LOG_URL]);
  const { model: ai, graph } = spdx();
  t.same(ai.verifiedUsing, [{ type: 'Hash', algorithm: 'sha256', hashValue: ROOT }]);
  t.notOk(
    graph.some((e) => e.relationshipType === 'contains'),
    'no files without a directory',
  );
  t.match(graph[1].comment, `transparency log ${LOG_URL}`);
  t.end();
});

t.test('signatures', (t) => {
  const { model } = cyclonedx();
  const signature = model.externalReferences.find((r: Json) => r.type === 'digital-signature');
  t.equal(signature.url, entry(3));
  t.match(signature.comment, 'https://model_signing/signature/v1.0');
  t.match(signature.comment, `index 3, integrated 2026-01-01T00:03:00Z, signed by ${SIGNER}`);
  t.match(signature.comment, `checkpoint log.example.org/attestry size 100 root ${'a'.repeat(64)}`);
  t.same(values(model, 'attestry:signer'), [SIGNER]);

  const { model: ai } = spdx();
  const ref = ai.externalRef.find((r: Json) => r.locator[0] === entry(3));
  t.match(ref, { type: 'ExternalRef', externalRefType: 'other', contentType: 'application/json' });
  t.match(
    ref.comment,
    /^signature \(https:\/\/model_signing\/signature\/v1\.0\) of this model: log/,
  );
  t.end();
});

t.test('lineage: base model, datasets by digest with their use, training config, trainer', (t) => {
  const { bom, model, component } = cyclonedx();
  t.same(model.pedigree.ancestors[0].hashes, [{ alg: 'SHA-256', content: BASE_MODEL_DIGEST }]);
  t.equal(model.pedigree.ancestors[0].name, 'meta-llama/Llama-3.1-8B');
  t.equal(model.pedigree.ancestors[0].externalReferences[0].url, entry(4));
  t.same(model.modelCard.modelParameters.datasets, [
    { ref: `dataset:sha256:${CORPUS_DIGEST}` },
    { ref: `dataset:sha256:${EVAL_SET_DIGEST}` },
  ]);
  t.same(values(component(`dataset:sha256:${CORPUS_DIGEST}`), 'attestry:dataset-use'), [
    'training',
  ]);
  t.same(values(component(`dataset:sha256:${EVAL_SET_DIGEST}`), 'attestry:dataset-use'), [
    'testing',
    'evaluation',
  ]);
  const config = component(`training-config:sha256:${CONFIG_DIGEST}`);
  t.same(config.data, [{ type: 'configuration', name: 'train.yaml' }]);
  t.same(bom.dependencies[0], {
    ref: `model:sha256:${ROOT}`,
    dependsOn: [
      `dataset:sha256:${CORPUS_DIGEST}`,
      `dataset:sha256:${EVAL_SET_DIGEST}`,
      `training-config:sha256:${CONFIG_DIGEST}`,
    ],
  });
  t.same(values(model, 'attestry:trained-by'), ['trainer@acme.example']);
  t.ok(model.externalReferences.some((r: Json) => r.url === entry(4) && r.type === 'attestation'));

  const { byId, model: ai, related, graph } = spdx();
  t.same(related('trainedOn'), [['acme/tiny-llama', ['acme/web-corpus']]]);
  t.same(related('testedOn'), [['acme/tiny-llama', ['acme/eval-set']]]);
  t.same(related('descendantOf'), [['acme/tiny-llama', ['meta-llama/Llama-3.1-8B']]]);
  t.same(related('configures'), [['train.yaml', ['acme/tiny-llama']]]);
  t.equal(graph.find((e) => e.relationshipType === 'configures')?.scope, 'build');
  const base = byId.get(`https://bom.example/x/base-model/sha256:${BASE_MODEL_DIGEST}`) as Json;
  t.same(base.verifiedUsing[0].hashValue, BASE_MODEL_DIGEST);
  t.equal(base.type, 'ai_AIPackage');
  t.same(ai.originatedBy, ['https://bom.example/x/agent/trainer%40acme.example']);
  t.equal(byId.get(ai.originatedBy[0])?.type, 'Person');
  t.match(ai.ai_informationAboutTraining, 'Trained by trainer@acme.example.');
  t.end();
});

t.test('dataset attestations', (t) => {
  const { component } = cyclonedx();
  const corpus = component(`dataset:sha256:${CORPUS_DIGEST}`);
  t.match(corpus, {
    type: 'data',
    name: 'acme/web-corpus',
    version: '2.0',
    hashes: [{ alg: 'SHA-256', content: CORPUS_DIGEST }],
    licenses: [{ license: { id: 'CC-BY-4.0' } }],
  });
  t.same(corpus.data, [
    {
      type: 'dataset',
      name: 'acme/web-corpus',
      contents: { url: 'https://data.acme.example/web-corpus' },
      sensitiveData: ['Names of public figures occur in the text.'],
      description:
        'Collection: Crawled from public pages in 2025.\nPreprocessing: Deduplicated and filtered for language.\nLimitations: Over-represents English news.',
    },
  ]);
  t.same(corpus.externalReferences[0], {
    type: 'other',
    url: 'https://data.acme.example/web-corpus',
    comment: 'source: a web crawl',
  });
  t.equal(corpus.externalReferences[1].type, 'attestation');
  t.equal(corpus.externalReferences[1].url, entry(5));
  t.same(values(corpus, 'attestry:log-url'), [LOG_URL]);
  t.same(values(corpus, 'attestry:log-index'), ['5']);
  t.same(values(corpus, 'attestry:signer'), [`sha256:${'7'.repeat(64)}`]);
  t.same(values(corpus, 'attestry:personal-data'), ['present']);
  t.same(values(corpus, 'attestry:consent'), ['Opt-out requests honoured.']);
  t.same(values(corpus, 'attestry:limitations'), ['Over-represents English news.']);

  const { byId, model, related } = spdx();
  const dataset = byId.get(`https://bom.example/x/dataset/sha256:${CORPUS_DIGEST}`) as Json;
  t.match(dataset, {
    type: 'dataset_DatasetPackage',
    name: 'acme/web-corpus',
    software_packageVersion: '2.0',
    software_primaryPurpose: 'data',
    verifiedUsing: [{ type: 'Hash', algorithm: 'sha256', hashValue: CORPUS_DIGEST }],
    dataset_dataCollectionProcess: 'Crawled from public pages in 2025.',
    dataset_dataPreprocessing: ['Deduplicated and filtered for language.'],
    dataset_hasSensitivePersonalInformation: 'yes',
    dataset_datasetType: ['noAssertion'],
    originatedBy: ['https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement'],
  });
  t.match(dataset.comment, 'Limitations: Over-represents English news.');
  t.match(dataset.comment, 'Personal data: Names of public figures occur in the text.');
  t.match(dataset.comment, 'Consent: Opt-out requests honoured.');
  t.same(
    dataset.externalRef.map((r: Json) => r.locator[0]),
    ['https://data.acme.example/web-corpus', entry(5)],
  );
  t.match(
    dataset.externalRef[1].comment,
    /^dataset attestation: log https:\/\/log\.example\.org index 5/,
  );
  t.same(related('hasDeclaredLicense'), [['acme/web-corpus', [undefined]]]);
  t.ok(
    [...byId.values()].some(
      (e) =>
        e.type === 'simplelicensing_LicenseExpression' &&
        e.simplelicensing_licenseExpression === 'CC-BY-4.0',
    ),
  );
  t.equal(model.ai_useSensitivePersonalInformation, 'yes', 'trained on personal data');
  const without = spdx({
    ...FULL_LOG_FACTS,
    datasets: [{ ...FULL_LOG_FACTS.datasets[0], personalData: { present: false } }],
  });
  t.notOk('ai_useSensitivePersonalInformation' in without.model, 'only "yes" is ever told');
  t.end();
});

t.test('contributors', (t) => {
  const { bom, model } = cyclonedx();
  t.same(model.authors, [
    { name: 'alice@acme.example', email: 'alice@acme.example' },
    { name: `sha256:${'9'.repeat(64)}` },
  ]);
  t.same(values(model, 'attestry:contributor'), [
    'alice@acme.example (maintainer)',
    `sha256:${'9'.repeat(64)} (evaluator)`,
  ]);
  const note = bom.annotations[0];
  t.same(note.subjects, [`model:sha256:${ROOT}`]);
  t.same(note.annotator, { individual: { name: SIGNER } }, 'the signer of the entry says it');
  t.equal(note.timestamp, '2026-01-01T00:06:00Z');
  t.match(
    note.text,
    'alice@acme.example is maintainer of this model, affiliated with Acme, publishing under acme/*, from 2026-01-01T00:00:00Z, until 2027-01-01T00:00:00Z (log https://log.example.org index 6',
  );
  t.ok(model.externalReferences.some((r: Json) => r.url === entry(7)));

  const { byId, graph } = spdx();
  const alice = byId.get('https://bom.example/x/agent/alice%40acme.example') as Json;
  t.equal(alice.type, 'Person');
  t.same(alice.externalIdentifier, [
    {
      type: 'ExternalIdentifier',
      externalIdentifierType: 'email',
      identifier: 'alice@acme.example',
    },
  ]);
  t.equal(alice.externalRef[0].locator[0], entry(6));
  const key = byId.get(`https://bom.example/x/agent/sha256%3A${'9'.repeat(64)}`) as Json;
  t.equal(key.type, 'Agent', 'a key is an Agent, not a Person');
  const statements = graph.filter((e) => e.type === 'Annotation').map((e) => e.statement);
  t.match(
    statements[0],
    /^alice@acme\.example \(.*\) is maintainer of this model, affiliated with Acme/,
  );
  t.match(statements[1], /is evaluator of this model \(log https:\/\/log\.example\.org index 7/);
  t.end();
});

t.test('evaluations', (t) => {
  const { model } = cyclonedx();
  t.same(model.modelCard.quantitativeAnalysis.performanceMetrics, [
    { type: 'accuracy', value: '71.5 %', slice: 'MMLU 1.0 on acme/eval-set' },
    { type: 'f1', value: '0.7', slice: 'MMLU 1.0 on acme/eval-set' },
  ]);
  const ref = model.externalReferences.find((r: Json) => r.url === entry(8));
  t.match(ref.comment, 'evaluation on MMLU 1.0, 2026-02-01 (https://bench.example/mmlu)');

  const { model: ai } = spdx();
  t.same(ai.ai_metric, [
    { type: 'DictionaryEntry', key: 'accuracy (MMLU 1.0 on acme/eval-set)', value: '71.5 %' },
    { type: 'DictionaryEntry', key: 'f1 (MMLU 1.0 on acme/eval-set)', value: '0.7' },
  ]);
  t.equal(ai.externalRef.find((r: Json) => r.locator[0] === entry(8)).externalRefType, 'metrics');
  t.end();
});

t.test('revocations', (t) => {
  const { bom, model } = cyclonedx();
  t.same(values(model, 'attestry:revoked'), ['true']);
  t.same(values(model, 'attestry:revocation-reason'), ['The weights reproduce personal data.']);
  t.same(values(model, 'attestry:revocation-severity'), ['high']);
  t.same(values(model, 'attestry:revocation-issued-by'), ['security@acme.example']);
  t.same(values(model, 'attestry:revocation-replacement'), [
    `acme/tiny-llama-v2 (sha256:${REPLACEMENT_DIGEST})`,
  ]);
  const note = bom.annotations.at(-1);
  t.same(note.annotator, {
    individual: { name: 'security@acme.example', email: 'security@acme.example' },
  });
  t.equal(note.timestamp, '2026-01-01T00:09:00Z');
  t.match(
    note.text,
    `REVOKED (severity high): The weights reproduce personal data. — replaced by acme/tiny-llama-v2 (sha256:${REPLACEMENT_DIGEST}) — issued by security@acme.example (log https://log.example.org index 9`,
  );
  t.ok(model.externalReferences.some((r: Json) => r.url === entry(9)));
  t.same(values(cyclonedx({ ...FULL_LOG_FACTS, revocations: [] }).model, 'attestry:revoked'), []);

  const { model: ai, graph } = spdx();
  t.equal(ai.validUntilTime, '2026-01-01T00:09:00Z', 'not to be used after its revocation');
  const annotation = graph.filter((e) => e.type === 'Annotation').at(-1) as Json;
  t.match(annotation, {
    annotationType: 'other',
    subject: 'https://bom.example/x/model',
  });
  t.match(
    annotation.statement,
    /^REVOKED \(severity high\): The weights reproduce personal data\. — replaced by/,
  );
  t.match(annotation.statement, 'index 9, integrated 2026-01-01T00:09:00Z');
  const two = spdx({
    ...FULL_LOG_FACTS,
    revocations: [
      ...FULL_LOG_FACTS.revocations,
      { reason: 'superseded', severity: 'low', ref: logRef(2) },
    ],
  });
  t.equal(two.model.validUntilTime, '2026-01-01T00:02:00Z', 'the earliest revocation');
  t.end();
});

t.test('log facts merge with the model card', async (t) => {
  const facts = await modelFacts(buildBomModel(tempDir(t, 'attestry-bom-log-')));
  const bom = cycloneDxBom(facts, FULL_LOG_FACTS, { now: NOW, serialNumber: SERIAL }) as Json;
  const datasets = (bom.components as Json[]).filter((c) => c.data?.[0]?.type === 'dataset');
  t.same(
    datasets.map((d) => [d.name, d.hashes?.[0].content]),
    [
      ['acme/web-corpus', CORPUS_DIGEST],
      ['acme/eval-set', EVAL_SET_DIGEST],
    ],
    "the card's dataset is the attested one, now with its digest",
  );
  const ancestors = bom.metadata.component.pedigree.ancestors as Json[];
  t.equal(ancestors.length, 1, "the card's base model is the lineage's");
  t.same(ancestors[0].hashes, [{ alg: 'SHA-256', content: BASE_MODEL_DIGEST }]);
  t.same(values(ancestors[0], 'attestry:base-model-relation'), ['finetune']);
  t.same(
    bom.metadata.component.modelCard.quantitativeAnalysis.performanceMetrics.map(
      (m: Json) => m.slice,
    ),
    ['HellaSwag (validation)', 'MMLU 1.0 on acme/eval-set', 'MMLU 1.0 on acme/eval-set'],
    "the card's metrics, then the logged ones",
  );
});

t.test('sparse facts: no names, no uses, nothing optional', (t) => {
  const sparse: LogFacts = {
    logUrl: `${LOG_URL}/`,
    signatures: [],
    lineage: {
      baseModel: { sha256: BASE_MODEL_DIGEST },
      datasets: [{ sha256: CORPUS_DIGEST }],
      ref: logRef(4),
    },
    datasets: [],
    contributors: [{ identity: 'https://github.com/acme', role: 'publisher', ref: logRef(6) }],
    evaluations: [
      {
        benchmark: { name: 'internal' },
        metrics: [{ name: 'loss', value: 1.25 }],
        date: '2026-02-01T10:00:00Z',
        ref: logRef(8),
      },
    ],
    revocations: [
      {
        reason: 'withdrawn',
        severity: 'low',
        replacement: { sha256: REPLACEMENT_DIGEST },
        ref: logRef(9),
      },
    ],
  };
  const { bom, model, component } = cyclonedx(sparse);
  t.equal(model.pedigree.ancestors[0].name, `sha256:${BASE_MODEL_DIGEST}`, 'named by digest');
  t.notOk('notes' in model.pedigree, 'no relation known');
  const dataset = component(`dataset:sha256:${CORPUS_DIGEST}`);
  t.equal(dataset.name, `sha256:${CORPUS_DIGEST}`);
  t.notOk('properties' in dataset, 'no use recorded');
  t.same(model.modelCard.quantitativeAnalysis.performanceMetrics, [
    { type: 'loss', value: '1.25', slice: 'internal' },
  ]);
  t.same(values(model, 'attestry:revocation-replacement'), [`sha256:${REPLACEMENT_DIGEST}`]);
  t.match(bom.annotations[1].text, `replaced by (sha256:${REPLACEMENT_DIGEST})`);
  t.same(bom.annotations[0].annotator, { individual: { name: SIGNER } });
  t.equal(model.externalReferences[0].url, entry(4), 'no double slash after the log URL');

  const { related, byId, model: ai } = spdx(sparse);
  t.same(
    related('trainedOn'),
    [['acme/tiny-llama', [`sha256:${CORPUS_DIGEST}`]]],
    'trainedOn by default',
  );
  t.same(related('descendantOf'), [['acme/tiny-llama', [`sha256:${BASE_MODEL_DIGEST}`]]]);
  t.notOk('comment' in (byId.get(`https://bom.example/x/dataset/sha256:${CORPUS_DIGEST}`) as Json));
  t.same(ai.ai_metric, [{ type: 'DictionaryEntry', key: 'loss (internal)', value: '1.25' }]);
  t.equal(byId.get('https://bom.example/x/agent/https%3A%2F%2Fgithub.com%2Facme')?.type, 'Agent');
  t.end();
});

t.test('merging: one base model named by the card, another by the lineage', (t) => {
  const card = {
    datasets: ['acme/web-corpus'],
    baseModels: ['acme/base'],
    languages: [],
    tags: [],
    metrics: [],
  };
  const lineage = { datasets: [], baseModel: { sha256: BASE_MODEL_DIGEST }, ref: logRef(4) };
  const unnamed = cycloneDxBom(
    { name: 'm', rootDigest: ROOT, card },
    { ...FULL_LOG_FACTS, lineage },
    { now: NOW, serialNumber: SERIAL },
  ) as Json;
  t.same(
    unnamed.metadata.component.pedigree.ancestors.map((a: Json) => [a.name, a.hashes?.[0].content]),
    [['acme/base', BASE_MODEL_DIGEST]],
    "an unnamed base model is the card's only one",
  );
  const other = cycloneDxBom({ name: 'm', rootDigest: ROOT, card }, FULL_LOG_FACTS, {
    now: NOW,
    serialNumber: SERIAL,
  }) as Json;
  t.same(
    other.metadata.component.pedigree.ancestors.map((a: Json) => [a.name, a.hashes?.[0].content]),
    [
      ['acme/base', undefined],
      ['meta-llama/Llama-3.1-8B', BASE_MODEL_DIGEST],
    ],
    'a differently named one is another base model',
  );
  const adapter = cycloneDxBom(
    { name: 'm', rootDigest: ROOT, card: { ...card, baseModelRelation: 'adapter' } },
    undefined,
    { now: NOW, serialNumber: SERIAL },
  ) as Json;
  t.same(
    adapter.dependencies[0].dependsOn,
    ['dataset:acme/web-corpus', 'base-model:acme/base'],
    'an adapter depends on its base model',
  );
  t.end();
});

t.test('attestations with only what is required', (t) => {
  const facts: LogFacts = {
    ...FULL_LOG_FACTS,
    lineage: { datasets: [], trainingConfig: { sha256: CONFIG_DIGEST }, ref: logRef(4) },
    datasets: [
      {
        name: 'acme/web-corpus',
        sha256: CORPUS_DIGEST,
        sources: [{ uri: 'https://data.acme.example/web-corpus' }],
        personalData: { present: true },
        ref: logRef(5),
      },
      {
        name: 'acme/clean',
        sha256: EVAL_SET_DIGEST,
        personalData: { present: false },
        ref: logRef(6),
      },
    ],
    evaluations: [
      {
        benchmark: { name: 'internal' },
        dataset: { sha256: EVAL_SET_DIGEST },
        metrics: [{ name: 'loss', value: 1 }],
        date: '2026-02-01',
        ref: logRef(8),
      },
    ],
    revocations: [{ reason: 'withdrawn', severity: 'low', ref: logRef(9) }],
  };
  const { model, component } = cyclonedx(facts);
  const corpus = component(`dataset:sha256:${CORPUS_DIGEST}`);
  t.same(corpus.data[0].sensitiveData, ['personal data is present']);
  t.equal(corpus.externalReferences[0].comment, 'source');
  t.same(values(component(`dataset:sha256:${EVAL_SET_DIGEST}`), 'attestry:personal-data'), [
    'absent',
  ]);
  t.equal(component(`training-config:sha256:${CONFIG_DIGEST}`).name, 'training configuration');
  t.same(model.modelCard.quantitativeAnalysis.performanceMetrics, [
    { type: 'loss', value: '1', slice: `internal on sha256:${EVAL_SET_DIGEST}` },
  ]);
  t.same(values(model, 'attestry:revocation-replacement'), []);
  t.same(values(model, 'attestry:revocation-issued-by'), []);

  const { byId, model: ai } = spdx(facts);
  const dataset = byId.get(`https://bom.example/x/dataset/sha256:${CORPUS_DIGEST}`) as Json;
  t.equal(dataset.externalRef[0].comment, 'source');
  t.equal(dataset.dataset_hasSensitivePersonalInformation, 'yes');
  t.equal(
    (byId.get(`https://bom.example/x/dataset/sha256:${EVAL_SET_DIGEST}`) as Json)
      .dataset_hasSensitivePersonalInformation,
    'no',
  );
  t.equal(
    byId.get(`https://bom.example/x/training-config/sha256:${CONFIG_DIGEST}`)?.name,
    'training configuration',
  );
  t.same(ai.ai_metric, [
    { type: 'DictionaryEntry', key: `loss (internal on sha256:${EVAL_SET_DIGEST})`, value: '1' },
  ]);
  t.end();
});
