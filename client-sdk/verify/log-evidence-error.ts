import { toHex } from '../../server/log/encoding.ts';
import { LogError } from '../../server/log/errors.ts';
import type { VerifiedCheckpoint } from '../log-client/log-client.ts';

export type LogEvidenceErrorCode = 'entry-not-in-log' | 'log-fork' | 'log-rollback';

/** The log does not hold the bundle, or its history does not extend what this machine saw. */
export class LogEvidenceError extends LogError {
  declare readonly code: LogEvidenceErrorCode;

  constructor(code: LogEvidenceErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** A checkpoint, as reported in errors and evidence. */
export interface CheckpointSummary {
  origin: string;
  size: number;
  /** Lowercase hex. */
  rootHash: string;
  /** The signed note. */
  note: string;
}

export function summarizeCheckpoint(checkpoint: VerifiedCheckpoint): CheckpointSummary {
  return {
    origin: checkpoint.origin,
    size: checkpoint.size,
    rootHash: toHex(checkpoint.rootHash),
    note: checkpoint.note,
  };
}

/**
 * The log signed two checkpoints that no single history explains. Both signed notes are kept:
 * together they are the proof of the fork, to show to anyone.
 */
export class LogForkError extends LogEvidenceError {
  readonly stored: CheckpointSummary;
  readonly served: CheckpointSummary;
  /** Where the stored checkpoint is kept. */
  readonly stateFile: string;

  constructor(
    stored: VerifiedCheckpoint,
    served: VerifiedCheckpoint,
    stateFile: string,
    options?: ErrorOptions,
  ) {
    const [was, now] = [summarizeCheckpoint(stored), summarizeCheckpoint(served)];
    super(
      'log-fork',
      `the log ${now.origin} forked: this machine saw its checkpoint of size ${was.size} with root ${was.rootHash} (kept in ${stateFile}), and it now serves size ${now.size} with root ${now.rootHash}, which does not extend it`,
      options,
    );
    this.stored = was;
    this.served = now;
    this.stateFile = stateFile;
  }
}
