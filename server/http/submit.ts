// The two steps every publishing route shares: checking what was sent (a refusal is the client's:
// 400 with the check's code) and appending the leaf (413 for an entry over the size limit, 503
// while the log shuts down).
import { SubmissionError } from '../entries/submission-error.ts';
import { LogError } from '../log/errors.ts';
import type { Acknowledgement } from '../log/sequencer.ts';
import type { LogService } from '../log-service.ts';
import type { EntryRecord } from '../storage/storage.ts';
import { ApiError } from './api-error.ts';

export async function checked<T>(check: Promise<T>): Promise<T> {
  try {
    return await check;
  } catch (error) {
    if (error instanceof SubmissionError) throw new ApiError(400, error.code, error.message);
    throw error;
  }
}

export async function appendLeaf(
  log: LogService,
  leaf: Uint8Array,
  record: EntryRecord | undefined,
): Promise<Acknowledgement> {
  try {
    return await log.sequencer.submit(leaf, record);
  } catch (error) {
    if (error instanceof LogError && error.code === 'entry-too-large') {
      throw new ApiError(
        413,
        error.code,
        `the entry's verification material is too large: ${error.message}`,
      );
    }
    if (error instanceof LogError && error.code === 'sequencer-closed') {
      throw new ApiError(503, error.code, error.message);
    }
    throw error;
  }
}
