// What a log must hold after a crash, as a restart finds it: every acknowledged entry, byte for
// byte, and a checkpoint that extends every checkpoint acknowledged before.
import type { Test } from 'tap';
import { verifyConsistency } from '../../server/log/consistency-proof.ts';
import { consistencyProof } from '../../server/log/proof-builder.ts';
import { tileNodeReader } from '../../server/log/tile-node-reader.ts';
import { openLogService } from '../../server/log-service.ts';

/**
 * Opens the killed server's database as a restart would and checks that it holds every
 * acknowledged entry byte for byte and that its checkpoint extends every acknowledged one.
 */
export function checkAfterCrash(
  t: Test,
  dbPath: string,
  run: number,
  /** index → entry in hex */
  acknowledged: Map<number, string>,
  /** tree size → root in hex */
  roots: Map<number, string>,
): void {
  const log = openLogService({ dbPath });
  try {
    const latest = log.sequencer.checkpoint;
    const largestAcknowledged = Math.max(0, ...roots.keys());
    t.ok(
      latest.size >= largestAcknowledged,
      `run ${run}: checkpoint ${latest.size} covers the largest acknowledged tree (${largestAcknowledged})`,
    );
    const nodes = tileNodeReader(log.storage);
    const missing: number[] = [];
    for (const [index, bodyHex] of acknowledged) {
      const stored = log.storage.readEntry(index)?.body;
      if (stored === undefined || Buffer.from(stored).toString('hex') !== bodyHex) {
        missing.push(index);
      }
    }
    t.same(missing, [], `run ${run}: all ${acknowledged.size} acknowledged entries are intact`);
    const inconsistent: number[] = [];
    for (const [size, rootHex] of roots) {
      try {
        verifyConsistency(
          size,
          latest.size,
          consistencyProof(size, latest.size, nodes),
          Buffer.from(rootHex, 'hex'),
          latest.root,
        );
      } catch {
        inconsistent.push(size);
      }
    }
    t.same(
      inconsistent,
      [],
      `run ${run}: checkpoint ${latest.size} is consistent with ${roots.size} acknowledged ones`,
    );
  } finally {
    log.close();
  }
}
