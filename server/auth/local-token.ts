// The log's own token issuer: `attestry token` signs publish tokens with the Ed25519 key in the
// log's key directory, for operators and CI; the server verifies them with its public half. The
// issuer and audience name the log's origin, so a token for one log is refused by every other.
import { type KeyObject, randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { namePatternProblem } from './name-pattern.ts';
import { type Publisher, type TokenIssuer, unauthenticated, verified } from './publisher.ts';

/** The claim listing the name patterns a token may publish under. */
export const NAMESPACES_CLAIM = 'namespaces';
/** The longest a local token may live: a leaked one stays useful at most this long. */
export const MAX_TOKEN_TTL_SECONDS = 366 * 86_400;
const LOCAL_ALGORITHM = 'EdDSA';

export function localIssuerName(origin: string): string {
  return `attestry:${origin}`;
}

export interface LocalTokenRequest {
  origin: string;
  /** Name patterns, at least one. */
  namespaces: string[];
  ttlSeconds: number;
  /** Who the token is for, as the log's rate limits and error messages name it. */
  subject: string;
}

/** Refuses what no token should carry; undefined when the request is sound. */
function localTokenProblem(request: LocalTokenRequest): string | undefined {
  if (request.namespaces.length === 0) return 'a token needs at least one --namespace';
  for (const pattern of request.namespaces) {
    const problem = namePatternProblem(pattern);
    if (problem !== undefined) return problem;
  }
  if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds < 1) {
    return 'a token lives at least one second';
  }
  if (request.ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
    return `a token lives at most ${MAX_TOKEN_TTL_SECONDS / 86_400} days`;
  }
  if (request.subject.length === 0) return 'a token names its subject';
  return undefined;
}

export async function mintLocalToken(
  privateKey: KeyObject,
  request: LocalTokenRequest,
): Promise<{ token: string; expiresAt: Date }> {
  const problem = localTokenProblem(request);
  if (problem !== undefined) throw new RangeError(problem);
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + request.ttlSeconds;
  const token = await new SignJWT({ [NAMESPACES_CLAIM]: request.namespaces })
    .setProtectedHeader({ alg: LOCAL_ALGORITHM, typ: 'JWT' })
    .setIssuer(localIssuerName(request.origin))
    .setAudience(request.origin)
    .setSubject(request.subject)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .setJti(randomUUID())
    .sign(privateKey);
  return { token, expiresAt: new Date(expiresAt * 1000) };
}

/** Verifies the tokens `attestry token` minted for this log. */
export function localTokenIssuer(publicKey: KeyObject, origin: string): TokenIssuer {
  const issuer = localIssuerName(origin);
  return {
    issuer,
    async verify(token: string): Promise<Publisher> {
      const payload = await verified(
        jwtVerify(token, publicKey, {
          issuer,
          audience: origin,
          algorithms: [LOCAL_ALGORITHM],
          requiredClaims: ['sub', 'exp'],
        }),
        issuer,
      );
      const namespaces = payload[NAMESPACES_CLAIM];
      if (
        !Array.isArray(namespaces) ||
        namespaces.some((p) => typeof p !== 'string' || namePatternProblem(p) !== undefined)
      ) {
        throw unauthenticated(
          'token-claim-refused',
          `the token's "${NAMESPACES_CLAIM}" claim is not a list of name patterns`,
        );
      }
      return {
        issuer,
        subject: payload.sub as string,
        namespaces: namespaces as string[],
        expiresAt: (payload.exp as number) * 1000,
      };
    },
  };
}
