// What the storage keeps beside an attestation's leaf: its envelope, its signer and the keys the
// search indexes (subject digests and names, signer identities, predicate type).
import type { EntryRecord } from '../storage/storage.ts';
import type { CheckedStatement } from './statement.ts';
import type { CheckedVerifier } from './submission.ts';

export function entryRecord(
  statement: CheckedStatement,
  envelopeBytes: Uint8Array,
  verifier: CheckedVerifier,
  identities: string[],
): EntryRecord {
  return {
    envelope: envelopeBytes,
    verifier: JSON.stringify(verifier),
    predicateType: statement.predicateType,
    subjects: statement.subjects.flatMap((subject) =>
      Object.entries(subject.digests).map(([algorithm, hex]) => ({
        digest: `${algorithm}:${hex}`,
        ...(subject.name === undefined ? {} : { name: subject.name }),
      })),
    ),
    identities,
  };
}
