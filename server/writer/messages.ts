// What the main thread and the writer thread say to each other. Batches of requests and answers
// travel as one message per event-loop turn: a message per submission would cost more than the
// SQLite insert it carries.
import type { Acknowledgement } from '../log/sequencer.ts';
import type { EntryRecord, StoredCheckpoint } from '../storage/storage.ts';

export interface WriterData {
  dbPath: string;
  keysDir: string;
  origin: string;
  maxBatchSize?: number;
  maxBatchDelayMs?: number;
}

export interface Submission {
  id: number;
  body: Uint8Array;
  record?: EntryRecord;
}

/** A failure as it crosses threads: LogError codes survive, so routes map them as before. */
export interface FailureMessage {
  code?: string;
  message: string;
}

export type Answer = { id: number; ack: Acknowledgement } | { id: number; failure: FailureMessage };

export type ToWriter = { submissions: Submission[] } | { close: true };

export type FromWriter =
  | { answers: Answer[] }
  | { batch: { size: number; seconds: number; checkpoint: StoredCheckpoint } };
