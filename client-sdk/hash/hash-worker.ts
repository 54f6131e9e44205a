// The worker-thread side of parallel-hash.ts: one task is a list of byte ranges to hash.
import { type ByteRange, type HashTaskResult, hashRangesSteps } from './range-hashing.ts';

export interface HashTask {
  ranges: ByteRange[];
  /** Bytes hashed so far, shared by every thread and polled by the main one. */
  progress: BigInt64Array;
}

export default function hashTask({ ranges, progress }: HashTask): HashTaskResult {
  const steps = hashRangesSteps(ranges, progress);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}
