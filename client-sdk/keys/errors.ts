import { LogError } from '../../server/log/errors.ts';

export type KeyErrorCode = 'key-exists' | 'unknown-key-type';

/** A key pair could not be made or written; nothing was overwritten. */
export class KeyError extends LogError {
  declare readonly code: KeyErrorCode;

  constructor(code: KeyErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
