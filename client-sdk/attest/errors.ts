import { LogError } from '../../server/log/errors.ts';

export type AttestErrorCode =
  /** Not one of dataset, contributor, lineage, evaluation, revocation. */
  | 'unknown-type'
  /** The predicate fails its schema: the message names the field, as the log's would. */
  | 'bad-predicate'
  /** The statement around it would be refused by the log (a subject digest or name, say). */
  | 'bad-statement'
  /** The dataset manifest's root digest is not the subject digest. */
  | 'digest-mismatch'
  /** The dataset directory cannot be hashed (see the HashError in `cause`). */
  | 'dataset-unreadable'
  /** The private key is not an unencrypted PEM private key. */
  | 'bad-private-key'
  /** Attestations are signed with ECDSA P-256, P-384 or P-521 keys. */
  | 'unsupported-key-type'
  /** Signing the envelope failed. */
  | 'signing-failed'
  /** The attestation was signed but publishing it failed (or the answer did not verify). */
  | 'publish-failed';

/** Making an attestation failed; when the code is not publish-failed, nothing was signed. */
export class AttestError extends LogError {
  declare readonly code: AttestErrorCode;

  constructor(code: AttestErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
