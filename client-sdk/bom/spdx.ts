// The AI-BOM as SPDX 3.0.1 JSON-LD: an `ai_AIPackage` for the model (OMS root digest in
// `verifiedUsing`, config and safetensors facts as `ai_hyperparameter`, metrics as `ai_metric`),
// `software_File`s it `contains`, `dataset_DatasetPackage`s it was `trainedOn` or `testedOn`, base
// models it is a `descendantOf`, its declared licenses, and facts from a transparency log: each
// element a log entry vouches for has an `externalRef` to `<log>/api/v1/entries/<index>` (its
// comment names the checkpoint), contributors are Persons or Agents with an Annotation giving
// their role, and a revocation is an Annotation and the model's `validUntilTime`. Unknown
// suppliers and origins are the spec's NoAssertionElement, never invented. The same inputs (and
// `now`, `namespace`) give the same document.
import { randomUUID } from 'node:crypto';
import pkg from '../../package.json' with { type: 'json' };
import {
  type BomView,
  bomView,
  type DatasetView,
  describeRef,
  entryUrl,
  isoSeconds,
  relationOf,
  revocationText,
} from './bom-view.ts';
import { BomError } from './errors.ts';
import { type License, spdxExpressionOf } from './licenses.ts';
import type { DigestRef, LogFacts, LogReference } from './log-facts.ts';
import type { ModelFacts } from './model-facts.ts';

export const SPDX_CONTEXT = 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld';
export const SPDX_VERSION = '3.0.1';
/** The individual that says "no assertion" where an Element is expected. */
export const NO_ASSERTION_ELEMENT = 'https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement';

const CREATION_INFO = '_:creationinfo';

type Json = Record<string, unknown>;

export interface SpdxDocument {
  '@context': typeof SPDX_CONTEXT;
  '@graph': Json[];
}

export interface SpdxOptions {
  /** The document's creation time; default now. */
  now?: Date;
  /**
   * The prefix of every spdxId, an IRI ending in `#` or `/` (e.g. `https://example.org/bom/1/`);
   * default `<serialNumber>#`.
   */
  namespace?: string;
  /** `urn:uuid:<UUID>`, the default namespace's base; default a random one. */
  serialNumber?: string;
}

export function spdxBom(
  model: ModelFacts,
  logFacts?: LogFacts,
  options: SpdxOptions = {},
): SpdxDocument {
  const now = options.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new BomError('invalid-option', '`now` is not a valid date');
  }
  const ns = options.namespace ?? `${options.serialNumber ?? `urn:uuid:${randomUUID()}`}#`;
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S*[#/:]$/.test(ns) || ns.startsWith('_:')) {
    throw new BomError(
      'invalid-option',
      `namespace "${ns}" is not an IRI ending in "#", "/" or ":"`,
    );
  }
  return new SpdxWriter(bomView(model, logFacts), ns).document(now);
}

class SpdxWriter {
  private readonly view: BomView;
  private readonly ns: string;
  private readonly elements: Json[] = [];
  private readonly relationships: Json[] = [];
  private readonly annotations: Json[] = [];
  private readonly licenses = new Map<string, string>();
  private readonly agents = new Map<string, Json>();
  private readonly modelId: string;

  constructor(view: BomView, ns: string) {
    this.view = view;
    this.ns = ns;
    this.modelId = `${ns}model`;
  }

