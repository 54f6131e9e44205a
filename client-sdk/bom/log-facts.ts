// What a transparency log says about one model, as the AI-BOM shows it: its signatures, its
// lineage, the datasets it was trained and tested on, its contributors, its evaluations and any
// revocation, each with the log entry that vouches for it (index, time, the checkpoint proving it).
// Gathered by client-sdk/bom/from-log.ts; rendered by the CycloneDX and SPDX writers.
import type {
  ContributorPredicate,
  DatasetPredicate,
  DatasetUse,
  EvaluationPredicate,
  LineagePredicate,
  RevocationPredicate,
} from '../attest/predicates.ts';

export type { DigestRef } from '../attest/predicates.ts';

/** The log entry a fact comes from, proven included in the checkpoint named here. */
export interface LogReference {
  /** Base URL of the log. */
  logUrl: string;
  logIndex: number;
  /** Seconds since the epoch. */
  integratedTime: number;
  /** The checkpoint the inclusion proof was checked against. */
  checkpoint: { origin: string; size: number; rootHash: string };
  /** Signer identity: `sha256:<hex of the key's DER SPKI>`, or a certificate's SAN. */
  signer: string;
}

export interface SignatureFact {
  /** The predicate type of the signature statement (OMS: https://model_signing/signature/v1.0). */
  predicateType: string;
  ref: LogReference;
}

// Each fact is its predicate as attested, with the log entry vouching for it: defined from the
// predicate types so that the AI-BOM cannot drift from what the log accepts.

export type DatasetFact = Omit<DatasetPredicate, 'manifest'> & {
  /** The dataset's own root digest (an OMS-style manifest over its files). */
  sha256: string;
  /** How the model used it, from the lineage. */
  use?: DatasetUse;
  ref: LogReference;
};

export type ContributorFact = ContributorPredicate & { ref: LogReference };

/** The training run's own details (build type, start and end) are no part of the AI-BOM. */
export type LineageFact = Pick<
  LineagePredicate,
  'baseModel' | 'datasets' | 'trainingConfig' | 'trainedBy'
> & { ref: LogReference };

export type EvaluationFact = EvaluationPredicate & { ref: LogReference };

export type RevocationFact = RevocationPredicate & { ref: LogReference };

export interface LogFacts {
  logUrl: string;
  signatures: SignatureFact[];
  lineage?: LineageFact;
  datasets: DatasetFact[];
  contributors: ContributorFact[];
  evaluations: EvaluationFact[];
  revocations: RevocationFact[];
}
