// Who publishes: the caller a verified bearer token names, and the name patterns it may publish
// under. Every token issuer (the log's own, or an OIDC issuer the operator trusts) yields one.
import { errors, type JWTPayload, type JWTVerifyResult } from 'jose';
import { ApiError } from '../http/api-error.ts';

export interface Publisher {
  /** The token's `iss`. */
  issuer: string;
  /** The token's `sub`. */
  subject: string;
  /** Name patterns (server/auth/name-pattern.ts) this caller may publish under. */
  namespaces: string[];
  /** Unix milliseconds after which the token is no longer accepted. */
  expiresAt: number;
}

/** A token issuer the log trusts: verifies a token it issued and says what it allows. */
export interface TokenIssuer {
  readonly issuer: string;
  verify(token: string): Promise<Publisher>;
}

/** Retry-After while an OIDC issuer's keys cannot be fetched. */
export const ISSUER_RETRY_AFTER = 10;

/** Publishing is refused, 401, for `reason`: the client must send another token (RFC 6750). */
export function unauthenticated(code: string, reason: string): ApiError {
  const challenge = code === 'token-required' ? 'Bearer' : 'Bearer error="invalid_token"';
  return new ApiError(401, code, reason, { headers: { 'www-authenticate': challenge } });
}

/**
 * A 401 (or a 503 when the issuer's keys could not be fetched) for a token jose refused; the
 * token itself is never quoted.
 */
export function tokenRefusal(error: unknown, issuer: string): ApiError {
  if (error instanceof errors.JWTExpired) {
    return unauthenticated('token-expired', `the token from ${issuer} has expired`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return unauthenticated(
      'token-claim-refused',
      `the token's "${error.claim}" claim is refused: ${error.message}`,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return unauthenticated('token-algorithm-refused', `${issuer} tokens: ${error.message}`);
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return unauthenticated(
      'token-signature-refused',
      `the token's signature does not verify with a key of ${issuer}`,
    );
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return unauthenticated('token-malformed', `the token is malformed: ${error.message}`);
  }
  if (error instanceof ApiError) return error;
  const issuerFault =
    !(error instanceof errors.JOSEError) ||
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error.code === errors.JOSEError.code;
  if (!issuerFault) {
    return unauthenticated('token-refused', `the token is refused: ${error.message}`);
  }
  // A timeout, a failed fetch or discovery, a bad key set: the issuer's, not the client's.
  return new ApiError(
    503,
    'issuer-unavailable',
    `the keys of ${issuer} cannot be fetched (${(error as Error).message}): retry in ${ISSUER_RETRY_AFTER} s`,
    { retryAfter: ISSUER_RETRY_AFTER, cause: error },
  );
}

/** Runs jose's verification, turning its refusals into API errors. */
export async function verified(
  verification: Promise<JWTVerifyResult>,
  issuer: string,
): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    payload = (await verification).payload;
  } catch (error) {
    throw tokenRefusal(error, issuer);
  }
  // jose checks that sub is there, not what it is: it names the caller in limits and messages.
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw unauthenticated('token-claim-refused', 'the token\'s "sub" claim is not a string');
  }
  return payload;
}

/** Asymmetric algorithms only: a shared-secret (HS*) or unsigned (none) token is never accepted. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