  document(now: Date): SpdxDocument {
    const { view, ns } = this;
    const creator = `${ns}agent/attestry`;
    const creatorElement = {
      type: 'SoftwareAgent',
      spdxId: creator,
      creationInfo: CREATION_INFO,
      name: `attestry ${pkg.version}`,
    };
    this.modelPackage();
    this.files();
    this.datasets();
    this.baseModels();
    this.trainingConfig();
    this.contributors();
    this.revocations();

    const members = [creatorElement, ...this.elements, ...this.relationships, ...this.annotations];
    const profiles = [
      'core',
      'software',
      'ai',
      ...(view.datasets.length === 0 ? [] : ['dataset']),
      ...(this.licenses.size === 0 ? [] : ['simpleLicensing']),
    ];
    return {
      '@context': SPDX_CONTEXT,
      '@graph': [
        {
          type: 'CreationInfo',
          '@id': CREATION_INFO,
          specVersion: SPDX_VERSION,
          created: isoSeconds(now),
          createdBy: [creator],
        },
        {
          type: 'SpdxDocument',
          spdxId: `${ns}document`,
          creationInfo: CREATION_INFO,
          name: `AI-BOM of ${view.model.name}`,
          ...(view.log === undefined
            ? {}
            : { comment: `Includes facts from the transparency log ${view.log.logUrl}.` }),
          profileConformance: profiles,
          rootElement: [this.modelId],
          element: members.map((member) => member.spdxId),
        },
        ...members,
      ],
    };
  }

  private modelPackage(): void {
    const { model, log } = this.view;
    const card = model.card;
    const config = model.config;
    const safetensors = model.safetensors;
    const hyperparameters = entries([
      ['parameter_count', safetensors && String(safetensors.parameterCount)],
      ['tensor_count', safetensors && String(safetensors.tensorCount)],
      ['dtypes', safetensors && Object.keys(safetensors.dtypes).join(', ')],
      ...Object.entries(safetensors?.dtypes ?? {}).map(
        ([dtype, count]): Entry => [`parameters_${dtype}`, String(count)],
      ),
      ['model_type', config?.modelType],
      [
        'architectures',
        config === undefined || config.architectures.length === 0
          ? undefined
          : config.architectures.join(', '),
      ],
      ...(config?.hyperparameters ?? []).map(([name, value]): Entry => [name, String(value)]),
    ]);
    const metrics = entries([
      ...(card?.metrics ?? []).map(
        (metric): Entry => [
          metric.dataset === undefined
            ? metric.type
            : `${metric.type} (${metric.dataset}${metric.split === undefined ? '' : ` ${metric.split}`})`,
          metric.value,
        ],
      ),
      ...(log?.evaluations ?? []).flatMap((evaluation) =>
        evaluation.metrics.map(
          (metric): Entry => [
            `${metric.name} (${evaluation.benchmark.name}${evaluation.benchmark.version === undefined ? '' : ` ${evaluation.benchmark.version}`}${evaluation.dataset === undefined ? '' : ` on ${datasetLabel(evaluation.dataset)}`})`,
            metric.unit === undefined ? String(metric.value) : `${metric.value} ${metric.unit}`,
          ],
        ),
      ),
    ]);
    const application = [
      card?.pipelineTag === undefined ? undefined : `Task: ${card.pipelineTag}.`,
      card?.libraryName === undefined ? undefined : `Library: ${card.libraryName}.`,
      card === undefined || card.languages.length === 0
        ? undefined
        : `Languages: ${card.languages.join(', ')}.`,
      card === undefined || card.tags.length === 0 ? undefined : `Tags: ${card.tags.join(', ')}.`,
    ].filter((line) => line !== undefined);
    const co2 = card?.co2;
    const training = [
      log?.lineage?.trainedBy === undefined ? undefined : `Trained by ${log.lineage.trainedBy}.`,
      co2 === undefined
        ? undefined
        : `CO2 equivalent emissions: ${co2.grams} g${[
            co2.trainingType && `training type ${co2.trainingType}`,
            co2.geographicalLocation && `location ${co2.geographicalLocation}`,
            co2.hardwareUsed && `hardware ${co2.hardwareUsed}`,
            co2.source && `source ${co2.source}`,
          ]
            .filter(Boolean)
            .map((part) => `, ${part}`)
            .join('')}.`,
    ].filter((line) => line !== undefined);
    const revocationTimes = (log?.revocations ?? []).map(
      (revocation) => revocation.ref.integratedTime,
    );
    const trainer = log?.lineage?.trainedBy;
    const personalData = this.view.datasets.some(
      (dataset) =>
        dataset.attestation?.personalData?.present === true &&
        relationOf(dataset).includes('trainedOn'),
    );
    const references = [
      ...(log?.signatures ?? []).map((signature) =>
        externalRef('other', signature.ref, `signature (${signature.predicateType}) of this model`),
      ),
      ...(log?.lineage === undefined
        ? []
        : [externalRef('other', log.lineage.ref, 'lineage of this model')]),
      ...(log?.evaluations ?? []).map((evaluation) =>
        externalRef(
          'metrics',
          evaluation.ref,
          `evaluation on ${evaluation.benchmark.name}${evaluation.benchmark.version === undefined ? '' : ` ${evaluation.benchmark.version}`}, ${evaluation.date}${evaluation.benchmark.uri === undefined ? '' : ` (${evaluation.benchmark.uri})`}`,
        ),
      ),
      ...(log?.revocations ?? []).map((revocation) =>
        externalRef('other', revocation.ref, 'revocation of this model'),
      ),
    ];
    this.elements.push(
      pruned({
        type: 'ai_AIPackage',
        spdxId: this.modelId,
        creationInfo: CREATION_INFO,
        name: model.name,
        verifiedUsing: [sha256Hash(model.rootDigest)],
        externalRef: references.length === 0 ? undefined : references,
        suppliedBy: NO_ASSERTION_ELEMENT,
        originatedBy: trainer === undefined ? undefined : [this.agentId(trainer)],
        validUntilTime:
          revocationTimes.length === 0
            ? undefined
            : isoSeconds(new Date(Math.min(...revocationTimes) * 1000)),
        software_primaryPurpose: 'model',
        ai_domain: card?.pipelineTag === undefined ? undefined : [card.pipelineTag],
        ai_hyperparameter: hyperparameters,
        ai_informationAboutApplication:
          application.length === 0 ? undefined : application.join(' '),
        ai_informationAboutTraining: training.length === 0 ? undefined : training.join(' '),
        ai_limitation: card?.limitations,
        ai_metric: metrics,
        // Only "yes" can be told: a dataset trained on that holds personal data.
        ai_useSensitivePersonalInformation: personalData ? 'yes' : undefined,
      }),
    );
    if (trainer !== undefined) this.agent(trainer);
    this.declareLicense(this.modelId, this.view.license);
  }

