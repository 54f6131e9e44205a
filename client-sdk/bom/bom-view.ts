// The model's surroundings, merged from the model card and the log's facts, as both writers show
// them: its datasets (each once, by digest, else by name) with how the model used them, its base
// models, and its license. Order follows the inputs, so the same inputs give the same BOM.

import { type License, licenseOf } from './licenses.ts';
import type { DatasetFact, LogFacts, LogReference, RevocationFact } from './log-facts.ts';
import type { ModelFacts } from './model-facts.ts';

/** How a model relates to a dataset, as SPDX names it. */
export type DatasetRelation = 'trainedOn' | 'testedOn';

export interface DatasetView {
  name: string;
  sha256?: string;
  version?: string;
  /** The uses recorded (card: training; lineage and attestation: as written; evaluations). */
  uses: string[];
  /** The dataset's own attestation, when the log holds one. */
  attestation?: DatasetFact;
  license?: License;
}

export interface BaseModelView {
  name: string;
  sha256?: string;
  /** `adapter`, `merge`, `quantized`, `finetune` (the card's base_model_relation). */
  relation?: string;
  /** The lineage entry naming it. */
  ref?: LogReference;
}

export interface BomView {
  model: ModelFacts;
  log?: LogFacts;
  license?: License;
  datasets: DatasetView[];
  baseModels: BaseModelView[];
}

/** `trainedOn` unless every use recorded is a kind of testing. */
export function relationOf(dataset: DatasetView): DatasetRelation[] {
  const kinds = new Set(
    dataset.uses.map((use) => (/test|eval|valid|bench/i.test(use) ? 'testedOn' : 'trainedOn')),
  );
  if (kinds.size === 0) kinds.add('trainedOn');
  return (['trainedOn', 'testedOn'] as const).filter((kind) => kinds.has(kind));
}

export function bomView(model: ModelFacts, log?: LogFacts): BomView {
  const card = model.card;
  // The card names datasets (Hub ids); the log names them by digest, and by name when it knows
  // one, which joins them to the card's.
  const datasets: DatasetView[] = (card?.datasets ?? []).map((name) => ({
    name,
    uses: ['training'],
  }));
  const add = (name: string | undefined, sha256: string, use: string | undefined) => {
    let dataset =
      datasets.find((d) => d.sha256 === sha256) ??
      datasets.find((d) => d.sha256 === undefined && name !== undefined && d.name === name);
    if (dataset === undefined) {
      dataset = { name: name ?? `sha256:${sha256}`, uses: [] };
      datasets.push(dataset);
    }
    dataset.sha256 = sha256;
    if (use !== undefined && !dataset.uses.includes(use)) dataset.uses.push(use);
    return dataset;
  };

  for (const ref of log?.lineage?.datasets ?? []) add(ref.name, ref.sha256, ref.use);
  for (const fact of log?.datasets ?? []) {
    const dataset = add(fact.name, fact.sha256, fact.use);
    dataset.name = fact.name;
    dataset.attestation = fact;
    if (fact.version !== undefined) dataset.version = fact.version;
    const license = licenseOf(fact.license);
    if (license !== undefined) dataset.license = license;
  }
  for (const evaluation of log?.evaluations ?? []) {
    if (evaluation.dataset !== undefined) {
      add(evaluation.dataset.name, evaluation.dataset.sha256, 'evaluation');
    }
  }

  const baseModels: BaseModelView[] = (card?.baseModels ?? []).map((name) => ({
    name,
    ...(card?.baseModelRelation === undefined ? {} : { relation: card.baseModelRelation }),
  }));
  const lineage = log?.lineage;
  if (lineage?.baseModel !== undefined) {
    const { name, sha256 } = lineage.baseModel;
    const known =
      baseModels.find((base) => name !== undefined && base.name === name) ??
      (baseModels.length === 1 && name === undefined ? baseModels[0] : undefined);
    if (known === undefined) {
      baseModels.push({ name: name ?? `sha256:${sha256}`, sha256, ref: lineage.ref });
    } else {
      known.sha256 = sha256;
      known.ref = lineage.ref;
    }
  }

  const license = licenseOf(card?.license, card?.licenseName, card?.licenseLink);
  return {
    model,
    ...(log === undefined ? {} : { log }),
    ...(license === undefined ? {} : { license }),
    datasets,
    baseModels,
  };
}

/** The log's HTTP address of an entry: `GET <log>/api/v1/entries/<index>`. */
export function entryUrl(ref: LogReference): string {
  return `${ref.logUrl.replace(/\/+$/, '')}/api/v1/entries/${ref.logIndex}`;
}

/** One line naming the entry and what proves it, for comments and annotations. */
export function describeRef(ref: LogReference): string {
  const { origin, size, rootHash } = ref.checkpoint;
  return `log ${ref.logUrl} index ${ref.logIndex}, integrated ${isoSeconds(new Date(ref.integratedTime * 1000))}, signed by ${ref.signer}, included in checkpoint ${origin} size ${size} root ${rootHash}`;
}

/** `YYYY-MM-DDTHH:MM:SSZ`: the one form SPDX 3 takes, and valid CycloneDX too. */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** What a revocation says, in one line: severity, reason, replacement, issuer, and its entry. */
export function revocationText(revocation: RevocationFact, withRef = true): string {
  const { replacement } = revocation;
  return [
    `REVOKED (severity ${revocation.severity}): ${revocation.reason}`,
    replacement === undefined
      ? undefined
      : `replaced by ${replacement.name === undefined ? '' : `${replacement.name} `}(sha256:${replacement.sha256})`,
    revocation.issuedBy === undefined ? undefined : `issued by ${revocation.issuedBy}`,
    withRef ? describeRef(revocation.ref) : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(' — ');
}
