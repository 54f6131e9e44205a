// The predicate types of attestry's AI attestations (schemas in schemas/predicates/): one URI base.
const BASE = 'https://attestry.dev/predicates';

export const DATASET_PREDICATE_TYPE = `${BASE}/dataset/v1`;
export const CONTRIBUTOR_PREDICATE_TYPE = `${BASE}/contributor/v1`;
export const LINEAGE_PREDICATE_TYPE = `${BASE}/lineage/v1`;
export const EVALUATION_PREDICATE_TYPE = `${BASE}/evaluation/v1`;
export const REVOCATION_PREDICATE_TYPE = `${BASE}/revocation/v1`;
