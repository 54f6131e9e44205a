// OMS model hashing against a baseline measured in the same run: single-stream SHA-256
// (node:crypto, one core) over the same bytes, read the same way (1 MiB reads into one buffer).
// The model is 8 files of 256 MiB (2 GiB), written from one repeated random 1 MiB block and read
// once beforehand so that every run hashes from the page cache. Target: hashModel >= 1.7x the
// single stream on a 2-core machine. The machine may be shared: each figure is the best of three
// rounds, and a "ceiling" line shows how much parallel hashing the machine allows at the time.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { hashModel, type SerializationMethod } from '../client-sdk/hash/index.ts';

const FILES = 8;
const BLOCK = 1 << 20;
const FILE_BLOCKS = 256;
const MODEL_BYTES = FILES * FILE_BLOCKS * BLOCK;

const chunk = Buffer.allocUnsafe(BLOCK);

function writeModel(dir: string): string[] {
  const block = randomBytes(BLOCK);
  return Array.from({ length: FILES }, (_, i) => {
    const path = join(dir, `model-${String(i).padStart(5, '0')}-of-${FILES}.safetensors`);
    const fd = openSync(path, 'w');
    for (let b = 0; b < FILE_BLOCKS; b++) writeSync(fd, block);
    closeSync(fd);
    return path;
  });
}

/** Hashes every file in turn on this thread. */
function hashSequentially(paths: string[]): string[] {
  return paths.map((path) => {
    const hash = createHash('sha256');
    const fd = openSync(path, 'r');
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) {
      hash.update(chunk.subarray(0, read));
    }
    closeSync(fd);
    return hash.digest('hex');
  });
}

/**
 * What this machine allows right now: the files split between one bare JavaScript worker per core,
 * each hashing its share as hashSequentially does. On a shared machine this falls well short of
 * cores x single stream, and no parallel hasher can beat it.
 */
async function hashOnBareWorkers(paths: string[]): Promise<void> {
  const threads = availableParallelism();
  const code = `
    const { createHash } = require('node:crypto');
    const { closeSync, openSync, readSync } = require('node:fs');
    const { parentPort, workerData } = require('node:worker_threads');
    const chunk = Buffer.allocUnsafe(${BLOCK});
    for (const path of workerData) {
      const hash = createHash('sha256');
      const fd = openSync(path, 'r');
      for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) hash.update(chunk.subarray(0, read));
      closeSync(fd);
    }
    parentPort.postMessage('done');`;
  await Promise.all(
    Array.from({ length: threads }, (_, i) => {
      const worker = new Worker(code, {
        eval: true,
        workerData: paths.filter((_, p) => p % threads === i),
      });
      return once(worker, 'message').then(() => worker.terminate());
    }),
  );
}

/** Best of ROUNDS, each round timing every contender once in turn: the machine may be shared. */
const ROUNDS = 3;

function megabytesPerSecond(seconds: number): number {
  return MODEL_BYTES / 1e6 / seconds;
}

async function timed<T>(work: () => T | Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attestry-bench-hash-'));
  try {
    console.log('# bench hash');
    const paths = writeModel(dir);
    // Also pages the model in.
    const singleDigests = hashSequentially(paths);
    const methods: SerializationMethod[] = ['files', 'shards'];
    // The first call starts the process's hashing threads; later calls find them ready.
    const cold = await timed(() => hashModel(dir, { method: 'files' }));
    const best = { single: Infinity, bare: Infinity, files: Infinity, shards: Infinity };
    for (let round = 0; round < ROUNDS; round++) {
      best.single = Math.min(best.single, (await timed(() => hashSequentially(paths))).seconds);
      best.bare = Math.min(best.bare, (await timed(() => hashOnBareWorkers(paths))).seconds);
      for (const method of methods) {
        const { seconds, value: manifest } = await timed(() => hashModel(dir, { method }));
        best[method] = Math.min(best[method], seconds);
        if (manifest.resources.some((resource, i) => resource.digest !== singleDigests[i])) {
          throw new Error(`hashModel (${method}) disagrees with the single stream`);
        }
      }
    }
    const single = megabytesPerSecond(best.single);
    console.log(
      `single-stream SHA-256 (node:crypto, 1 core) over ${FILES} x ${FILE_BLOCKS} MiB: ${single.toFixed(0)} MB/s (best of ${ROUNDS})`,
    );
    const bare = megabytesPerSecond(best.bare);
    console.log(
      `ceiling now: ${availableParallelism()} bare JavaScript workers, the files split between them: ${bare.toFixed(0)} MB/s; ratio ${(bare / single).toFixed(2)}x`,
    );
    const coldRate = megabytesPerSecond(cold.seconds);
    console.log(
      `hashModel files, first call (starts the threads): ${coldRate.toFixed(0)} MB/s; ratio ${(coldRate / single).toFixed(2)}x`,
    );
    for (const method of methods) {
      const rate = megabytesPerSecond(best[method]);
      console.log(
        `hashModel ${method} (${availableParallelism()} threads, started): ${rate.toFixed(0)} MB/s; ratio ${(rate / single).toFixed(2)}x (target >= 1.7x)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
