// The five attestry predicate types for the AI supply chain and the TypeScript shape of each
// predicate. Their JSON Schemas (schemas/predicates/attestry-<name>-v1.json) are what the log and
// this SDK check; the AI-BOM (client-sdk/bom/log-facts.ts) reads the same fields back.

import {
  CONTRIBUTOR_PREDICATE_TYPE,
  DATASET_PREDICATE_TYPE,
  EVALUATION_PREDICATE_TYPE,
  LINEAGE_PREDICATE_TYPE,
  REVOCATION_PREDICATE_TYPE,
} from '../../server/entries/predicate-types.ts';

// One definition for the log, the SDK and the AI-BOM: https://attestry.dev/predicates/<type>/v1.
export {
  CONTRIBUTOR_PREDICATE_TYPE,
  DATASET_PREDICATE_TYPE,
  EVALUATION_PREDICATE_TYPE,
  LINEAGE_PREDICATE_TYPE,
  REVOCATION_PREDICATE_TYPE,
};

/** The predicate type URI of each kind of attestation. */
export const PREDICATE_TYPES = {
  dataset: DATASET_PREDICATE_TYPE,
  contributor: CONTRIBUTOR_PREDICATE_TYPE,
  lineage: LINEAGE_PREDICATE_TYPE,
  evaluation: EVALUATION_PREDICATE_TYPE,
  revocation: REVOCATION_PREDICATE_TYPE,
} as const;

export type AttestationType = keyof typeof PREDICATE_TYPES;

export const ATTESTATION_TYPES = Object.keys(PREDICATE_TYPES) as readonly AttestationType[];

/** Something named by its SHA-256 (64 lowercase hex digits): a model, dataset or file. */
export interface DigestRef {
  name?: string;
  sha256: string;
}

/** One file (or shard) of an OMS-style manifest: the dataset's root digest is computed over these. */
export interface DatasetResource {
  name: string;
  /** `sha256`, or `sha256-sharded-<shard size>` for shards. */
  algorithm: string;
  digest: string;
}

/** Subject: the dataset, `{name, digest: {sha256: <root digest of its manifest>}}`. */
export interface DatasetPredicate {
  name: string;
  version?: string;
  /** An SPDX license expression. */
  license?: string;
  sources?: { uri: string; description?: string }[];
  /** How it was collected. */
  collection?: string;
  preprocessing?: string;
  /** Known limitations and biases. */
  limitations?: string;
  personalData?: { present: boolean; statement?: string; consent?: string };
  /** The resources the subject digest is the root of, in order, so that it can be rechecked. */
  manifest?: DatasetResource[];
}

/** Subject: `{name: <identity>, digest: {sha256: <SHA-256 of the identity's UTF-8>}}`. */
export interface ContributorPredicate {
  /** A key fingerprint `sha256:<hex of the DER SPKI>`, or a certificate's email or URI identity. */
  identity: string;
  /** A lowercase word: maintainer, trainer, data-provider, evaluator, auditor... */
  role: string;
  affiliation?: string;
  /** Name patterns the contributor may publish under, such as `acme/*`. */
  names?: string[];
  /** RFC 3339 date-times. */
  validFrom?: string;
  validUntil?: string;
}

export type DatasetUse = 'training' | 'validation' | 'testing' | 'fine-tuning';

/** Training provenance. Subject: the model, with its OMS root digest. */
export interface LineagePredicate {
  baseModel?: DigestRef;
  datasets: (DigestRef & { use?: DatasetUse })[];
  trainingConfig?: DigestRef;
  /** An identity or a name. */
  trainedBy?: string;
  /** As SLSA provenance v1: a URI naming what kind of training run it was. */
  buildType?: string;
  /** RFC 3339 date-times, as SLSA provenance v1 metadata. */
  startedOn?: string;
  finishedOn?: string;
}

/** Subject: the model evaluated, with its OMS root digest. */
export interface EvaluationPredicate {
  benchmark: { name: string; version?: string; uri?: string };
  dataset?: DigestRef;
  metrics: { name: string; value: number; unit?: string }[];
  /** RFC 3339 date or date-time. */
  date: string;
}

export type RevocationSeverity = 'low' | 'medium' | 'high' | 'critical';

/** A revocation or advisory. Subject: the revoked model, with its OMS root digest. */
export interface RevocationPredicate {
  reason: string;
  severity: RevocationSeverity;
  replacement?: DigestRef;
  /** An identity or a name. */
  issuedBy?: string;
}

export interface AttestationPredicates {
  dataset: DatasetPredicate;
  contributor: ContributorPredicate;
  lineage: LineagePredicate;
  evaluation: EvaluationPredicate;
  revocation: RevocationPredicate;
}
