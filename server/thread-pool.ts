// libuv's thread pool is where the log checks submitted signatures (verifyEnvelope). Its default
// of four threads outnumbers a small machine's CPUs: threads checking signatures then take CPU time
// from the event loop, which parses, sequences and answers every request. On a two-CPU machine,
// appends went 8% slower with four threads than with the checks on the event loop, and 16% faster
// with one thread (npm run bench:ab). So the pool gets one thread fewer than the machine has CPUs,
// at least one. An operator's UV_THREADPOOL_SIZE is kept.
import { availableParallelism } from 'node:os';

/**
 * Sizes the pool; answers its size. libuv reads UV_THREADPOOL_SIZE when the pool first starts, so
 * this must run before the process's first asynchronous file or crypto call.
 */
export function sizeThreadPool(
  env: NodeJS.ProcessEnv = process.env,
  cpus: number = availableParallelism(),
): number {
  env.UV_THREADPOOL_SIZE ||= String(Math.max(1, cpus - 1));
  return Number(env.UV_THREADPOOL_SIZE);
}
