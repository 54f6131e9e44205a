// Hashes byte ranges of files on all cores: this thread, which hashes between its other work (its
// event loop turns after every 1 MiB) and so is at work while the others start, and a pool of
// worker threads (piscina) for the other cores. One SHA-256 stream per range. A large range is a
// task of its own; small ones are packed together so that thousands of small files do not each
// pay a round trip to a worker. Every thread takes the largest task left, which keeps them all
// busy until close to the end. A worker takes a while to start (some 100 ms of CPU time, 200 when
// it must strip TypeScript): 8 MiB or less, or a single task, is hashed here alone.
import { extname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { HashError } from './errors.ts';
import type { HashTask } from './hash-worker.ts';
import { type ByteRange, type HashTaskResult, hashRangesSteps } from './range-hashing.ts';

export type { ByteRange };

/** Ranges are packed into one task up to this many bytes... */
const PACKED_TASK_BYTES = 8 << 20;
/** ...or this many ranges, whichever comes first. */
const PACKED_TASK_RANGES = 64;
const PROGRESS_INTERVAL_MS = 100;

// The worker sits beside this module, and is .ts here but .js in a built package.
const WORKER_FILE = new URL(
  `./hash-worker${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
).href;

export interface ParallelHashOptions {
  /** Threads hashing at once, this one included. */
  workers: number;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

interface PackedTask {
  /** Index of the task's first range in the caller's list. */
  first: number;
  ranges: ByteRange[];
  bytes: number;
}

/** Hex SHA-256 of each range, in the order given. */
export async function hashRanges(
  ranges: readonly ByteRange[],
  { workers, onProgress }: ParallelHashOptions,
): Promise<string[]> {
  const total = ranges.reduce((sum, range) => sum + range.end - range.start, 0);
  const progress = new BigInt64Array(new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT));
  const tasks = packTasks(ranges).sort((a, b) => b.bytes - a.bytes);
  const digests: string[] = [];

  let next = 0;
  /** Takes the largest task left until none is, or ends them all at the first failure. */
  const lane = async (hash: (task: PackedTask) => Promise<HashTaskResult>) => {
    for (let task = tasks[next++]; task !== undefined; task = tasks[next++]) {
      const result = await hash(task);
      if ('failure' in result) {
        next = tasks.length;
        throw new HashError(result.failure.code, result.failure.message);
      }
      result.digests.forEach((digest, i) => {
        digests[task.first + i] = digest;
      });
    }
  };

  // This thread is one of the `workers`; a pool brings the others, when there is enough to share.
  const lanes = [lane((task) => hashHere(task.ranges, progress))];
  const poolThreads = total > PACKED_TASK_BYTES ? Math.min(workers - 1, tasks.length - 1) : 0;
  const pool = poolThreads > 0 ? sharedPool(poolThreads) : undefined;
  for (let i = 0; pool !== undefined && i < poolThreads; i++) {
    lanes.push(lane((task) => pool.run({ ranges: task.ranges, progress })));
  }
  const timer = setInterval(
    () => onProgress?.(Number(Atomics.load(progress, 0)), total),
    PROGRESS_INTERVAL_MS,
  );
  try {
    // Every lane ends before this returns: none goes on reading files after a failure is reported.
    const failure = (await Promise.allSettled(lanes)).find((lane) => lane.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  } finally {
    clearInterval(timer);
  }
  onProgress?.(total, total);
  return digests;
}

// One pool for the process, kept between calls: a pipeline that hashes model after model pays
// the threads' start once. Piscina unrefs idle threads, so they never keep a process alive.
let shared: { threads: number; pool: Piscina<HashTask, HashTaskResult> } | undefined;

function sharedPool(threads: number): Piscina<HashTask, HashTaskResult> {
  if (shared?.threads !== threads) {
    void shared?.pool.destroy();
    shared = {
      threads,
      pool: new Piscina({ filename: WORKER_FILE, minThreads: threads, maxThreads: threads }),
    };
  }
  return shared.pool;
}

/** Hashes on this thread, one step per turn of the event loop. */
async function hashHere(ranges: ByteRange[], progress: BigInt64Array): Promise<HashTaskResult> {
  const steps = hashRangesSteps(ranges, progress);
  let step = steps.next();
  while (!step.done) {
    await nextTurn();
    step = steps.next();
  }
  return step.value;
}

function packTasks(ranges: readonly ByteRange[]): PackedTask[] {
  const tasks: PackedTask[] = [];
  let open: PackedTask | undefined;
  ranges.forEach((range, index) => {
    const bytes = range.end - range.start;
    if (
      open === undefined ||
      open.bytes + bytes > PACKED_TASK_BYTES ||
      open.ranges.length === PACKED_TASK_RANGES
    ) {
      open = { first: index, ranges: [], bytes: 0 };
      tasks.push(open);
    }
    open.ranges.push(range);
    open.bytes += bytes;
  });
  return tasks;
}