  private files(): void {
    const files = this.view.model.files ?? [];
    if (files.length === 0) return;
    const ids = files.map((file) => {
      const spdxId = `${this.ns}file/${encodeURIComponent(file.name)}`;
      const purpose = filePurpose(file.name);
      this.elements.push({
        type: 'software_File',
        spdxId,
        creationInfo: CREATION_INFO,
        name: file.name,
        verifiedUsing: [sha256Hash(file.sha256)],
        ...(purpose === undefined ? {} : { software_primaryPurpose: purpose }),
      });
      return spdxId;
    });
    this.relate(this.modelId, 'contains', ids, { completeness: 'complete' });
  }

  private datasets(): void {
    const byRelation = new Map<string, string[]>();
    for (const dataset of this.view.datasets) {
      const spdxId = this.datasetPackage(dataset);
      for (const relation of relationOf(dataset)) {
        byRelation.set(relation, [...(byRelation.get(relation) ?? []), spdxId]);
      }
    }
    for (const [relation, ids] of byRelation) this.relate(this.modelId, relation, ids);
  }

  private datasetPackage(dataset: DatasetView): string {
    const fact = dataset.attestation;
    const personal = fact?.personalData;
    const spdxId =
      dataset.sha256 === undefined
        ? `${this.ns}dataset/${encodeURIComponent(dataset.name)}`
        : `${this.ns}dataset/sha256:${dataset.sha256}`;
    const comment = [
      dataset.uses.length === 0 ? undefined : `Used for: ${dataset.uses.join(', ')}.`,
      fact?.limitations === undefined ? undefined : `Limitations: ${fact.limitations}`,
      personal?.statement === undefined ? undefined : `Personal data: ${personal.statement}`,
      personal?.consent === undefined ? undefined : `Consent: ${personal.consent}`,
    ].filter((line) => line !== undefined);
    const references = [
      ...(fact?.sources ?? []).map((source) => ({
        type: 'ExternalRef',
        externalRefType: 'other',
        locator: [source.uri],
        comment: source.description === undefined ? 'source' : `source: ${source.description}`,
      })),
      ...(fact === undefined ? [] : [externalRef('other', fact.ref, 'dataset attestation')]),
    ];
    this.elements.push(
      pruned({
        type: 'dataset_DatasetPackage',
        spdxId,
        creationInfo: CREATION_INFO,
        name: dataset.name,
        comment: comment.length === 0 ? undefined : comment.join('\n'),
        verifiedUsing: dataset.sha256 === undefined ? undefined : [sha256Hash(dataset.sha256)],
        externalRef: references.length === 0 ? undefined : references,
        originatedBy: [NO_ASSERTION_ELEMENT],
        software_packageVersion: dataset.version,
        software_primaryPurpose: 'data',
        dataset_dataCollectionProcess: fact?.collection,
        dataset_dataPreprocessing:
          fact?.preprocessing === undefined ? undefined : [fact.preprocessing],
        dataset_datasetType: ['noAssertion'],
        dataset_hasSensitivePersonalInformation:
          personal === undefined ? undefined : personal.present ? 'yes' : 'no',
      }),
    );
    this.declareLicense(spdxId, dataset.license);
    return spdxId;
  }

