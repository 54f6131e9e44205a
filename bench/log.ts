// The log core against baselines measured in the same run:
//  - sequencer appends per second vs raw batched SQLite inserts of the same rows (same file
//    settings: WAL, synchronous=FULL, 256 rows a transaction);
//  - median inclusion-proof time at 1,000,000 entries, read from tiles, vs merkletreejs getProof;
//  - RSS at 100,000 and at 1,000,000 entries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MerkleTree } from 'merkletreejs';
import { leafHash, nodeHash } from '../server/log/hash.ts';
import { verifyInclusion } from '../server/log/inclusion-proof.ts';
import { inclusionProof } from '../server/log/proof-builder.ts';
import { tileNodeReader } from '../server/log/tile-node-reader.ts';
import { openLogService } from '../server/log-service.ts';

const APPEND_COUNT = 100_000;
const LARGE_SIZE = 1_000_000;
const PROOF_SAMPLES = 2_000;
const ORACLE_SAMPLES = 20;
const IN_FLIGHT = 4_096;

const body = (i: number) => new TextEncoder().encode(`bench entry ${i} `.padEnd(200, '.'));
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

function rss(): number {
  globalThis.gc?.();
  return process.memoryUsage().rss;
}

/**
 * Raw batched inserts (256 rows a transaction, WAL, synchronous=FULL) of the log's entry rows:
 * into the same table as the log (its leaf hash is unique, which is what lets the log answer a
 * duplicate with the first entry), and into a bare table without that index.
 */
function rawInsertsPerSecond(dir: string, count: number, withLeafIndex: boolean): number {
  const db = new Database(join(dir, `raw-${withLeafIndex}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    `CREATE TABLE entries (idx INTEGER PRIMARY KEY, body BLOB NOT NULL,
     leaf_hash BLOB NOT NULL ${withLeafIndex ? 'UNIQUE' : ''}, integrated_at INTEGER NOT NULL) STRICT`,
  );
  const insert = db.prepare(
    'INSERT INTO entries (idx, body, leaf_hash, integrated_at) VALUES (?, ?, ?, ?)',
  );
  const leaves = Array.from({ length: count }, (_, i) => leafHash(body(i)));
  const batch = db.transaction((start: number, end: number) => {
    for (let i = start; i < end; i++) insert.run(i, body(i), leaves[i], Date.now());
  });
  const started = performance.now();
  for (let start = 0; start < count; start += 256) {
    batch.immediate(start, Math.min(count, start + 256));
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return count / seconds;
}

/** Submits entries [from, to) keeping IN_FLIGHT outstanding; returns appends per second. */
async function append(log: ReturnType<typeof openLogService>, from: number, to: number) {
  const started = performance.now();
  let next = from;
  const worker = async () => {
    while (next < to) await log.sequencer.submit(body(next++));
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return (to - from) / ((performance.now() - started) / 1000);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'attestry-bench-'));
  try {
    console.log('# bench log');
    const raw = rawInsertsPerSecond(dir, APPEND_COUNT, true);
    const bare = rawInsertsPerSecond(dir, APPEND_COUNT, false);
    const log = openLogService({ dbPath: join(dir, 'log.db'), origin: 'bench.example/log' });
    const appends = await append(log, 0, APPEND_COUNT);
    console.log(
      `sequencer appends (tiles, signed checkpoint, proof per entry): ${appends.toFixed(0)}/s; raw batched SQLite inserts of the same rows: ${raw.toFixed(0)}/s; ratio ${(appends / raw).toFixed(2)} (target >= 0.5)`,
    );
    console.log(
      `  without the unique leaf-hash index the raw inserts run at ${bare.toFixed(0)}/s; ratio ${(appends / bare).toFixed(2)}`,
    );
    const rssSmall = rss();
    await append(log, APPEND_COUNT, LARGE_SIZE);
    const rssLarge = rss();
    console.log(
      `RSS at ${APPEND_COUNT} entries: ${mib(rssSmall)} MiB; at ${LARGE_SIZE}: ${mib(rssLarge)} MiB; apart ${mib(rssLarge - rssSmall)} MiB (target < 50)`,
    );

    const size = log.sequencer.checkpoint.size;
    const root = log.sequencer.checkpoint.root;
    const ours: number[] = [];
    for (let s = 0; s < PROOF_SAMPLES; s++) {
      const index = Math.floor(Math.random() * size);
      const started = performance.now();
      const proof = inclusionProof(index, size, tileNodeReader(log.storage));
      ours.push(performance.now() - started);
      if (s % 100 === 0) {
        const entry = log.storage.readEntry(index);
        verifyInclusion(index, size, leafHash(entry?.body ?? new Uint8Array()), proof, root);
      }
    }
    log.close();

    const leaves = Array.from({ length: LARGE_SIZE }, (_, i) => Buffer.from(leafHash(body(i))));
    const tree = new MerkleTree(
      leaves,
      (data: Buffer) => Buffer.from(nodeHash(data.subarray(0, 32), data.subarray(32))),
      {
        hashLeaves: false,
      },
    );
    if (Buffer.compare(tree.getRoot(), Buffer.from(root)) !== 0)
      throw new Error('merkletreejs disagrees on the root');
    const byLeaf: number[] = [];
    const byIndex: number[] = [];
    for (let s = 0; s < ORACLE_SAMPLES; s++) {
      const index = Math.floor(Math.random() * LARGE_SIZE);
      let started = performance.now();
      tree.getProof(leaves[index]);
      byLeaf.push(performance.now() - started);
      started = performance.now();
      tree.getProof(leaves[index], index);
      byIndex.push(performance.now() - started);
    }
    const oursMedian = median(ours);
    console.log(
      `median inclusion proof at ${LARGE_SIZE} entries, from SQLite tiles: ${(oursMedian * 1000).toFixed(0)} µs (target <= 1 ms)`,
    );
    console.log(
      `merkletreejs getProof(leaf) (in memory): ${median(byLeaf).toFixed(2)} ms; ratio ${(median(byLeaf) / oursMedian).toFixed(0)}x (target >= 100x)`,
    );
    console.log(
      `merkletreejs getProof(leaf, index) (in memory, index known): ${(median(byIndex) * 1000).toFixed(0)} µs; ratio ${(median(byIndex) / oursMedian).toFixed(2)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
