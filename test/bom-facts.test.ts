// The facts an AI-BOM takes from a model directory (digests, safetensors headers, config.json,
// the model card) and how the CycloneDX and SPDX writers show them, without a log.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  BomError,
  buildBom,
  type CycloneDxDocument,
  cycloneDxBom,
  licenseOf,
  modelFacts,
  parseModelCard,
  readModelCard,
  readModelConfig,
  type SpdxDocument,
  spdxBom,
  writeBom,
} from '../client-sdk/bom/index.ts';
import { KNOWN_SPDX_IDS, licenseRefOf } from '../client-sdk/bom/licenses.ts';
import { hashModel } from '../client-sdk/hash/index.ts';
import {
  buildBomModel,
  DTYPES,
  PARAMETER_COUNT,
  SHARD_1,
  safetensorsBytes,
} from './fixtures/bom-model.ts';
import { readVector } from './support/bom-schemas.ts';
import { tempDir } from './support/temp-log.ts';

const dir = tempDir(t, 'attestry-bom-facts-');
const model = buildBomModel(dir);
const NOW = new Date('2026-03-01T12:00:00.789Z');
const SERIAL = 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79';
const FILES = [
  'README.md',
  'config.json',
  'model-00001-of-00002.safetensors',
  'model-00002-of-00002.safetensors',
];
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

// biome-ignore lint/suspicious/noExplicitAny: the tests walk the documents' JSON freely
type Json = Record<string, any>;
const property = (holder: Json, name: string) =>
  (holder.properties as Json[] | undefined)?.filter((p) => p.name === name).map((p) => p.value);

t.test('the facts of a model directory', async (t) => {
  const facts = await modelFacts(model);
  const manifest = await hashModel(model);
  t.equal(facts.name, 'tiny-llama');
  t.equal(facts.rootDigest, manifest.rootDigest, 'the root digest attestry sign signs');
  t.same(
    facts.files,
    FILES.map((name) => ({ name, sha256: sha256(join(model, name)) })),
    'every file with its own SHA-256, in manifest order',
  );
  t.equal(facts.safetensors?.parameterCount, PARAMETER_COUNT);
  t.equal(facts.safetensors?.tensorCount, 5);
  t.same(facts.safetensors?.dtypes, DTYPES);
  t.same(Object.keys(facts.safetensors?.dtypes ?? {}), ['BF16', 'F16', 'F32'], 'sorted');
  t.same(
    facts.safetensors?.files.map((file) => [file.name, file.tensorCount, file.parameterCount]),
    [
      ['model-00001-of-00002.safetensors', 2, 192],
      ['model-00002-of-00002.safetensors', 3, 41],
    ],
  );
  t.same(facts.config?.architectures, ['LlamaForCausalLM']);
  t.equal(facts.config?.modelType, 'llama');
  t.same(facts.config?.hyperparameters, [
    ['torch_dtype', 'bfloat16'],
    ['hidden_size', 8],
    ['num_hidden_layers', 2],
    ['num_attention_heads', 2],
    ['vocab_size', 16],
    ['transformers_version', '4.57.0'],
  ]);
  const card = facts.card;
  t.equal(card?.license, 'apache-2.0');
  t.same(card?.datasets, ['acme/web-corpus']);
  t.same(card?.baseModels, ['meta-llama/Llama-3.1-8B']);
  t.equal(card?.baseModelRelation, 'finetune');
  t.same(card?.languages, ['en', 'fr']);
  t.same(card?.tags, ['text-generation', 'llama']);
  t.equal(card?.pipelineTag, 'text-generation');
  t.equal(card?.libraryName, 'transformers');
  t.equal(card?.modelName, 'tiny-llama-acme');
  t.same(card?.metrics, [
    {
      type: 'accuracy',
      value: '0.61',
      dataset: 'HellaSwag',
      split: 'validation',
      task: 'text-generation',
    },
  ]);
  t.same(card?.co2, { grams: 1250.5, source: 'codecarbon', trainingType: 'fine-tuning' });
  t.equal(card?.limitations, 'Mostly English text; it makes facts up.');
  t.equal((await modelFacts(model, { name: 'acme/tiny-llama' })).name, 'acme/tiny-llama');
});

