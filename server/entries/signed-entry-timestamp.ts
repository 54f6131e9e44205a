import { type KeyObject, sign } from 'node:crypto';
import { type EntryTimestamp, entryTimestampMessage } from '../log/entry-timestamp.ts';

/**
 * base64 of the log's DER ECDSA P-256 signature over the entry timestamp, as Rekor v1 answers.
 * Signed in place, as submissions are verified (see verifyEnvelope): about 25 µs.
 */
export function signEntryTimestamp(key: KeyObject, entry: EntryTimestamp): string {
  return sign('sha256', entryTimestampMessage(entry), key).toString('base64');
}
