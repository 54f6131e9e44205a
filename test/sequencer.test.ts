import t from 'tap';
import { openCheckpoint } from '../server/log/checkpoint.ts';
import { verifyConsistency } from '../server/log/consistency-proof.ts';
import { MAX_ENTRY_SIZE } from '../server/log/entry-bundle.ts';
import { leafHash, nodeHash } from '../server/log/hash.ts';
import { verifyInclusion } from '../server/log/inclusion-proof.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import { consistencyProof } from '../server/log/proof-builder.ts';
import { Sequencer } from '../server/log/sequencer.ts';
import { tileNodeReader } from '../server/log/tile-node-reader.ts';
import { openLogService } from '../server/log-service.ts';
import { faultyStorage } from './support/faulty-storage.ts';
import { entryBody, openTempLog } from './support/temp-log.ts';

t.test('a fresh log serves a signed checkpoint of size 0 with the empty root', async (t) => {
  const log = openTempLog(t);
  const opened = openCheckpoint(log.sequencer.checkpoint.note, [
    parseVerifierKey(log.keys.noteVerifierKey),
  ]);
  t.equal(opened.checkpoint.size, 0);
  t.equal(
    Buffer.from(opened.checkpoint.rootHash).toString('hex'),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
  t.equal(opened.checkpoint.origin, 'test.example/log');
});

t.test('every acknowledgement carries a proof that verifies against its checkpoint', async (t) => {
  const log = openTempLog(t, { maxBatchDelayMs: 2 });
  const verifier = parseVerifierKey(log.keys.noteVerifierKey);
  const acks = await Promise.all(
    Array.from({ length: 700 }, (_, i) => log.sequencer.submit(entryBody(i))),
  );
  t.same(
    acks.map((a) => a.index).sort((a, b) => a - b),
    Array.from({ length: 700 }, (_, i) => i),
    'indices are 0..699, each once',
  );
  const sizes = new Set<number>();
  for (const ack of acks) {
    const cp = openCheckpoint(ack.checkpoint.note, [verifier]).checkpoint;
    t.equal(cp.size, ack.checkpoint.size);
    t.ok(ack.index < cp.size, 'the checkpoint covers the entry');
    verifyInclusion(ack.index, cp.size, ack.leafHash, ack.inclusionProof, cp.rootHash);
    sizes.add(cp.size);
  }
  t.ok(sizes.size >= 3, `700 entries went into ${sizes.size} batches of at most 256`);
  t.equal(log.sequencer.checkpoint.size, 700);
  t.equal(log.storage.entryCount(), 700);
});

t.test('batches hold at most maxBatchSize entries', async (t) => {
  const log = openTempLog(t, { maxBatchSize: 10, maxBatchDelayMs: 1000 });
  const acks = await Promise.all(
    Array.from({ length: 35 }, (_, i) => log.sequencer.submit(entryBody(i))),
  );
  t.same(
    [...new Set(acks.map((a) => a.checkpoint.size))].sort((a, b) => a - b),
    [10, 20, 30, 35],
  );
});

t.test('successive checkpoints are consistent', async (t) => {
  const log = openTempLog(t, { maxBatchSize: 7 });
  for (let i = 0; i < 60; i++) await log.sequencer.submit(entryBody(i));
  const checkpoints = log.storage.checkpoints(-1, 1000);
  t.equal(checkpoints.length, 61);
  const nodes = tileNodeReader(log.storage);
  for (let i = 1; i < checkpoints.length; i++) {
    const [a, b] = [checkpoints[i - 1], checkpoints[i]];
    verifyConsistency(a.size, b.size, consistencyProof(a.size, b.size, nodes), a.root, b.root);
  }
});

t.test('oversized entries and submissions after close are refused', async (t) => {
  const log = openTempLog(t);
  await t.rejects(log.sequencer.submit(new Uint8Array(MAX_ENTRY_SIZE + 1)), {
    code: 'entry-too-large',
  });
  const accepted = await log.sequencer.submit(new Uint8Array(MAX_ENTRY_SIZE));
  t.equal(accepted.index, 0);
  log.close();
  await t.rejects(log.sequencer.submit(entryBody(1)), { code: 'sequencer-closed' });
});

t.test('close seals what is queued before returning', async (t) => {
  const log = openTempLog(t, { maxBatchDelayMs: 60_000 });
  const pending = [log.sequencer.submit(entryBody(1)), log.sequencer.submit(entryBody(2))];
  t.equal(log.sequencer.queueLength, 2);
  log.sequencer.close();
  const acks = await Promise.all(pending);
  t.same(
    acks.map((a) => a.checkpoint.size),
    [2, 2],
  );
});

t.test('a restarted log resumes from its stored checkpoint and tiles', async (t) => {
  const log = openTempLog(t, { maxBatchSize: 100 });
  await Promise.all(Array.from({ length: 300 }, (_, i) => log.sequencer.submit(entryBody(i))));
  const before = log.sequencer.checkpoint;
  log.close();
  const reopened = openLogService({ dbPath: log.dbPath });
  t.teardown(() => reopened.close());
  t.equal(reopened.origin, 'test.example/log', 'the origin is the one the log was created with');
  t.equal(reopened.sequencer.checkpoint.note, before.note);
  const ack = await reopened.sequencer.submit(entryBody(300));
  t.equal(ack.index, 300);
  const nodes = tileNodeReader(reopened.storage);
  verifyConsistency(300, 301, consistencyProof(300, 301, nodes), before.root, ack.checkpoint.root);
});

t.test('a failing batch is rejected whole and changes nothing', async (t) => {
  const log = openTempLog(t);
  await log.sequencer.submit(entryBody(0));
  const storage = log.storage;
  let failWrites = true;
  const failing = faultyStorage(storage, (method) =>
    method === 'writeTile' && failWrites ? new Error('disk full') : undefined,
  );
  const sequencer = new Sequencer({
    storage: failing,
    origin: log.origin,
    signer: log.keys.noteSigner,
  });
  const results = await Promise.allSettled([
    sequencer.submit(entryBody(1)),
    sequencer.submit(entryBody(2)),
  ]);
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  t.equal(storage.entryCount(), 1, 'no entry of the failed batch was stored');
  t.equal(storage.latestCheckpoint()?.size, 1);
  failWrites = false;
  const ack = await sequencer.submit(entryBody(3));
  t.equal(ack.index, 1, 'the log goes on where it was');
});

t.test(
  "a failed batch's tree nodes are not reused for the entries that take its place",
  async (t) => {
    const log = openTempLog(t);
    // 300 entries: a full tile, and nodes over a partial one in the storage's shared node cache.
    await Promise.all(Array.from({ length: 300 }, (_, i) => log.sequencer.submit(entryBody(i))));
    let failing = true;
    const sequencer = new Sequencer({
      storage: faultyStorage(log.storage, (method) =>
        method === 'addCheckpoint' && failing ? new Error('disk full') : undefined,
      ),
      origin: log.origin,
      signer: log.keys.noteSigner,
    });
    // Fails after its tiles and the nodes over its leaves were computed.
    const failed = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => sequencer.submit(entryBody(1000 + i))),
    );
    t.ok(failed.every((r) => r.status === 'rejected'));
    failing = false;
    const acks = await Promise.all(
      Array.from({ length: 100 }, (_, i) => sequencer.submit(entryBody(2000 + i))),
    );
    const { size, root } = sequencer.checkpoint;
    t.equal(size, 400);
    const leaves = Array.from({ length: size }, (_, i) =>
      leafHash(log.storage.readEntry(i)?.body ?? new Uint8Array()),
    );
    const mth = (hashes: Uint8Array[]): Uint8Array => {
      if (hashes.length === 1) return hashes[0];
      let split = 1;
      while (split * 2 < hashes.length) split *= 2;
      return nodeHash(mth(hashes.slice(0, split)), mth(hashes.slice(split)));
    };
    t.same(root, mth(leaves), 'the root is that of the stored leaves');
    for (const ack of acks)
      verifyInclusion(ack.index, size, ack.leafHash, ack.inclusionProof, root);
  },
);

