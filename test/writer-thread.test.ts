// The writer thread: the same answers as the in-thread sequencer, failures that keep their codes
// across the thread boundary, a clean drain on close, and submitters told when the thread dies.
import t from 'tap';
import { auditLog } from '../server/log/audit.ts';
import { MAX_ENTRY_SIZE } from '../server/log/entry-bundle.ts';
import { leafHash } from '../server/log/hash.ts';
import { verifyInclusion } from '../server/log/inclusion-proof.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import { openLogService } from '../server/log-service.ts';
import { openSqliteStorage } from '../server/storage/sqlite-storage.ts';
import { ThreadedSequencer } from '../server/writer/threaded-sequencer.ts';
import { entryBody, openTempLog, tempDir } from './support/temp-log.ts';

t.test('appends through the writer thread answer with verifiable proofs', async (t) => {
  const log = openTempLog(t, { writerThread: true, maxBatchDelayMs: 2 });
  const batches: number[] = [];
  const recordBatch = log.metrics.recordBatch.bind(log.metrics);
  log.metrics.recordBatch = (size, seconds) => {
    batches.push(size);
    recordBatch(size, seconds);
  };
  const acks = await Promise.all(
    Array.from({ length: 300 }, (_, i) => log.sequencer.submit(entryBody(i))),
  );
  t.same(
    acks.map((ack) => ack.index).sort((a, b) => a - b),
    Array.from({ length: 300 }, (_, i) => i),
    'every entry has its own index',
  );
  for (const [i, ack] of acks.entries()) {
    t.notOk(ack.duplicate);
    t.same(ack.leafHash, leafHash(entryBody(i)));
    t.doesNotThrow(() =>
      verifyInclusion(
        ack.index,
        ack.checkpoint.size,
        ack.leafHash,
        ack.inclusionProof,
        ack.checkpoint.root,
      ),
    );
  }
  t.equal(log.sequencer.checkpoint.size, 300, 'the main thread saw the latest checkpoint');
  t.equal(
    batches.reduce((a, b) => a + b, 0),
    300,
    'every batch was reported to the metrics',
  );
  t.equal(log.storage.readEntry(299)?.index, 299, 'the read connection sees the commits');

  const again = await log.sequencer.submit(entryBody(7));
  t.ok(again.duplicate, 'a leaf already logged is answered as a duplicate');
  t.equal(again.index, 7);

  await t.rejects(log.sequencer.submit(new Uint8Array(MAX_ENTRY_SIZE + 1)), {
    code: 'entry-too-large',
  });

  await log.close();
  await t.rejects(log.sequencer.submit(entryBody(1000)), { code: 'sequencer-closed' });
  const storage = openSqliteStorage(log.dbPath, { readonly: true });
  t.teardown(() => storage.close());
  const report = auditLog({
    storage,
    verifier: parseVerifierKey(log.keys.noteVerifierKey),
  });
  t.equal(report.entries, 300, 'the audit re-derives what the thread wrote');
});

t.test('close drains what is queued before the thread stops', async (t) => {
  const log = openTempLog(t, { writerThread: true, maxBatchDelayMs: 60_000 });
  const pending = Array.from({ length: 5 }, (_, i) => log.sequencer.submit(entryBody(i)));
  await log.close();
  const acks = await Promise.all(pending);
  t.same(
    acks.map((ack) => ack.checkpoint.size),
    [5, 5, 5, 5, 5],
    'all five were sealed in one batch at close',
  );
});

t.test('a writer thread that fails tells every submitter, now and later', async (t) => {
  const dir = tempDir(t);
  const dbPath = `${dir}/log.db`;
  const log = openLogService({ dbPath, origin: 'test.example/log' });
  const latest = log.sequencer.checkpoint;
  await log.close();
  // No keys where the thread looks for them: it throws as it starts.
  const sequencer = new ThreadedSequencer(
    { dbPath, keysDir: `${dir}/missing`, origin: 'test.example/log' },
    latest,
  );
  await t.rejects(sequencer.submit(entryBody(1)), {
    code: 'writer-failed',
    message: /writer stopped: no log key/,
  });
  await t.rejects(sequencer.submit(entryBody(2)), { code: 'writer-failed' });
});
