// The predicate types the log treats specially: attestry's AI attestations (schemas in
// schemas/predicates/, one URI base) and the OpenSSF Model Signing signatures.
const BASE = 'https://attestry.dev/predicates';

export const DATASET_PREDICATE_TYPE = `${BASE}/dataset/v1`;
export const CONTRIBUTOR_PREDICATE_TYPE = `${BASE}/contributor/v1`;
export const LINEAGE_PREDICATE_TYPE = `${BASE}/lineage/v1`;
export const EVALUATION_PREDICATE_TYPE = `${BASE}/evaluation/v1`;
export const REVOCATION_PREDICATE_TYPE = `${BASE}/revocation/v1`;

/** OMS v1.0 model signatures. */
export const OMS_PREDICATE_TYPE = 'https://model_signing/signature/v1.0';
/** What model_signing 0.2 signed. */
export const OMS_V01_PREDICATE_TYPE = 'https://model_signing/Digests/v0.1';

/**
 * The entries that publish a model or dataset under its name (their subject's name): names
 * these take are owned (server/auth/name-ownership.ts). Other statements are about a subject
 * (an evaluation, a revocation, a lineage) and anyone may make them. model_signing 0.2's
 * statements are not among them: their subjects are the model's files, named by path.
 */
export const NAMING_PREDICATE_TYPES: readonly string[] = [
  OMS_PREDICATE_TYPE,
  DATASET_PREDICATE_TYPE,
];
