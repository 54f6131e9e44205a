// SHA-256 of byte ranges of files, one 1 MiB read per step. A worker thread runs the steps straight
// through; the main thread runs them with a turn of its event loop between steps, so that it can
// hash too without holding up anything else. Either way one reused buffer per thread bounds the
// memory, however large the files. Failures are returned, not thrown: an Error's own fields do not
// survive the trip back from a worker.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { HashErrorCode } from './errors.ts';

export interface ByteRange {
  path: string;
  start: number;
  /** Exclusive. */
  end: number;
  /** The file's size when it was listed: a different size now means it changed meanwhile. */
  fileSize: number;
}

export interface HashFailure {
  code: Extract<HashErrorCode, 'file-changed' | 'read-failed'>;
  message: string;
}

export type HashTaskResult = { digests: string[] } | { failure: HashFailure };

const CHUNK_BYTES = 1 << 20;
const chunk = Buffer.allocUnsafe(CHUNK_BYTES);

/**
 * Hex SHA-256 of each range in order, or the first failure. `progress[0]` counts the bytes hashed;
 * it may be shared with other threads.
 */
export function* hashRangesSteps(
  ranges: readonly ByteRange[],
  progress: BigInt64Array,
): Generator<void, HashTaskResult> {
  const digests: string[] = [];
  for (const range of ranges) {
    const digest = yield* hashRangeSteps(range, progress);
    if (typeof digest !== 'string') return { failure: digest };
    digests.push(digest);
  }
  return { digests };
}

function* hashRangeSteps(
  range: ByteRange,
  progress: BigInt64Array,
): Generator<void, string | HashFailure> {
  let fd: number;
  try {
    fd = openSync(range.path, 'r');
  } catch (error) {
    return readFailure(range, error);
  }
  let outcome: string | HashFailure;
  try {
    outcome = yield* readRange(fd, range, progress);
  } catch (error) {
    outcome = readFailure(range, error);
  }
  closeSync(fd);
  return outcome;
}

function* readRange(
  fd: number,
  range: ByteRange,
  progress: BigInt64Array,
): Generator<void, string | HashFailure> {
  const changed: HashFailure = {
    code: 'file-changed',
    message: `${range.path} changed while the model was being hashed`,
  };
  if (fstatSync(fd).size !== range.fileSize) return changed;
  const hash = createHash('sha256');
  for (let position = range.start; position < range.end; yield) {
    const read = readSync(fd, chunk, 0, Math.min(CHUNK_BYTES, range.end - position), position);
    if (read === 0) return changed;
    hash.update(chunk.subarray(0, read));
    position += read;
    Atomics.add(progress, 0, BigInt(read));
  }
  return hash.digest('hex');
}

function readFailure(range: ByteRange, error: unknown): HashFailure {
  return { code: 'read-failed', message: `cannot read ${range.path}: ${(error as Error).message}` };
}
