import { LogError } from '../../server/log/errors.ts';

export type VerifyErrorCode =
  /** The options name no verification method, or two, or a part of one is unreadable. */
  | 'bad-options'
  /** The bundle cannot be read, is not JSON, or lacks a part every bundle has. */
  | 'bad-bundle'
  /** The bundle's mediaType is not a Sigstore bundle's. */
  | 'unsupported-bundle'
  /** The bundle was made by another method than the one verifying it (OMS 11.1). */
  | 'method-mismatch'
  /** The key or certificate is not ECDSA P-256, P-384 or P-521. */
  | 'unsupported-key-type'
  /** The bundle was signed with another key than the one given. */
  | 'wrong-key'
  /** The signature does not verify: the payload or signature was changed. */
  | 'signature-invalid'
  /** The certificate does not chain to a trusted CA. */
  | 'untrusted-ca'
  | 'certificate-expired'
  | 'certificate-not-yet-valid'
  /** The leaf certificate allows neither digital signatures nor code signing. */
  | 'certificate-not-for-signing'
  /** Keyless: the certificate names another identity (SAN) than the one expected. */
  | 'identity-mismatch'
  /** Keyless: the certificate was issued for another OIDC issuer than the one expected. */
  | 'issuer-mismatch'
  /** Keyless: too few trusted timestamps, or one that does not verify. */
  | 'timestamp-invalid'
  /** Keyless: too few transparency log entries, or one that does not verify. */
  | 'tlog-invalid'
  /** The signed payload is not an OMS in-toto statement. */
  | 'bad-payload'
  | 'wrong-predicate-type'
  /** The statement's root digest is not the digest of its resources. */
  | 'manifest-inconsistent'
  /** The statement asks for hashing this verifier cannot do (blake2b, blake3). */
  | 'unsupported-serialization'
  /** Hashing the model failed (see the HashError in `cause`). */
  | 'model-unreadable'
  /** The model differs from what was signed: see missing, extra and changed. */
  | 'manifest-mismatch'
  /** The log holds a revocation of the model by its signer or a trusted advisory key. */
  | 'revoked';

/** A revocation the log holds of a model, signed by a key the verifier trusts to revoke it. */
export interface Revocation {
  logIndex: number;
  /** The revoking key's identity: `sha256:<hex of its DER SPKI>`. */
  signer: string;
  reason: string;
  severity: string;
  replacement?: { name?: string; sha256: string };
}

export interface ManifestDifferences {
  /** Signed files that are not in the model. */
  missing: string[];
  /** Files in the model that were not signed. */
  extra: string[];
  /** Files whose content differs from what was signed. */
  changed: string[];
}

/** Verification failed: the model must not be trusted. */
export class VerifyError extends LogError {
  declare readonly code: VerifyErrorCode;
  /** Set for manifest-mismatch. */
  readonly differences: ManifestDifferences | undefined;
  /** Set for revoked. */
  readonly revocation: Revocation | undefined;

  constructor(
    code: VerifyErrorCode,
    message: string,
    options?: ErrorOptions & { differences?: ManifestDifferences; revocation?: Revocation },
  ) {
    super(code, message, options);
    this.differences = options?.differences;
    this.revocation = options?.revocation;
  }
}
