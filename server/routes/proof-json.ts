// How the entry APIs write times and inclusion proofs (Rekor v1 conventions: seconds, hex).
import { signEntryTimestamp } from '../entries/signed-entry-timestamp.ts';
import { toBase64, toHex } from '../log/encoding.ts';
import { inclusionProof } from '../log/proof-builder.ts';
import { tileNodeReader } from '../log/tile-node-reader.ts';
import type { LogService } from '../log-service.ts';
import type { StoredCheckpoint } from '../storage/storage.ts';

export const seconds = (ms: number) => Math.floor(ms / 1000);

/** The log's signed entry timestamp of entry `index`: Rekor v1's inclusion promise. */
export function entryTimestamp(
  log: LogService,
  index: number,
  integratedAt: number,
  body: Uint8Array,
): string {
  return signEntryTimestamp(log.keys.ecdsaPrivateKey, {
    body,
    integratedTime: seconds(integratedAt),
    logId: log.keys.logId,
    logIndex: index,
  });
}

/** An inclusion proof for the tree of the checkpoint it carries (as `note`, by default whole). */
export function proofJson(
  index: number,
  checkpoint: StoredCheckpoint,
  hashes: Uint8Array[],
  note = checkpoint.note,
) {
  return {
    logIndex: index,
    rootHash: toHex(checkpoint.root),
    treeSize: checkpoint.size,
    hashes: hashes.map(toHex),
    checkpoint: note,
  };
}

/** The proof of entry `index` in the latest checkpoint (the entry must be below its size). */
export function proofToLatest(log: LogService, index: number) {
  const checkpoint = log.sequencer.checkpoint;
  // The storage is passed whole so the reader shares its node cache.
  const hashes = inclusionProof(index, checkpoint.size, tileNodeReader(log.storage));
  return { checkpoint, hashes };
}

/**
 * Entry `index` as the entries API answers it (body, envelope, verifier, time) with its proof to
 * the latest checkpoint; undefined when the latest checkpoint does not hold it.
 */
export function entryJson(log: LogService, index: number) {
  const entry = index < log.sequencer.checkpoint.size ? log.storage.readEntry(index) : undefined;
  if (entry === undefined) return undefined;
  const record = log.storage.readRecord(index);
  const { checkpoint, hashes } = proofToLatest(log, index);
  return {
    logIndex: index,
    canonicalizedBody: toBase64(entry.body),
    ...(record && { envelope: toBase64(record.envelope), verifier: JSON.parse(record.verifier) }),
    integratedTime: seconds(entry.integratedAt),
    inclusionProof: proofJson(index, checkpoint, hashes),
  };
}