t.test('two writers on one database cannot fork the log', async (t) => {
  const log = openTempLog(t);
  // A second writer with a stale view reaches the checkpoint's compare-and-swap: that alone
  // must stop it.
  const storage = log.storage;
  const blind = new Proxy(storage, {
    get(target, property) {
      // It sees none of the first writer's entries or tiles, and its own writes land nowhere.
      if (['appendEntries', 'writeTile', 'readTile', 'findLeaf'].includes(property as string)) {
        return () => undefined;
      }
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const second = new Sequencer({ storage: blind, origin: log.origin, signer: log.keys.noteSigner });
  const first = await log.sequencer.submit(entryBody(0));
  await t.rejects(second.submit(entryBody(1)), { code: 'checkpoint-conflict' });
  t.equal(
    storage.latestCheckpoint()?.note,
    first.checkpoint.note,
    "the first writer's checkpoint stands",
  );
  t.equal(
    second.checkpoint.note,
    first.checkpoint.note,
    'the loser re-reads the stored checkpoint',
  );
});

t.test('a duplicate leaf gets the existing entry, within a batch and across batches', async (t) => {
  const log = openTempLog(t, { maxBatchDelayMs: 50 });
  const [first, again, other] = await Promise.all([
    log.sequencer.submit(entryBody(1)),
    log.sequencer.submit(entryBody(1)),
    log.sequencer.submit(entryBody(2)),
  ]);
  t.same([first.index, first.duplicate], [0, false]);
  t.same([again.index, again.duplicate], [0, true]);
  t.same([other.index, other.duplicate], [1, false]);
  t.equal(log.storage.entryCount(), 2);
  const later = await log.sequencer.submit(entryBody(1));
  t.same([later.index, later.duplicate], [0, true]);
  t.equal(later.integratedAt, first.integratedAt, 'the first integration time is kept');
  t.equal(later.checkpoint.size, 2, 'a batch of duplicates signs no new checkpoint');
  verifyInclusion(0, 2, later.leafHash, later.inclusionProof, later.checkpoint.root);
});
