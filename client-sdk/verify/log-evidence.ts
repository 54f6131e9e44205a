// Log evidence for a signed model: the bundle's entry is in the log, proven by an inclusion proof
// to a checkpoint signed by the pinned log key, and that checkpoint extends the last one this
// machine saw of the log (kept in a state directory), so that a log showing this machine another
// history than before is caught as a fork.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkSubmission } from '../../server/entries/submission.ts';
import { toHex, utf8 } from '../../server/log/encoding.ts';
import { sha256 } from '../../server/log/hash.ts';
import { parseVerifierKey } from '../../server/log/note-keys.ts';
import { LogClientError } from '../log-client/errors.ts';
import { LogClient, type VerifiedCheckpoint } from '../log-client/log-client.ts';
import { defaultStateDir, type LogState, logState } from '../log-state/log-state.ts';
import { LogStateError } from '../log-state/log-state-error.ts';
import { findLoggedEntry } from './log-evidence-entry.ts';
import {
  type CheckpointSummary,
  LogEvidenceError,
  LogForkError,
  summarizeCheckpoint,
} from './log-evidence-error.ts';

export interface LogEvidenceOptions {
  logUrl: string;
  /** The pinned C2SP note verifier key of the log (`<origin>+<key ID>+<base64 key>`). */
  logKey: string;
  /** PEM public key of the signer: needed, as for publishing, when the bundle only hints at it. */
  publicKey?: string;
  /** Where the last checkpoint seen of each log is kept (default: defaultStateDir()). */
  stateDir?: string;
  fetch?: typeof fetch;
}

export interface LogEvidence {
  logIndex: number;
  /** Unix seconds at which the log integrated the entry. */
  integratedTime: number;
  /** The signed checkpoint the entry is proven included in. */
  checkpoint: CheckpointSummary;
  inclusionVerified: true;
  /** The size of the checkpoint seen before, which this one was proven to extend (none at first). */
  consistentWith?: number;
}

/**
 * Finds the bundle's entry in the log and proves it is there, and that the log has not forked
 * since this machine last looked. Throws a LogError: SubmissionError when the bundle is not one
 * the log would take, LogClientError when the log's answers do not verify with the pinned key,
 * LogEvidenceError ('entry-not-in-log', 'log-fork', 'log-rollback'), LogStateError.
 */
export async function verifyLogEvidence(
  bundle: unknown,
  options: LogEvidenceOptions,
): Promise<LogEvidence> {
  const client = new LogClient({
    url: options.logUrl,
    noteVerifierKey: options.logKey,
    fetch: options.fetch,
  });
  const stateDir = options.stateDir ?? defaultStateDir();
  const state = keptLogState(options.logKey, stateDir);
  // The log's own checkpoint first: under a mistyped key it fails as the log's answer.
  await client.checkpoint();
  const stored =
    (await state.load()) ?? (await adoptOriginKeptState(state, options.logKey, stateDir));
  const checked = await checkSubmission({ bundle, publicKey: options.publicKey });
  const entry = await findLoggedEntry(client, bundle, checked);
  const served = entry.inclusion.checkpoint;
  if (stored !== undefined) await proveExtends(client, state, stored, served);
  await state.advance(served);
  return {
    logIndex: entry.logIndex,
    integratedTime: entry.integratedTime,
    checkpoint: summarizeCheckpoint(served),
    inclusionVerified: true,
    ...(stored !== undefined && { consistentWith: stored.size }),
  };
}

/**
 * The state kept of the log with this verifier key, in a directory of its own per origin and key:
 * the origin alone (the host name, by default) is shared by every log a machine runs or recreates
 * with new keys, which would be taken for forks of each other. The key string has one spelling.
 */
export function keptLogState(logKey: string, stateDir: string = defaultStateDir()): LogState {
  const identity = toHex(sha256(utf8(logKey)));
  return logState(parseVerifierKey(logKey), join(stateDir, 'logs', identity));
}

/**
 * Earlier versions kept the state per origin alone, in `<stateDir>/checkpoints`. A checkpoint
 * there that the pinned key verifies is this log's: it is moved over, so the log stays checked
 * against it (and a user who deletes the new file, as an error may tell, does not get it back);
 * any other (another log's, or damaged) is left alone.
 */
async function adoptOriginKeptState(
  state: LogState,
  logKey: string,
  stateDir: string,
): Promise<VerifiedCheckpoint | undefined> {
  const byOrigin = logState(parseVerifierKey(logKey), stateDir);
  const kept = await byOrigin.load().catch((error: unknown) => {
    if (error instanceof LogStateError) return undefined;
    throw error;
  });
  if (kept === undefined) return undefined;
  await state.advance(kept);
  await rm(byOrigin.file, { force: true });
  return kept;
}

/** The served checkpoint and the stored one must be one history: the smaller a prefix of the other. */
async function proveExtends(
  client: LogClient,
  state: LogState,
  stored: VerifiedCheckpoint,
  served: VerifiedCheckpoint,
): Promise<void> {
  // Two signed trees of one size are one history only with one root: that needs no proof from
  // the log, which could otherwise hide the fork behind a failing request.
  if (served.size === stored.size) {
    if (toHex(served.rootHash) !== toHex(stored.rootHash)) {
      throw new LogForkError(stored, served, state.file);
    }
    return;
  }
  const rolledBack = served.size < stored.size;
  try {
    await (rolledBack
      ? client.proveConsistency(served, stored)
      : client.proveConsistency(stored, served));
  } catch (error) {
    if (error instanceof LogClientError && error.code === 'inconsistent-checkpoints') {
      throw new LogForkError(stored, served, state.file, { cause: error });
    }
    // A log cannot prove anything about a tree larger than its latest one.
    if (error instanceof LogClientError && error.status !== undefined && rolledBack) {
      throw new LogEvidenceError(
        'log-rollback',
        `the log ${served.origin} went back: it serves its checkpoint of size ${served.size}, but this machine saw size ${stored.size} (kept in ${state.file}); it lost entries or shows another history`,
        { cause: error },
      );
    }
    throw error;
  }
}
