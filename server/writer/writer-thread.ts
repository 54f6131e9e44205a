// The log's single writer on its own thread: it owns the write connection and the sequencer, so
// that SQLite's commits, fsyncs, tile growth and proof building run beside the event loop instead
// of inside it. The main thread keeps a read connection for the read API.
import { parentPort, workerData } from 'node:worker_threads';
import { loadKeys } from '../keys.ts';
import { Sequencer } from '../log/sequencer.ts';
import { openSqliteStorage } from '../storage/sqlite-storage.ts';
import type { Answer, FromWriter, ToWriter, WriterData } from './messages.ts';

const port = parentPort as NonNullable<typeof parentPort>;
const data = workerData as WriterData;
const storage = openSqliteStorage(data.dbPath);
const sequencer = new Sequencer({
  storage,
  origin: data.origin,
  signer: loadKeys(data.keysDir, data.origin).noteSigner,
  maxBatchSize: data.maxBatchSize,
  maxBatchDelayMs: data.maxBatchDelayMs,
  onBatch: (size, seconds) =>
    port.postMessage({
      batch: { size, seconds, checkpoint: sequencer.checkpoint },
    } satisfies FromWriter),
});

let outbox: Answer[] = [];
function sendAnswers(): void {
  const answers = outbox;
  outbox = [];
  port.postMessage({ answers } satisfies FromWriter);
}
function answer(item: Answer): void {
  if (outbox.length === 0) setImmediate(() => outbox.length > 0 && sendAnswers());
  outbox.push(item);
}

port.on('message', (message: ToWriter) => {
  if ('close' in message) {
    sequencer.close();
    // The sealed batch resolved its submissions; their answers go out before the goodbye.
    setImmediate(() => {
      if (outbox.length > 0) sendAnswers();
      storage.close();
      // With its port closed the thread has nothing left to do and exits on its own.
      port.close();
    });
    return;
  }
  for (const { id, body, record } of message.submissions) {
    sequencer.submit(body, record).then(
      (ack) => answer({ id, ack }),
      (error: Error & { code?: string }) =>
        answer({ id, failure: { code: error.code, message: error.message } }),
    );
  }
});
