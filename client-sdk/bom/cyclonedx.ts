// The AI-BOM as CycloneDX 1.6 (default) or 1.7 JSON: the model is `metadata.component`, a
// `machine-learning-model` with its OMS root digest, its files as nested `file` components, a
// `modelCard` (parameters, metrics, limitations, safetensors and config facts as properties),
// its license, contributors and base models (`pedigree.ancestors`); its datasets and training
// configuration are `data` components it depends on. Facts from a transparency log link to the
// entry that vouches for each (`externalReferences` to `<log>/api/v1/entries/<index>`), and a
// revocation is a property `attestry:revoked` and an annotation. Plain objects, checked in the
// tests against the official schemas; the same inputs (and `now`, `serialNumber`) give the same
// document.
import { randomUUID } from 'node:crypto';
import pkg from '../../package.json' with { type: 'json' };
import {
  type BaseModelView,
  type BomView,
  bomView,
  type DatasetView,
  describeRef,
  entryUrl,
  isoSeconds,
  revocationText,
} from './bom-view.ts';
import { BomError } from './errors.ts';
import type { License } from './licenses.ts';
import type { DigestRef, LogFacts, LogReference } from './log-facts.ts';
import type { ModelFacts } from './model-facts.ts';

export type CycloneDxVersion = '1.6' | '1.7';
export const CYCLONEDX_VERSIONS: readonly CycloneDxVersion[] = ['1.6', '1.7'];

type Json = Record<string, unknown>;

export interface CycloneDxDocument {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: CycloneDxVersion;
  serialNumber: string;
  version: number;
  metadata: Json;
  components?: Json[];
  dependencies?: Json[];
  annotations?: Json[];
}

export interface CycloneDxOptions {
  /** Default 1.6. */
  specVersion?: CycloneDxVersion;
  /** The BOM's timestamp; default now. */
  now?: Date;
  /** `urn:uuid:<lowercase UUID>`; default a random one (every BOM gets its own). */
  serialNumber?: string;
}

const SERIAL_NUMBER = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function cycloneDxBom(
  model: ModelFacts,
  logFacts?: LogFacts,
  options: CycloneDxOptions = {},
): CycloneDxDocument {
  const specVersion = options.specVersion ?? '1.6';
  if (!CYCLONEDX_VERSIONS.includes(specVersion)) {
    throw new BomError(
      'invalid-option',
      `CycloneDX spec version ${specVersion} is not supported: use 1.6 or 1.7`,
    );
  }
  const serialNumber = options.serialNumber ?? `urn:uuid:${randomUUID()}`;
  if (!SERIAL_NUMBER.test(serialNumber)) {
    throw new BomError(
      'invalid-option',
      `serial number "${serialNumber}" is not urn:uuid:<lowercase UUID>`,
    );
  }
  const now = checkedDate(options.now ?? new Date());
  const view = bomView(model, logFacts);
  const modelRef = `model:sha256:${model.rootDigest}`;

  const datasets = view.datasets.map((dataset) => datasetComponent(dataset));
  const config = view.log?.lineage?.trainingConfig;
  const configComponent = config === undefined ? undefined : trainingConfigComponent(config);
  const components = [...datasets, ...(configComponent === undefined ? [] : [configComponent])];
  const adapterBases = view.baseModels
    .filter((base) => base.relation === 'adapter')
    .map((base) => baseModelRef(base));
  const dependsOn = [...components.map((component) => component['bom-ref']), ...adapterBases];

  const metadataProperties = properties([['attestry:log', view.log?.logUrl]]);
  const annotations = annotationsOf(view, modelRef);
  return {
    $schema: `http://cyclonedx.org/schema/bom-${specVersion}.schema.json`,
    bomFormat: 'CycloneDX',
    specVersion,
    serialNumber,
    version: 1,
    metadata: {
      timestamp: isoSeconds(now),
      tools: {
        components: [
          {
            type: 'application',
            'bom-ref': 'tool:attestry',
            name: 'attestry',
            version: pkg.version,
          },
        ],
      },
      component: modelComponent(view, modelRef, datasets),
      ...(metadataProperties === undefined ? {} : { properties: metadataProperties }),
    },
    ...(components.length === 0 ? {} : { components }),
    dependencies: [
      { ref: modelRef, ...(dependsOn.length === 0 ? {} : { dependsOn }) },
      ...components.map((component) => ({ ref: component['bom-ref'] })),
    ],
    ...(annotations.length === 0 ? {} : { annotations }),
  };
}

