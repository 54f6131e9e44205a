// Every reason the log refuses a submission, as a stable code: the HTTP layer maps codes to
// statuses (payload-too-large to 413, the rest to 400) and clients branch on them.
import { LogError } from '../log/errors.ts';

export type SubmissionErrorCode =
  | 'bad-request'
  | 'missing-bundle'
  | 'bad-bundle'
  | 'unsupported-bundle-version'
  | 'unsupported-bundle-content'
  | 'missing-envelope'
  | 'bad-envelope'
  | 'bad-base64'
  | 'unsupported-signature-count'
  | 'unsupported-payload-type'
  | 'payload-too-large'
  | 'missing-verification-material'
  | 'missing-public-key'
  | 'unexpected-public-key'
  | 'bad-public-key'
  | 'unsupported-key-type'
  | 'hint-mismatch'
  | 'wrong-key'
  | 'key-details-mismatch'
  | 'bad-certificate'
  | 'bad-certificate-chain'
  | 'certificate-without-identity'
  | 'bad-signature'
  | 'bad-statement'
  | 'too-many-subjects'
  | 'bad-predicate'
  | 'bad-entry'
  | 'unsupported-entry-kind'
  | 'bad-digest';

/** A submitted bundle failed a check; nothing was logged. */
export class SubmissionError extends LogError {
  declare readonly code: SubmissionErrorCode;

  constructor(code: SubmissionErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
