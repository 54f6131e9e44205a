// What checking a Rekor-API submission gives the log: the canonical entry body (the leaf), and
// for a DSSE envelope of an in-toto statement, what search indexes (checked like a bundle's).
import type { EntryRecord } from '../storage/storage.ts';
import { entryRecord } from './entry-record.ts';
import type { RekorSigner } from './rekor-signer.ts';
import { parseStatement } from './statement.ts';
import { IN_TOTO_PAYLOAD_TYPE } from './submission.ts';

export type RekorKind = 'dsse' | 'hashedrekord';

export interface CheckedRekorEntry {
  kind: RekorKind;
  /** The canonical entry body: the bytes the log appends. */
  leaf: Uint8Array;
  /** What search indexes: present for envelopes of in-toto statements only. */
  record?: EntryRecord;
}

/** An in-toto statement in a DSSE envelope is checked like a bundle's and indexed. */
export function statementRecord(
  payloadType: string,
  payload: Uint8Array,
  envelopeBytes: Uint8Array,
  signer: RekorSigner,
): EntryRecord | undefined {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return undefined;
  return entryRecord(parseStatement(payload), envelopeBytes, signer.verifier, [signer.identity]);
}