  private baseModels(): void {
    const bases = this.view.baseModels;
    if (bases.length === 0) return;
    const ids = bases.map((base) => {
      const spdxId =
        base.sha256 === undefined
          ? `${this.ns}base-model/${encodeURIComponent(base.name)}`
          : `${this.ns}base-model/sha256:${base.sha256}`;
      this.elements.push(
        pruned({
          type: 'ai_AIPackage',
          spdxId,
          creationInfo: CREATION_INFO,
          name: base.name,
          verifiedUsing: base.sha256 === undefined ? undefined : [sha256Hash(base.sha256)],
          externalRef:
            base.ref === undefined
              ? undefined
              : [externalRef('other', base.ref, 'lineage naming this base model')],
          suppliedBy: NO_ASSERTION_ELEMENT,
          software_primaryPurpose: 'model',
        }),
      );
      return spdxId;
    });
    const relations = [...new Set(bases.flatMap((base) => base.relation ?? []))];
    this.relate(this.modelId, 'descendantOf', ids, {
      ...(relations.length === 0
        ? {}
        : { comment: `base model relation: ${relations.join(', ')}` }),
    });
  }

  private trainingConfig(): void {
    const config = this.view.log?.lineage?.trainingConfig;
    if (config === undefined) return;
    const spdxId = `${this.ns}training-config/sha256:${config.sha256}`;
    this.elements.push({
      type: 'software_File',
      spdxId,
      creationInfo: CREATION_INFO,
      name: config.name ?? 'training configuration',
      verifiedUsing: [sha256Hash(config.sha256)],
      software_primaryPurpose: 'configuration',
    });
    // A configuration applied to the model while it was built (trained).
    this.relationships.push({
      type: 'LifecycleScopedRelationship',
      spdxId: `${this.ns}relationship/${this.relationships.length + 1}`,
      creationInfo: CREATION_INFO,
      from: spdxId,
      relationshipType: 'configures',
      to: [this.modelId],
      scope: 'build',
    });
  }

  private contributors(): void {
    for (const contributor of this.view.log?.contributors ?? []) {
      const agent = this.agent(contributor.identity, contributor.ref);
      const details = [
        contributor.affiliation === undefined ? '' : `, affiliated with ${contributor.affiliation}`,
        contributor.names === undefined || contributor.names.length === 0
          ? ''
          : `, publishing under ${contributor.names.join(', ')}`,
        contributor.validFrom === undefined ? '' : `, from ${contributor.validFrom}`,
        contributor.validUntil === undefined ? '' : `, until ${contributor.validUntil}`,
      ].join('');
      this.annotate(
        `${contributor.identity} (${agent}) is ${contributor.role} of this model${details} (${describeRef(contributor.ref)})`,
      );
    }
  }

