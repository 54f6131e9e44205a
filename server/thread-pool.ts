// libuv's thread pool is where the log checks submitted signatures (verifyEnvelope). Its default
// of four threads outnumbers a small machine's CPUs: threads checking signatures then take CPU time
// from the event loop, which parses, sequences and answers every request. On a two-CPU machine,
// appends went 8% slower with four threads than with the checks on the event loop, and 14% faster
// with one or two (npm run bench:ab, with the sequencer's 2 ms batch delay). So the pool gets one
// thread fewer than the machine has CPUs, but at least two: the pool also runs DNS lookups (an
// OIDC issuer's key fetch) and log writes, and one that stalls for seconds must not hold every
// signature check behind it. On two CPUs two threads appended as fast as one (bench:ab 1.002 and
// 0.960). An operator's UV_THREADPOOL_SIZE is kept.
import { availableParallelism } from 'node:os';

/** libuv's bound on the pool. */
const MAX_THREADS = 1024;

/**
 * Sizes the pool; answers the size libuv will give it. libuv reads UV_THREADPOOL_SIZE when the
 * pool first starts, so this must run before the process's first asynchronous file, DNS, zlib or
 * crypto call.
 */
export function sizeThreadPool(
  env: NodeJS.ProcessEnv = process.env,
  cpus: number = availableParallelism(),
): number {
  env.UV_THREADPOOL_SIZE ||= String(Math.max(2, cpus - 1));
  // As libuv reads it: atoi into an unsigned count, 0 taken as 1, capped at 1024.
  const asked = Number.parseInt(env.UV_THREADPOOL_SIZE, 10);
  if (Number.isNaN(asked) || asked === 0) return 1;
  return asked < 0 ? MAX_THREADS : Math.min(asked, MAX_THREADS);
}
