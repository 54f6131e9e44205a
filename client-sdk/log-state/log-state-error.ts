import { LogError } from '../../server/log/errors.ts';

export type LogStateErrorCode = 'bad-log-state' | 'log-state-unwritable';

/** The checkpoint this machine keeps of a log cannot be read, trusted or written. */
export class LogStateError extends LogError {
  declare readonly code: LogStateErrorCode;
  /** The state file concerned. */
  readonly file: string;

  constructor(code: LogStateErrorCode, file: string, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.file = file;
  }
}
