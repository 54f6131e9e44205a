// What every publishing route shares: refusing submissions while the log is saturated (503 before
// the body is read), checking what was sent (a refusal is the client's: 400 with the check's
// code) and appending the leaf (413 for an entry over the size limit; 503, to be retried, while
// the log shuts down or its storage cannot be written).
import type { onRequestAsyncHookHandler } from 'fastify';
import { SubmissionError } from '../entries/submission-error.ts';
import { LogError } from '../log/errors.ts';
import type { Acknowledgement } from '../log/sequencer.ts';
import type { LogService } from '../log-service.ts';
import { StorageError } from '../storage/errors.ts';
import type { EntryRecord } from '../storage/storage.ts';
import { ApiError } from './api-error.ts';

/** Retry-After of a saturated log: a batch seals the whole queue within milliseconds. */
export const SATURATED_RETRY_AFTER = 1;
/** Retry-After while the storage cannot be read or written (a full disk waits for an operator). */
export const STORAGE_RETRY_AFTER = 10;
/** Retry-After while the log shuts down (a restart takes seconds). */
export const CLOSING_RETRY_AFTER = 5;

/** The submissions of one app whose checks are under way (their signatures on the thread pool). */
export interface ChecksUnderWay {
  count: number;
}

/**
 * An onRequest hook refusing submissions while maxQueued or more wait, for the sequencer or for
 * their checks, before the body is read or its signature checked; reads are not concerned. The
 * limit is soft: submissions already past this hook still join the queue.
 */
export function refuseWhenSaturated(
  log: LogService,
  maxQueued: number,
  checks: ChecksUnderWay,
): onRequestAsyncHookHandler {
  return async () => {
    const queued = log.sequencer.queueLength + checks.count;
    if (queued >= maxQueued) {
      throw new ApiError(
        503,
        'log-saturated',
        `the log has ${queued} submissions being checked or waiting to be sequenced (at most ${maxQueued}): retry in ${SATURATED_RETRY_AFTER} s`,
        { retryAfter: SATURATED_RETRY_AFTER },
      );
    }
  };
}

/**
 * A submission check's result, its SubmissionError a 400. The checks are async functions, so that
 * whatever they throw, before or after their signature check on the thread pool, reaches this as
 * a rejection.
 */
export async function checked<T>(checks: ChecksUnderWay, check: Promise<T>): Promise<T> {
  checks.count++;
  try {
    return await check;
  } catch (error) {
    if (error instanceof SubmissionError) throw new ApiError(400, error.code, error.message);
    throw error;
  } finally {
    checks.count--;
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
      throw new ApiError(503, error.code, error.message, { retryAfter: CLOSING_RETRY_AFTER });
    }
    // The batch was rolled back whole: nothing of it is stored, and the log goes on serving reads.
    if (error instanceof StorageError && error.code === 'storage-unavailable') {
      throw new ApiError(
        503,
        error.code,
        `${error.message}; nothing was logged: retry in ${STORAGE_RETRY_AFTER} s`,
        { retryAfter: STORAGE_RETRY_AFTER, cause: error },
      );
    }
    throw error;
  }
}