t.test('the CycloneDX BOM carries the facts', async (t) => {
  const bom = (await buildBom(model, { now: NOW, serialNumber: SERIAL })) as CycloneDxDocument;
  const root = (await hashModel(model)).rootDigest;
  t.equal(bom.specVersion, '1.6');
  t.equal(bom.$schema, 'http://cyclonedx.org/schema/bom-1.6.schema.json');
  t.equal(bom.serialNumber, SERIAL);
  t.equal(bom.metadata.timestamp, '2026-03-01T12:00:00Z');
  const component = bom.metadata.component as Json;
  t.equal(component.type, 'machine-learning-model');
  t.same(component.hashes, [{ alg: 'SHA-256', content: root }]);
  t.same(
    component.components.map((file: Json) => [file.type, file.name, file.hashes[0].content]),
    FILES.map((name) => ['file', name, sha256(join(model, name))]),
  );
  t.same(component.licenses, [{ license: { id: 'Apache-2.0' } }]);
  t.same(component.tags, ['text-generation', 'llama']);
  const card = component.modelCard as Json;
  t.same(card.modelParameters, {
    task: 'text-generation',
    architectureFamily: 'llama',
    modelArchitecture: 'LlamaForCausalLM',
    datasets: [{ ref: 'dataset:acme/web-corpus' }],
  });
  t.same(property(card, 'attestry:parameter-count'), [String(PARAMETER_COUNT)]);
  t.same(property(card, 'attestry:dtypes'), ['BF16, F16, F32']);
  t.same(property(card, 'attestry:parameters:F32'), ['129']);
  t.same(property(card, 'attestry:config:num_hidden_layers'), ['2']);
  t.same(property(card, 'attestry:language'), ['en', 'fr']);
  t.same(card.quantitativeAnalysis.performanceMetrics, [
    { type: 'accuracy', value: '0.61', slice: 'HellaSwag (validation)' },
  ]);
  t.same(card.considerations.technicalLimitations, ['Mostly English text; it makes facts up.']);
  t.same(
    property(card.considerations.environmentalConsiderations, 'attestry:co2-eq-emissions-grams'),
    ['1250.5'],
  );
  t.same(component.pedigree, {
    ancestors: [
      {
        type: 'machine-learning-model',
        'bom-ref': 'base-model:meta-llama/Llama-3.1-8B',
        name: 'meta-llama/Llama-3.1-8B',
        properties: [{ name: 'attestry:base-model-relation', value: 'finetune' }],
      },
    ],
    notes: 'base model relation: finetune',
  });
  t.same(bom.components, [
    {
      type: 'data',
      'bom-ref': 'dataset:acme/web-corpus',
      name: 'acme/web-corpus',
      data: [{ type: 'dataset', name: 'acme/web-corpus' }],
      properties: [{ name: 'attestry:dataset-use', value: 'training' }],
    },
  ]);
  t.same(bom.dependencies, [
    { ref: `model:sha256:${root}`, dependsOn: ['dataset:acme/web-corpus'] },
    { ref: 'dataset:acme/web-corpus' },
  ]);
  t.notOk('annotations' in bom, 'no log, no annotations');
  t.notOk('properties' in bom.metadata, 'no log, no log property');

  const v17 = (await buildBom(model, {
    specVersion: '1.7',
    now: NOW,
    serialNumber: SERIAL,
  })) as CycloneDxDocument;
  t.equal(v17.specVersion, '1.7');
  t.equal(v17.$schema, 'http://cyclonedx.org/schema/bom-1.7.schema.json');
  t.same(v17.metadata, bom.metadata, 'the same content in 1.7');
});

