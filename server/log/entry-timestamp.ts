// The message of a Rekor v1 signed entry timestamp (inclusionPromise): the canonical JSON (RFC
// 8785) of {body, integratedTime, logID, logIndex}. The log signs it; verifiers rebuild it.
import { toBase64, utf8 } from './encoding.ts';

export interface EntryTimestamp {
  /** The leaf (canonicalized body). */
  body: Uint8Array;
  /** Seconds since the epoch. */
  integratedTime: number;
  /** hex SHA-256 of the log key's DER SPKI. */
  logId: string;
  logIndex: number;
}

export function entryTimestampMessage(entry: EntryTimestamp): Uint8Array {
  // Keys in sorted order, strings and integers for values: JSON.stringify gives the RFC 8785
  // form, without a general canonicalizer's sorting and copying on every append
  // (test/submission.test.ts checks it against canonicalize).
  return utf8(
    JSON.stringify({
      body: toBase64(entry.body),
      integratedTime: entry.integratedTime,
      logID: entry.logId,
      logIndex: entry.logIndex,
    }),
  );
}
