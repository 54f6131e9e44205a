import { LogError } from '../../server/log/errors.ts';

export type SignErrorCode =
  /** The options name no signing method, or two, or lack a part of one. */
  | 'bad-options'
  /** The private key is not a PEM private key (or is encrypted). */
  | 'bad-private-key'
  /** OMS signs with ECDSA P-256, P-384 or P-521 keys only. */
  | 'unsupported-key-type'
  /** The signing certificate or its chain cannot be read or does not hang together. */
  | 'bad-certificate'
  /** The signing certificate certifies another key than the private key given. */
  | 'certificate-key-mismatch'
  /** Hashing the model failed (see the HashError in `cause`). */
  | 'model-unreadable'
  /** Fulcio or the timestamp authority refused or could not be reached. */
  | 'signing-failed'
  /** The bundle was signed but publishing it failed (or the answer did not verify). */
  | 'publish-failed';

/** Signing a model failed; nothing was published. */
export class SignError extends LogError {
  declare readonly code: SignErrorCode;

  constructor(code: SignErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