t.test('the SPDX BOM carries the facts', async (t) => {
  const bom = (await buildBom(model, {
    format: 'spdx',
    now: NOW,
    namespace: 'https://bom.example/tiny/',
  })) as SpdxDocument;
  const root = (await hashModel(model)).rootDigest;
  t.equal(bom['@context'], 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld');
  const graph = bom['@graph'] as Json[];
  const byId = new Map(graph.map((element) => [element.spdxId ?? element['@id'], element]));
  t.same(graph[0], {
    type: 'CreationInfo',
    '@id': '_:creationinfo',
    specVersion: '3.0.1',
    created: '2026-03-01T12:00:00Z',
    createdBy: ['https://bom.example/tiny/agent/attestry'],
  });
  const document = graph.find((element) => element.type === 'SpdxDocument') as Json;
  t.same(document.rootElement, ['https://bom.example/tiny/model']);
  t.same(document.profileConformance, ['core', 'software', 'ai', 'dataset', 'simpleLicensing']);
  t.same(
    new Set(document.element),
    new Set(
      graph.filter((e) => e.spdxId !== undefined && e.type !== 'SpdxDocument').map((e) => e.spdxId),
    ),
    'the document lists every element',
  );
  const ai = byId.get('https://bom.example/tiny/model') as Json;
  t.equal(ai.type, 'ai_AIPackage');
  t.equal(ai.name, 'tiny-llama');
  t.same(ai.verifiedUsing, [{ type: 'Hash', algorithm: 'sha256', hashValue: root }]);
  t.equal(ai.software_primaryPurpose, 'model');
  t.equal(ai.suppliedBy, 'https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement');
  t.same(ai.ai_domain, ['text-generation']);
  const hyper = Object.fromEntries(ai.ai_hyperparameter.map((e: Json) => [e.key, e.value]));
  t.equal(hyper.parameter_count, String(PARAMETER_COUNT));
  t.equal(hyper.tensor_count, '5');
  t.equal(hyper.dtypes, 'BF16, F16, F32');
  t.equal(hyper.architectures, 'LlamaForCausalLM');
  t.equal(hyper.model_type, 'llama');
  t.same(ai.ai_metric, [
    { type: 'DictionaryEntry', key: 'accuracy (HellaSwag validation)', value: '0.61' },
  ]);
  t.equal(ai.ai_limitation, 'Mostly English text; it makes facts up.');
  t.match(ai.ai_informationAboutApplication, /Languages: en, fr\./);
  t.match(ai.ai_informationAboutTraining, /CO2 equivalent emissions: 1250\.5 g/);

  const relationships = graph.filter((e) => e.type === 'Relationship');
  const related = (type: string) =>
    relationships
      .filter((r) => r.relationshipType === type)
      .map((r) => [
        r.from,
        r.to.map(
          (id: string) => byId.get(id)?.name ?? byId.get(id)?.simplelicensing_licenseExpression,
        ),
      ]);
  t.same(related('contains'), [['https://bom.example/tiny/model', FILES]]);
  t.same(related('trainedOn'), [['https://bom.example/tiny/model', ['acme/web-corpus']]]);
  t.same(related('descendantOf'), [
    ['https://bom.example/tiny/model', ['meta-llama/Llama-3.1-8B']],
  ]);
  t.same(related('hasDeclaredLicense'), [['https://bom.example/tiny/model', ['Apache-2.0']]]);
  const files = graph.filter((e) => e.type === 'software_File');
  t.same(
    files.map((file) => [file.name, file.verifiedUsing[0].hashValue, file.software_primaryPurpose]),
    [
      ['README.md', sha256(join(model, 'README.md')), 'documentation'],
      ['config.json', sha256(join(model, 'config.json')), 'configuration'],
      ...FILES.slice(2).map((name) => [name, sha256(join(model, name)), 'model']),
    ],
  );
  const dataset = graph.find((e) => e.type === 'dataset_DatasetPackage') as Json;
  t.equal(dataset.name, 'acme/web-corpus');
  t.same(dataset.dataset_datasetType, ['noAssertion'], 'the type is not known from a card');
  t.notOk(
    graph.some((e) => e.type === 'Annotation'),
    'no log, no annotations',
  );
});

t.test('the same inputs give the same document', async (t) => {
  const facts = await modelFacts(model);
  for (const write of [
    () => cycloneDxBom(facts, undefined, { now: NOW, serialNumber: SERIAL }),
    () => spdxBom(facts, undefined, { now: NOW, serialNumber: SERIAL }),
  ]) {
    t.equal(JSON.stringify(write()), JSON.stringify(write()));
  }
  const other = cycloneDxBom(facts, undefined, { now: NOW });
  t.not(other.serialNumber, SERIAL, 'a fresh serial number by default');
  t.match(other.serialNumber, /^urn:uuid:[0-9a-f-]{36}$/);
  t.equal(
    JSON.stringify({ ...other, serialNumber: SERIAL }),
    JSON.stringify(cycloneDxBom(facts, undefined, { now: NOW, serialNumber: SERIAL })),
    'nothing else differs',
  );
  const spdx = spdxBom(facts, undefined, { now: NOW, serialNumber: SERIAL });
  t.equal(spdx['@graph'][1].spdxId, `${SERIAL}#document`, 'the namespace follows the serial');
});

t.test('a model without a README, config.json or safetensors; a single file', async (t) => {
  const bare = join(dir, 'bare');
  mkdirSync(bare);
  writeFileSync(join(bare, 'weights.bin'), 'not a safetensors file');
  const facts = await modelFacts(bare);
  t.same(Object.keys(facts).sort(), ['files', 'name', 'rootDigest']);
  const bom = cycloneDxBom(facts, undefined, { now: NOW, serialNumber: SERIAL });
  const component = bom.metadata.component as Json;
  t.same(component.modelCard, {}, 'an empty model card, nothing invented');
  t.notOk('licenses' in component);
  t.notOk('components' in bom);
  t.same(bom.dependencies, [{ ref: `model:sha256:${facts.rootDigest}` }]);

  const single = join(dir, 'single.safetensors');
  writeFileSync(single, safetensorsBytes(SHARD_1));
  const one = await modelFacts(single);
  t.equal(one.name, 'single.safetensors');
  t.same(one.files, [{ name: '.', sha256: sha256(single) }]);
  t.equal(one.safetensors?.parameterCount, 192);
});

t.test('files left out of the digest are not read', async (t) => {
  const facts = await modelFacts(model, { ignorePaths: ['README.md', 'config.json'] });
  t.equal(facts.card, undefined);
  t.equal(facts.config, undefined);
  t.same(
    facts.files?.map((file) => file.name),
    FILES.slice(2),
  );
});

t.test(
  'config.json: bad JSON and non-objects are typed errors, odd fields are left out',
  async (t) => {
    const bad = join(dir, 'bad-config');
    mkdirSync(bad);
    writeFileSync(join(bad, 'config.json'), '{"architectures": [');
    await t.rejects(readModelConfig(bad), { name: 'BomError', code: 'bad-config' });
    await t.rejects(modelFacts(bad), { code: 'bad-config' });
    writeFileSync(join(bad, 'config.json'), '["LlamaForCausalLM"]');
    await t.rejects(readModelConfig(bad), {
      code: 'bad-config',
      message: /not hold a JSON object/,
    });
    writeFileSync(
      join(bad, 'config.json'),
      JSON.stringify({
        architectures: 'Llama',
        model_type: 3,
        hidden_size: 'big',
        vocab_size: null,
      }),
    );
    t.same(await readModelConfig(bad), {
      architectures: [],
      hyperparameters: [['hidden_size', 'big']],
    });
    t.equal(await readModelConfig(join(dir, 'bare')), undefined, 'none: undefined');
    mkdirSync(join(bad, 'sub', 'config.json'), { recursive: true });
    await t.rejects(readModelConfig(join(bad, 'sub')), { code: 'read-failed' });
  },
);

t.test('the model card: YAML front matter, untrusted', async (t) => {
  t.same(parseModelCard('# No front matter\n\nJust text.'), {
    datasets: [],
    baseModels: [],
    languages: [],
    tags: [],
    metrics: [],
  });
  t.throws(() => parseModelCard('---\nlicense: [mit\n---\n'), {
    name: 'BomError',
    code: 'bad-model-card',
  });
  t.throws(() => parseModelCard('---\n- a\n- b\n---\n'), {
    code: 'bad-model-card',
    message: /not a YAML mapping/,
  });
  t.throws(() => parseModelCard('---\nlicense: mit\nlicense: apache-2.0\n---\n'), {
    code: 'bad-model-card',
  });
  const bomb = `---\na: &a [x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 120 }, (_, i) => `k${i}: *a`).join('\n')}\n---\n`;
  t.throws(() => parseModelCard(bomb), { code: 'bad-model-card' }, 'alias expansion capped');
  const odd = parseModelCard(
    '\uFEFF---\nlicense: 42\nlanguage: no\ndatasets: {a: 1}\nbase_model: [x/y, x/y, {z: 1}]\ntags: [1.5, true]\nco2_eq_emissions: 12\nmodel-index: [{results: [{metrics: [{type: acc}]}]}]\n---\n',
  );
  t.same(odd, {
    license: '42',
    datasets: [],
    baseModels: ['x/y'],
    languages: ['no'],
    tags: ['1.5', 'true'],
    metrics: [],
    co2: { grams: 12 },
  });
  t.same(parseModelCard('---\n---\nbody').datasets, [], 'empty front matter');
  const other = parseModelCard(
    '---\nlicense: other\nlicense_name: acme-model-license\nlicense_link: https://acme.example/license\n---\n',
  );
  t.same(licenseOf(other.license, other.licenseName, other.licenseLink), {
    name: 'acme-model-license',
    url: 'https://acme.example/license',
  });
  t.equal(
    parseModelCard(
      '## Limitations\n\n[More Information Needed]\n\n## Risks\n\n```\n# not a heading\n```\nReal text.\n',
    ).limitations,
    '```\n# not a heading\n```\nReal text.',
    'placeholders skipped, code fences kept whole',
  );
  const badDir = join(dir, 'bad-card');
  mkdirSync(badDir);
  writeFileSync(join(badDir, 'README.md'), '---\nlicense: [mit\n---\n');
  await t.rejects(readModelCard(badDir), { code: 'bad-model-card', message: /README\.md/ });
  await t.rejects(modelFacts(badDir), BomError);
  t.equal(await readModelCard(join(dir, 'bare')), undefined);
  mkdirSync(join(badDir, 'sub', 'README.md'), { recursive: true });
  await t.rejects(readModelCard(join(badDir, 'sub')), { code: 'read-failed' });
});

t.test('licenses: Hub ids to SPDX ids, others by name', (t) => {
  t.same(licenseOf('apache-2.0'), { id: 'Apache-2.0' });
  t.same(licenseOf('MIT'), { id: 'MIT' });
  t.same(licenseOf('gpl-3.0'), { id: 'GPL-3.0-only' });
  t.same(licenseOf('odc-by'), { id: 'ODC-By-1.0' });
  t.same(licenseOf('llama3.1'), { name: 'llama3.1' });
  t.same(licenseOf('MIT OR Apache-2.0'), { expression: 'MIT OR Apache-2.0' });
  t.equal(licenseOf('unknown'), undefined);
  t.equal(licenseOf(undefined), undefined);
  t.equal(licenseRefOf('llama3.1 community'), 'LicenseRef-llama3.1-community');
  const spdxList = new Set(readVector('cyclonedx/spdx.schema.json').enum);
  t.same(
    KNOWN_SPDX_IDS.filter((id) => !spdxList.has(id)),
    [],
    'every id produced is on the SPDX license list',
  );
  t.end();
});

t.test('options are checked before anything is read', async (t) => {
  const facts = { name: 'm', rootDigest: '1'.repeat(64) };
  const invalid = { name: 'BomError', code: 'invalid-option' };
  await t.rejects(buildBom(join(dir, 'no-such-model'), { format: 'xml' as 'spdx' }), {
    ...invalid,
    message: /unknown format "xml"/,
  });
  await t.rejects(buildBom(join(dir, 'no-such-model'), { format: 'spdx', specVersion: '1.7' }), {
    ...invalid,
    message: /CycloneDX only/,
  });
  await t.rejects(buildBom(join(dir, 'no-such-model'), { specVersion: '1.5' as '1.6' }), {
    ...invalid,
    message: /1\.5 is not supported/,
  });
  t.throws(() => cycloneDxBom(facts, undefined, { specVersion: '2.0' as '1.6' }), invalid);
  t.throws(() => cycloneDxBom(facts, undefined, { serialNumber: 'urn:uuid:ABC' }), {
    ...invalid,
    message: /not urn:uuid:<lowercase UUID>/,
  });
  t.throws(() => cycloneDxBom(facts, undefined, { now: new Date('soon') }), invalid);
  t.throws(() => spdxBom(facts, undefined, { now: new Date(Number.NaN) }), invalid);
  t.throws(() => spdxBom(facts, undefined, { namespace: 'no-colon/' }), {
    ...invalid,
    message: /not an IRI/,
  });
  t.throws(() => spdxBom(facts, undefined, { namespace: 'https://x.example/no-end' }), invalid);
  t.throws(() => spdxBom(facts, undefined, { namespace: '_:blank/' }), invalid);
  t.equal(
    (writeBom(facts, { format: 'spdx', serialNumber: SERIAL }) as SpdxDocument)['@graph'][1].spdxId,
    `${SERIAL}#document`,
  );
  t.equal((writeBom(facts) as CycloneDxDocument).specVersion, '1.6');
});

t.test('named licenses, files of no known purpose', (t) => {
  const card = parseModelCard(
    '---\nlicense: other\nlicense_name: Acme Model License 1.0\nlicense_link: https://acme.example/license\n---\n',
  );
  const facts = {
    name: 'm',
    rootDigest: '1'.repeat(64),
    card,
    files: [{ name: 'vocab.txt', sha256: '2'.repeat(64) }],
  };
  const cdx = cycloneDxBom(facts, undefined, { now: NOW, serialNumber: SERIAL });
  t.same((cdx.metadata.component as Json).licenses, [
    { license: { name: 'Acme Model License 1.0', url: 'https://acme.example/license' } },
  ]);
  const graph = spdxBom(facts, undefined, { now: NOW, serialNumber: SERIAL })['@graph'] as Json[];
  t.same(
    graph.find((e) => e.type === 'simplelicensing_LicenseExpression'),
    {
      type: 'simplelicensing_LicenseExpression',
      spdxId: `${SERIAL}#license/1`,
      creationInfo: '_:creationinfo',
      name: 'Acme Model License 1.0',
      simplelicensing_licenseExpression: 'LicenseRef-Acme-Model-License-1.0',
      simplelicensing_customIdToUri: [
        {
          type: 'DictionaryEntry',
          key: 'LicenseRef-Acme-Model-License-1.0',
          value: 'https://acme.example/license',
        },
      ],
    },
  );
  const file = graph.find((e) => e.type === 'software_File') as Json;
  t.notOk('software_primaryPurpose' in file, 'vocab.txt: no purpose asserted');
  t.same(licenseOf('other'), { name: 'other' });
  t.equal(licenseRefOf('???'), 'LicenseRef-other');
  const expression = cycloneDxBom(
    { ...facts, card: parseModelCard('---\nlicense: MIT OR Apache-2.0\n---\n') },
    undefined,
    { now: NOW, serialNumber: SERIAL },
  );
  t.same((expression.metadata.component as Json).licenses, [{ expression: 'MIT OR Apache-2.0' }]);
  const spdxExpression = spdxBom(
    { ...facts, card: parseModelCard('---\nlicense: MIT OR Apache-2.0\n---\n') },
    undefined,
    { now: NOW, serialNumber: SERIAL },
  )['@graph'].find((e) => e.type === 'simplelicensing_LicenseExpression');
  t.equal(spdxExpression?.simplelicensing_licenseExpression, 'MIT OR Apache-2.0');
  t.end();
});

t.test('model cards with odd shapes', (t) => {
  const long = 'word '.repeat(1000);
  const card = parseModelCard(`---
license: '  '
co2_eq_emissions: .inf
model-index:
  - 3
  - name: x
  - results: [7, {metrics: 5}, {dataset: {type: wikitext}, metrics: [8, {type: perplexity, value: 12.5}]}]
---
\`\`\`markdown
## Limitations
(an example inside a fence)
\`\`\`

## Limitations

${long}
`);
  t.equal(card.license, undefined, 'blank is no license');
  t.equal(card.co2, undefined, 'an infinite emission is none');
  t.same(card.metrics, [{ type: 'perplexity', value: '12.5', dataset: 'wikitext' }]);
  t.equal(card.limitations?.length, 4000, 'capped');
  t.ok(card.limitations?.startsWith('word word'), 'the real section, not the fenced one');
  t.ok(card.limitations?.endsWith('…'));
  const facts = {
    name: 'm',
    rootDigest: '1'.repeat(64),
    card: {
      ...card,
      metrics: [
        { type: 'loss', value: '2' },
        { type: 'ppl', value: '9', dataset: 'wiki' },
      ],
      co2: { grams: 5, geographicalLocation: 'EU', hardwareUsed: 'A100' },
    },
  };
  const cdx = cycloneDxBom(facts, undefined, { now: NOW, serialNumber: SERIAL });
  t.same((cdx.metadata.component as Json).modelCard.quantitativeAnalysis.performanceMetrics, [
    { type: 'loss', value: '2' },
    { type: 'ppl', value: '9', slice: 'wiki' },
  ]);
  const ai = spdxBom(facts, undefined, { now: NOW, serialNumber: SERIAL })['@graph'].find(
    (e) => e.type === 'ai_AIPackage',
  ) as Json;
  t.same(
    ai.ai_metric.map((e: Json) => e.key),
    ['loss', 'ppl (wiki)'],
  );
  t.equal(
    ai.ai_informationAboutTraining,
    'CO2 equivalent emissions: 5 g, location EU, hardware A100.',
  );
  t.end();
});
