import { type KeyObject, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { type EntryTimestamp, entryTimestampMessage } from '../log/entry-timestamp.ts';

// On libuv's thread pool, like signature verification: off the event loop.
const signOffThread = promisify(sign);

/** base64 of the log's DER ECDSA P-256 signature over the entry timestamp, as Rekor v1 answers. */
export async function signEntryTimestamp(key: KeyObject, entry: EntryTimestamp): Promise<string> {
  return (await signOffThread('sha256', entryTimestampMessage(entry), key)).toString('base64');
}