function checkedDate(date: Date): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new BomError('invalid-option', '`now` is not a valid date');
  }
  return date;
}

function modelComponent(view: BomView, modelRef: string, datasets: Json[]): Json {
  const { model, log } = view;
  const card = model.card;
  const contributors = log?.contributors ?? [];
  const authors = contributors.map((contributor) => contactOf(contributor.identity));
  const licenses = licensesOf(view.license);
  const ancestors = view.baseModels.map((base) => baseModelComponent(base));
  const relations = [...new Set(view.baseModels.flatMap((base) => base.relation ?? []))];
  const revocations = log?.revocations ?? [];
  const references = [
    ...(log?.signatures ?? []).map((signature) =>
      reference(
        'digital-signature',
        signature.ref,
        `signature (${signature.predicateType}) of this model`,
      ),
    ),
    ...(log?.lineage === undefined
      ? []
      : [reference('attestation', log.lineage.ref, 'lineage of this model')]),
    ...contributors.map((contributor) =>
      reference('attestation', contributor.ref, `contributor ${contributor.identity}`),
    ),
    ...(log?.evaluations ?? []).map((evaluation) =>
      reference(
        'attestation',
        evaluation.ref,
        `evaluation on ${benchmarkOf(evaluation.benchmark)}, ${evaluation.date}${evaluation.benchmark.uri === undefined ? '' : ` (${evaluation.benchmark.uri})`}`,
      ),
    ),
    ...revocations.map((revocation) =>
      reference('attestation', revocation.ref, 'revocation of this model'),
    ),
  ];
  const componentProperties = properties([
    ...[...new Set((log?.signatures ?? []).map((signature) => signature.ref.signer))].map(
      (signer): Property => ['attestry:signer', signer],
    ),
    ['attestry:trained-by', log?.lineage?.trainedBy],
    ...contributors.map(
      (contributor): Property => [
        'attestry:contributor',
        `${contributor.identity} (${contributor.role})`,
      ],
    ),
    ...(revocations.length === 0 ? [] : [['attestry:revoked', 'true'] as Property]),
    ...revocations.flatMap((revocation): Property[] => [
      ['attestry:revocation-reason', revocation.reason],
      ['attestry:revocation-severity', revocation.severity],
      ['attestry:revocation-issued-by', revocation.issuedBy],
      ['attestry:revocation-replacement', digestLabel(revocation.replacement)],
    ]),
  ]);
  return {
    type: 'machine-learning-model',
    'bom-ref': modelRef,
    name: model.name,
    hashes: [sha256Hash(model.rootDigest)],
    ...(authors.length === 0 ? {} : { authors }),
    ...(licenses === undefined ? {} : { licenses }),
    ...(ancestors.length === 0
      ? {}
      : {
          pedigree: {
            ancestors,
            ...(relations.length === 0
              ? {}
              : { notes: `base model relation: ${relations.join(', ')}` }),
          },
        }),
    ...(references.length === 0 ? {} : { externalReferences: references }),
    ...(model.files === undefined || model.files.length === 0
      ? {}
      : {
          components: model.files.map((file) => ({
            type: 'file',
            'bom-ref': `${modelRef}/file:${file.name}`,
            name: file.name,
            hashes: [sha256Hash(file.sha256)],
          })),
        }),
    modelCard: modelCardOf(view, datasets),
    ...(card === undefined || card.tags.length === 0 ? {} : { tags: card.tags }),
    ...(componentProperties === undefined ? {} : { properties: componentProperties }),
  };
}

