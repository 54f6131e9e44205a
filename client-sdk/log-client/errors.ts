import { LogError } from '../../server/log/errors.ts';

/**
 * The log answered something that does not check out (a bad proof or signature: never trust it),
 * or refused the request (`status` set, `code` the log's error code).
 */
export class LogClientError extends LogError {
  readonly status: number | undefined;

  constructor(code: string, message: string, status?: number, options?: ErrorOptions) {
    super(code, message, options);
    this.status = status;
  }
}
