// The keyless (sigstore) method (OMS 4.1, 8.2): a short-lived Fulcio certificate, its signed
// certificate timestamps, RFC 3161 timestamps and transparency log entries, all checked by
// @sigstore/verify against the trusted root given. The identity is then compared exactly: the
// policy of @sigstore/verify matches the SAN as a regular expression, so "dev@example.com" would
// also accept "dev@example.com.evil".
import {
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  bundleFromJSON,
} from '@sigstore/bundle';
import { type Signer, toSignedEntity, type VerificationError, Verifier } from '@sigstore/verify';
import { VerifyError, type VerifyErrorCode } from './errors.ts';
import type { OmsBundle } from './read-bundle.ts';
import { trustMaterialOf } from './trusted-root.ts';
import type { VerifiedSignature } from './verified-signer.ts';

const V03_MEDIA_TYPES = new Set([BUNDLE_V03_MEDIA_TYPE, BUNDLE_V03_LEGACY_MEDIA_TYPE]);

export interface KeylessOptions {
  identity: string;
  issuer: string;
  trustedRoot: unknown;
  /** Transparency log entries the bundle must carry; OMS 4.1 requires one. */
  tlogThreshold: number;
}

function causeChain(error: unknown): string {
  const messages: string[] = [];
  for (let e = error; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join(': ');
}

const CODES: Record<string, VerifyErrorCode> = {
  TLOG_ERROR: 'tlog-invalid',
  TLOG_BODY_ERROR: 'tlog-invalid',
  TLOG_INCLUSION_PROOF_ERROR: 'tlog-invalid',
  TLOG_INCLUSION_PROMISE_ERROR: 'tlog-invalid',
  TLOG_MISSING_INCLUSION_ERROR: 'tlog-invalid',
  TIMESTAMP_ERROR: 'timestamp-invalid',
  SIGNATURE_ERROR: 'signature-invalid',
};

/** The rest are certificate errors: the chain to Fulcio, its validity, its SCTs. */
function errorCode(error: VerificationError, detail: string): VerifyErrorCode {
  return CODES[error.code] ?? (/expired/.test(detail) ? 'certificate-expired' : 'untrusted-ca');
}

const ADVICE: Partial<Record<VerifyErrorCode, string>> = {
  'tlog-invalid':
    'a keyless bundle needs a transparency log entry its trusted root lists (or lower the tlog threshold to accept unlogged bundles)',
  'timestamp-invalid':
    'a keyless bundle needs a timestamp from a log or timestamp authority in the trusted root: sign with a TSA',
  'untrusted-ca': 'pass the trusted root of the Fulcio instance that issued the certificate',
};

function verifySigstore(bundle: OmsBundle, options: KeylessOptions): Signer {
  const trustMaterial = trustMaterialOf(options.trustedRoot);
  let entity: ReturnType<typeof toSignedEntity>;
  try {
    entity = toSignedEntity(bundleFromJSON(bundle.json));
  } catch (cause) {
    throw new VerifyError('bad-bundle', `not a valid Sigstore bundle: ${causeChain(cause)}`, {
      cause,
    });
  }
  const verifier = new Verifier(trustMaterial, {
    tlogThreshold: options.tlogThreshold,
    ctlogThreshold: 1,
    timestampThreshold: 1,
  });
  try {
    return verifier.verify(entity);
  } catch (cause) {
    const detail = causeChain(cause);
    const code = errorCode(cause as VerificationError, detail);
    const advice = ADVICE[code];
    throw new VerifyError(code, advice === undefined ? detail : `${detail}: ${advice}`, { cause });
  }
}

export async function verifyKeylessBundle(
  bundle: OmsBundle,
  options: KeylessOptions,
): Promise<VerifiedSignature> {
  const { kind } = bundle.material;
  if (kind === 'publicKey') {
    throw new VerifyError(
      'method-mismatch',
      'the bundle was signed with a bare key, not keyless: verify it with the public key',
    );
  }
  // Sigstore bundles before v0.3 carried the Fulcio certificate in a chain; in a v0.3 bundle a
  // chain means the certificate method (OMS 11.1).
  if (kind === 'x509CertificateChain' && V03_MEDIA_TYPES.has(bundle.json.mediaType as string)) {
    throw new VerifyError(
      'method-mismatch',
      'the bundle was signed with a certificate chain (certificate method), not keyless: verify it with the trusted CA certificates',
    );
  }
  // A certificate signer always has an identity, with the issuer extension read (maybe unset).
  const identity = verifySigstore(bundle, options).identity as {
    subjectAlternativeName?: string;
    extensions: { issuer?: string };
  };
  const san = identity.subjectAlternativeName;
  if (san !== options.identity) {
    throw new VerifyError(
      'identity-mismatch',
      `the certificate was issued to ${JSON.stringify(san)}, not ${JSON.stringify(options.identity)}`,
    );
  }
  const issuer = identity.extensions.issuer;
  if (issuer !== options.issuer) {
    throw new VerifyError(
      'issuer-mismatch',
      `the certificate's identity was vouched for by the OIDC issuer ${JSON.stringify(issuer)}, not ${JSON.stringify(options.issuer)}`,
    );
  }
  return { signer: { method: 'sigstore', identity: san, issuer }, legacy: [] };
}