function modelCardOf(view: BomView, datasets: Json[]): Json {
  const { model, log } = view;
  const card = model.card;
  const config = model.config;
  const parameters = pruned({
    task: card?.pipelineTag,
    architectureFamily: config?.modelType,
    modelArchitecture:
      config === undefined || config.architectures.length === 0
        ? undefined
        : config.architectures.join(', '),
    datasets:
      datasets.length === 0 ? undefined : datasets.map((dataset) => ({ ref: dataset['bom-ref'] })),
  });
  const metrics = [
    ...(card?.metrics ?? []).map((metric) =>
      pruned({
        type: metric.type,
        value: metric.value,
        slice:
          metric.dataset === undefined
            ? undefined
            : `${metric.dataset}${metric.split === undefined ? '' : ` (${metric.split})`}`,
      }),
    ),
    ...(log?.evaluations ?? []).flatMap((evaluation) =>
      evaluation.metrics.map((metric) => ({
        type: metric.name,
        value: metric.unit === undefined ? String(metric.value) : `${metric.value} ${metric.unit}`,
        slice: `${benchmarkOf(evaluation.benchmark)}${evaluation.dataset === undefined ? '' : ` on ${evaluation.dataset.name ?? `sha256:${evaluation.dataset.sha256}`}`}`,
      })),
    ),
  ];
  const co2 = card?.co2;
  const environment =
    co2 === undefined
      ? undefined
      : {
          properties: properties([
            ['attestry:co2-eq-emissions-grams', String(co2.grams)],
            ['attestry:co2-source', co2.source],
            ['attestry:co2-training-type', co2.trainingType],
            ['attestry:co2-geographical-location', co2.geographicalLocation],
            ['attestry:co2-hardware-used', co2.hardwareUsed],
          ]),
        };
  const considerations = pruned({
    technicalLimitations: card?.limitations === undefined ? undefined : [card.limitations],
    environmentalConsiderations: environment,
  });
  const safetensors = model.safetensors;
  const cardProperties = properties([
    ['attestry:parameter-count', safetensors && String(safetensors.parameterCount)],
    ['attestry:tensor-count', safetensors && String(safetensors.tensorCount)],
    ['attestry:dtypes', safetensors && Object.keys(safetensors.dtypes).join(', ')],
    ...Object.entries(safetensors?.dtypes ?? {}).map(
      ([dtype, count]): Property => [`attestry:parameters:${dtype}`, String(count)],
    ),
    ...(config?.hyperparameters ?? []).map(
      ([name, value]): Property => [`attestry:config:${name}`, String(value)],
    ),
    ['attestry:library', card?.libraryName],
    ...(card?.languages ?? []).map((language): Property => ['attestry:language', language]),
  ]);
  return pruned({
    modelParameters: Object.keys(parameters).length === 0 ? undefined : parameters,
    quantitativeAnalysis: metrics.length === 0 ? undefined : { performanceMetrics: metrics },
    considerations: Object.keys(considerations).length === 0 ? undefined : considerations,
    properties: cardProperties,
  });
}

function datasetRef(dataset: DatasetView): string {
  return dataset.sha256 === undefined
    ? `dataset:${dataset.name}`
    : `dataset:sha256:${dataset.sha256}`;
}

function datasetComponent(dataset: DatasetView): Json {
  const fact = dataset.attestation;
  const personal = fact?.personalData;
  const licenses = licensesOf(dataset.license);
  const description = [
    fact?.collection === undefined ? undefined : `Collection: ${fact.collection}`,
    fact?.preprocessing === undefined ? undefined : `Preprocessing: ${fact.preprocessing}`,
    fact?.limitations === undefined ? undefined : `Limitations: ${fact.limitations}`,
  ].filter((line) => line !== undefined);
  const references = [
    ...(fact?.sources ?? []).map((source) => ({
      type: 'other',
      url: source.uri,
      comment: source.description === undefined ? 'source' : `source: ${source.description}`,
    })),
    ...(fact === undefined ? [] : [reference('attestation', fact.ref, 'dataset attestation')]),
  ];
  const componentProperties = properties([
    ...dataset.uses.map((use): Property => ['attestry:dataset-use', use]),
    ['attestry:collection', fact?.collection],
    ['attestry:preprocessing', fact?.preprocessing],
    ['attestry:limitations', fact?.limitations],
    ['attestry:personal-data', personal && (personal.present ? 'present' : 'absent')],
    ['attestry:personal-data-statement', personal?.statement],
    ['attestry:consent', personal?.consent],
    ['attestry:log-url', fact?.ref.logUrl],
    ['attestry:log-index', fact && String(fact.ref.logIndex)],
    ['attestry:integrated-time', fact && isoSeconds(new Date(fact.ref.integratedTime * 1000))],
    ['attestry:signer', fact?.ref.signer],
  ]);
  const firstSource = fact?.sources?.[0]?.uri;
  return {
    type: 'data',
    'bom-ref': datasetRef(dataset),
    name: dataset.name,
    ...(dataset.version === undefined ? {} : { version: dataset.version }),
    ...(dataset.sha256 === undefined ? {} : { hashes: [sha256Hash(dataset.sha256)] }),
    ...(licenses === undefined ? {} : { licenses }),
    ...(references.length === 0 ? {} : { externalReferences: references }),
    data: [
      pruned({
        type: 'dataset',
        name: dataset.name,
        contents: firstSource === undefined ? undefined : { url: firstSource },
        sensitiveData: personal?.present
          ? [personal.statement ?? 'personal data is present']
          : undefined,
        description: description.length === 0 ? undefined : description.join('\n'),
      }),
    ],
    ...(componentProperties === undefined ? {} : { properties: componentProperties }),
  };
}