  private revocations(): void {
    for (const revocation of this.view.log?.revocations ?? []) {
      this.annotate(revocationText(revocation));
    }
  }

  private agentId(identity: string): string {
    return `${this.ns}agent/${encodeURIComponent(identity)}`;
  }

  /**
   * The Person (an e-mail address) or Agent of an identity, made once; its spdxId. `ref`, the
   * entry attesting it, is linked from it.
   */
  private agent(identity: string, ref?: LogReference): string {
    let element = this.agents.get(identity);
    if (element === undefined) {
      const email = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(identity);
      element = {
        type: email ? 'Person' : 'Agent',
        spdxId: this.agentId(identity),
        creationInfo: CREATION_INFO,
        name: identity,
        ...(email
          ? {
              externalIdentifier: [
                {
                  type: 'ExternalIdentifier',
                  externalIdentifierType: 'email',
                  identifier: identity,
                },
              ],
            }
          : {}),
      };
      this.elements.push(element);
      this.agents.set(identity, element);
    }
    if (ref !== undefined) {
      const references = (element.externalRef as Json[] | undefined) ?? [];
      element.externalRef = [...references, externalRef('other', ref, 'contributor attestation')];
    }
    return element.spdxId as string;
  }

  private declareLicense(from: string, license: License | undefined): void {
    if (license === undefined) return;
    const expression = spdxExpressionOf(license);
    let spdxId = this.licenses.get(expression);
    if (spdxId === undefined) {
      spdxId = `${this.ns}license/${this.licenses.size + 1}`;
      this.licenses.set(expression, spdxId);
      const custom = expression.startsWith('LicenseRef-') && license.url !== undefined;
      this.elements.push({
        type: 'simplelicensing_LicenseExpression',
        spdxId,
        creationInfo: CREATION_INFO,
        ...(license.name === undefined ? {} : { name: license.name }),
        simplelicensing_licenseExpression: expression,
        ...(custom
          ? {
              simplelicensing_customIdToUri: [
                { type: 'DictionaryEntry', key: expression, value: license.url },
              ],
            }
          : {}),
      });
    }
    this.relate(from, 'hasDeclaredLicense', [spdxId]);
  }

  private relate(from: string, relationshipType: string, to: string[], extra: Json = {}): void {
    this.relationships.push({
      type: 'Relationship',
      spdxId: `${this.ns}relationship/${this.relationships.length + 1}`,
      creationInfo: CREATION_INFO,
      from,
      relationshipType,
      to,
      ...extra,
    });
  }

  private annotate(statement: string): void {
    this.annotations.push({
      type: 'Annotation',
      spdxId: `${this.ns}annotation/${this.annotations.length + 1}`,
      creationInfo: CREATION_INFO,
      annotationType: 'other',
      subject: this.modelId,
      statement,
    });
  }
}

function externalRef(type: string, ref: LogReference, what: string): Json {
  return {
    type: 'ExternalRef',
    externalRefType: type,
    locator: [entryUrl(ref)],
    contentType: 'application/json',
    comment: `${what}: ${describeRef(ref)}`,
  };
}

function sha256Hash(hex: string): Json {
  return { type: 'Hash', algorithm: 'sha256', hashValue: hex };
}

function filePurpose(name: string): string | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  if (/\.(safetensors|gguf|onnx|bin|pt|pth|ckpt|h5|tflite|mlmodel|keras)$/.test(base)) {
    return 'model';
  }
  if (/config\.json$|\.ya?ml$/.test(base)) return 'configuration';
  if (base === 'readme.md') return 'documentation';
  return undefined;
}

function datasetLabel(ref: DigestRef): string {
  return ref.name ?? `sha256:${ref.sha256}`;
}

type Entry = [key: string, value: string | undefined];

/** DictionaryEntry values, those without a value left out; undefined when none is left. */
function entries(list: Entry[]): Json[] | undefined {
  const kept = list
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ({ type: 'DictionaryEntry', key, value }));
  return kept.length === 0 ? undefined : kept;
}

function pruned(object: Json): Json {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}
