// Every AI-BOM attestry writes is valid against the official schemas: CycloneDX 1.6 and 1.7
// (draft-07) and SPDX 3.0.1 (draft 2020-12), from ../shared/vectors. For a directory alone, a
// directory with every kind of log fact, and a model known from the log alone (digest and name).
import t from 'tap';
import { cycloneDxBom, type ModelFacts, modelFacts, spdxBom } from '../client-sdk/bom/index.ts';
import { buildBomModel, FULL_LOG_FACTS } from './fixtures/bom-model.ts';
import { cycloneDxValidator, errorsOf, readVector, spdxValidator } from './support/bom-schemas.ts';
import { tempDir } from './support/temp-log.ts';

// Compiling the SPDX schema takes a while on a busy machine.
t.setTimeout(120_000);
const dir = tempDir(t, 'attestry-bom-schemas-');
const NOW = new Date('2026-03-01T12:00:00Z');
const SERIAL = 'urn:uuid:0b7a3f52-7a64-4b5e-9d0c-1f2e3d4c5b6a';
const LOG_ONLY: ModelFacts = { name: 'acme/tiny-llama', rootDigest: '1'.repeat(64) };

t.test('the validators are live: official examples pass, broken documents fail', (t) => {
  for (const version of ['1.6', '1.7'] as const) {
    const validate = cycloneDxValidator(version);
    const example = readVector(`cyclonedx/examples/valid-machine-learning-${version}.json`);
    t.ok(validate(example), `${version} example: ${errorsOf(validate)}`);
    example.components[0].type = 'model';
    t.notOk(validate(example), `${version}: an unknown component type is refused`);
    const ours = cycloneDxBom(LOG_ONLY, FULL_LOG_FACTS, { specVersion: version, now: NOW });
    (ours.metadata.component as { modelCard: unknown }).modelCard = {
      modelParameters: { task: 3 },
    };
    t.notOk(validate(ours), `${version}: a bad model card is refused`);
  }
  const validate = spdxValidator();
  t.ok(validate(readVector('spdx/example-ai-dataset-minimal.spdx3.json')), errorsOf(validate));
  t.ok(validate(readVector('spdx/example-package_sbom.json')), errorsOf(validate));
  const ours = spdxBom(LOG_ONLY, FULL_LOG_FACTS, { now: NOW });
  const relationship = ours['@graph'].find((element) => element.type === 'Relationship');
  if (relationship !== undefined) relationship.relationshipType = 'derivedFrom';
  t.notOk(validate(ours), 'an unknown relationship type is refused');
  const dataset = spdxBom(LOG_ONLY, FULL_LOG_FACTS, { now: NOW })['@graph'].find(
    (element) => element.type === 'dataset_DatasetPackage',
  );
  if (dataset !== undefined) {
    delete dataset.dataset_datasetType;
    t.notOk(
      validate({
        '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld',
        '@graph': [dataset],
      }),
      'a dataset without a type is refused',
    );
  }
  t.end();
});

t.test('every document validates', async (t) => {
  const model = await modelFacts(buildBomModel(dir));
  const cases: [string, ModelFacts, typeof FULL_LOG_FACTS | undefined][] = [
    ['a directory alone', model, undefined],
    ['a directory with every kind of log fact', model, FULL_LOG_FACTS],
    ['a model known from the log alone', LOG_ONLY, FULL_LOG_FACTS],
    ['a model known by digest alone, no log facts', LOG_ONLY, undefined],
  ];
  for (const [label, facts, logFacts] of cases) {
    for (const version of ['1.6', '1.7'] as const) {
      const validate = cycloneDxValidator(version);
      const bom = cycloneDxBom(facts, logFacts, {
        specVersion: version,
        now: NOW,
        serialNumber: SERIAL,
      });
      t.ok(validate(bom), `CycloneDX ${version}, ${label}: ${errorsOf(validate)}`);
    }
    const validate = spdxValidator();
    const bom = spdxBom(facts, logFacts, { now: NOW, serialNumber: SERIAL });
    t.ok(validate(bom), `SPDX 3.0.1, ${label}: ${errorsOf(validate)}`);
  }
});

t.test('every bom-ref and spdxId is unique, and every reference resolves', async (t) => {
  const model = await modelFacts(buildBomModel(dir, 'unique'));
  const cdx = cycloneDxBom(model, FULL_LOG_FACTS, { now: NOW, serialNumber: SERIAL });
  const refs: string[] = [];
  const pointers: string[] = [];
  const walk = (value: unknown, key?: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    } else if (typeof value === 'string') {
      if (key === 'bom-ref') refs.push(value);
      if (key === 'ref' || key === 'dependsOn' || key === 'subjects') pointers.push(value);
    }
  };
  walk(cdx);
  t.equal(new Set(refs).size, refs.length, 'bom-refs are unique');
  t.same(
    pointers.filter((pointer) => !refs.includes(pointer)),
    [],
    'dependencies, dataset refs and annotation subjects name bom-refs',
  );

  const spdx = spdxBom(model, FULL_LOG_FACTS, { now: NOW, serialNumber: SERIAL });
  const graph = spdx['@graph'] as Record<string, unknown>[];
  const ids = graph.flatMap((element) =>
    typeof element.spdxId === 'string' ? [element.spdxId] : [],
  );
  t.equal(new Set(ids).size, ids.length, 'spdxIds are unique');
  const named = graph.flatMap((element) => [
    ...(typeof element.from === 'string' ? [element.from] : []),
    ...(Array.isArray(element.to) ? element.to : []),
    ...(typeof element.subject === 'string' ? [element.subject] : []),
    ...(Array.isArray(element.originatedBy) ? element.originatedBy : []),
    ...(Array.isArray(element.createdBy) ? element.createdBy : []),
    ...(Array.isArray(element.element) ? element.element : []),
  ]);
  t.same(
    named.filter(
      (id) =>
        !ids.includes(id) && id !== 'https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement',
    ),
    [],
    'relationships, annotations and the document name elements of the graph',
  );
});
