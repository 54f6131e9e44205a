// The main thread's side of the writer thread: the same submit / checkpoint / close surface as
// the in-thread Sequencer, with submissions gathered into one message per event-loop turn.
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LogError } from '../log/errors.ts';
import type { Acknowledgement, AppendQueue } from '../log/sequencer.ts';
import type { BatchObserver } from '../metrics.ts';
import type { EntryRecord, StoredCheckpoint } from '../storage/storage.ts';
import type { FromWriter, Submission, ToWriter, WriterData } from './messages.ts';

// `.ts` when running from source, `.js` in the built package: the worker is this file's sibling.
const WRITER_URL = new URL(
  `./writer-thread${extname(new URL(import.meta.url).pathname)}`,
  import.meta.url,
);

interface Pending {
  resolve: (ack: Acknowledgement) => void;
  reject: (error: unknown) => void;
}

export class ThreadedSequencer implements AppendQueue {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #observer: BatchObserver | undefined;
  #latest: StoredCheckpoint;
  #outbox: Submission[] = [];
  #nextId = 0;
  #closing: Promise<void> | undefined;
  #failure: LogError | undefined;

  /** `latest` is the checkpoint the storage holds now; the writer extends it. */
  constructor(data: WriterData, latest: StoredCheckpoint, observer?: BatchObserver) {
    this.#latest = latest;
    this.#observer = observer;
    this.#worker = new Worker(WRITER_URL, { workerData: data });
    this.#worker.on('message', (message: FromWriter) => this.#receive(message));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', () => this.#fail(new Error('the writer thread exited')));
  }

  get checkpoint(): StoredCheckpoint {
    return this.#latest;
  }

  submit(body: Uint8Array, record?: EntryRecord): Promise<Acknowledgement> {
    if (this.#closing !== undefined) {
      return Promise.reject(new LogError('sequencer-closed', 'the log is shutting down'));
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    if (this.#outbox.length === 0) setImmediate(() => this.#send());
    this.#outbox.push({ id, body, record });
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  /** Seals what is queued, waits for every answer, and stops the thread. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#send();
      this.#worker.once('exit', () => resolve());
      this.#post({ close: true });
    });
    return this.#closing;
  }

  #send(): void {
    if (this.#outbox.length === 0) return;
    const submissions = this.#outbox;
    this.#outbox = [];
    this.#post({ submissions });
  }

  #post(message: ToWriter): void {
    if (this.#failure === undefined) this.#worker.postMessage(message);
  }

  #receive(message: FromWriter): void {
    if ('batch' in message) {
      const { size, seconds, checkpoint } = message.batch;
      this.#advance(checkpoint);
      this.#observer?.recordBatch(size, seconds);
    } else {
      for (const answer of message.answers) {
        const pending = this.#pending.get(answer.id) as Pending;
        this.#pending.delete(answer.id);
        if ('ack' in answer) {
          // An answer may arrive before its batch's report: never serve an older checkpoint
          // than one a submitter was just given.
          this.#advance(answer.ack.checkpoint);
          pending.resolve(answer.ack);
        } else
          pending.reject(
            new LogError(answer.failure.code ?? 'storage-failure', answer.failure.message),
          );
      }
    }
  }

  #advance(checkpoint: StoredCheckpoint): void {
    if (checkpoint.size > this.#latest.size) this.#latest = checkpoint;
  }

  /** The thread is gone: every waiting submitter and every later one gets an error. */
  #fail(cause: Error): void {
    this.#failure ??= new LogError('writer-failed', `the log's writer stopped: ${cause.message}`);
    for (const { reject } of this.#pending.values()) reject(this.#failure);
    this.#pending.clear();
  }
}