function trainingConfigComponent(config: DigestRef): Json {
  const name = config.name ?? 'training configuration';
  return {
    type: 'data',
    'bom-ref': `training-config:sha256:${config.sha256}`,
    name,
    hashes: [sha256Hash(config.sha256)],
    data: [{ type: 'configuration', name }],
    properties: [{ name: 'attestry:role', value: 'training configuration' }],
  };
}

function baseModelRef(base: BaseModelView): string {
  return base.sha256 === undefined ? `base-model:${base.name}` : `base-model:sha256:${base.sha256}`;
}

function baseModelComponent(base: BaseModelView): Json {
  const baseProperties = properties([['attestry:base-model-relation', base.relation]]);
  return {
    type: 'machine-learning-model',
    'bom-ref': baseModelRef(base),
    name: base.name,
    ...(base.sha256 === undefined ? {} : { hashes: [sha256Hash(base.sha256)] }),
    ...(base.ref === undefined
      ? {}
      : {
          externalReferences: [
            reference('attestation', base.ref, 'lineage naming this base model'),
          ],
        }),
    ...(baseProperties === undefined ? {} : { properties: baseProperties }),
  };
}

function annotationsOf(view: BomView, modelRef: string): Json[] {
  const log = view.log;
  const annotation = (ref: LogReference, author: string, text: string) => ({
    subjects: [modelRef],
    annotator: { individual: contactOf(author) },
    timestamp: isoSeconds(new Date(ref.integratedTime * 1000)),
    text: `${text} (${describeRef(ref)})`,
  });
  return [
    ...(log?.contributors ?? []).map((contributor) =>
      annotation(
        contributor.ref,
        contributor.ref.signer,
        [
          `${contributor.identity} is ${contributor.role} of this model`,
          contributor.affiliation === undefined
            ? ''
            : `, affiliated with ${contributor.affiliation}`,
          contributor.names === undefined || contributor.names.length === 0
            ? ''
            : `, publishing under ${contributor.names.join(', ')}`,
          contributor.validFrom === undefined ? '' : `, from ${contributor.validFrom}`,
          contributor.validUntil === undefined ? '' : `, until ${contributor.validUntil}`,
        ].join(''),
      ),
    ),
    ...(log?.revocations ?? []).map((revocation) =>
      annotation(
        revocation.ref,
        revocation.issuedBy ?? revocation.ref.signer,
        revocationText(revocation, false),
      ),
    ),
  ];
}

function reference(type: string, ref: LogReference, what: string): Json {
  return { type, url: entryUrl(ref), comment: `${what}: ${describeRef(ref)}` };
}

function licensesOf(license: License | undefined): Json[] | undefined {
  if (license === undefined) return undefined;
  if (license.expression !== undefined) return [{ expression: license.expression }];
  const url = license.url === undefined ? {} : { url: license.url };
  return [
    {
      license:
        license.id === undefined ? { name: license.name, ...url } : { id: license.id, ...url },
    },
  ];
}

/** An organizational contact: an e-mail address as `email` too. */
function contactOf(identity: string): Json {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(identity)
    ? { name: identity, email: identity }
    : { name: identity };
}

function sha256Hash(hex: string): Json {
  return { alg: 'SHA-256', content: hex };
}

function benchmarkOf(benchmark: { name: string; version?: string }): string {
  return benchmark.version === undefined
    ? benchmark.name
    : `${benchmark.name} ${benchmark.version}`;
}

function digestLabel(ref: DigestRef | undefined): string | undefined {
  if (ref === undefined) return undefined;
  return ref.name === undefined ? `sha256:${ref.sha256}` : `${ref.name} (sha256:${ref.sha256})`;
}

type Property = [name: string, value: string | undefined];

/** CycloneDX properties, those without a value left out; undefined when none is left. */
function properties(entries: Property[]): Json[] | undefined {
  const kept = entries
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ({ name, value }));
  return kept.length === 0 ? undefined : kept;
}

/** The object without its undefined fields. */
function pruned(object: Json): Json {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}
