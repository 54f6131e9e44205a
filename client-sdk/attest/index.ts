// Attestations about datasets, contributors, training lineage, evaluations and revocations:
// in-toto statements checked against the predicate schemas the log uses, signed and published.
export {
  type AttestOptions,
  type AttestResult,
  attest,
  publishAttestation,
  type SignedAttestation,
  signAttestation,
  signStatement,
} from './attest.ts';
export { type DatasetDigest, hashDataset } from './dataset-digest.ts';
export { AttestError, type AttestErrorCode } from './errors.ts';
export * from './predicates.ts';
export {
  type AttestationInputs,
  type AttestationStatement,
  attestationStatement,
  checkPredicate,
  identityDigest,
  statementPayload,
} from './statement.ts';
