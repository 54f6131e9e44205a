// Turns a request's Authorization header into the Publisher its bearer token names, through the
// issuer the token claims (the log's own or a configured OIDC issuer), and only if that issuer's
// verification passes. Verified tokens are remembered until they expire: a pipeline sends the same
// token with every submission, and a signature check per request would cost as much as the entry's.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { LRUCache } from 'lru-cache';
import { LogError } from '../log/errors.ts';
import { type Publisher, type TokenIssuer, unauthenticated } from './publisher.ts';

/** Longest token accepted: OIDC tokens are a few kilobytes at most. */
export const MAX_TOKEN_LENGTH = 8 * 1024;
const CACHED_TOKENS = 4096;

export class Authenticator {
  readonly #issuers: Map<string, TokenIssuer>;
  readonly #verified = new LRUCache<string, Publisher>({ max: CACHED_TOKENS });

  constructor(issuers: TokenIssuer[]) {
    this.#issuers = new Map(issuers.map((issuer) => [issuer.issuer, issuer]));
    // An OIDC issuer configured under the log's own issuer name would take its place.
    if (this.#issuers.size !== issuers.length) {
      throw new LogError('bad-oidc-config', 'two token issuers have the same name');
    }
  }

  /** The publisher of a `Bearer` token; undefined without an Authorization header. */
  async authenticate(authorization: string | undefined): Promise<Publisher | undefined> {
    if (authorization === undefined) return undefined;
    const match = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(authorization);
    if (match === null) {
      throw unauthenticated(
        'bad-authorization',
        'the Authorization header must be "Bearer <token>" with one JSON Web Token',
      );
    }
    const token = match[1];
    if (token.length > MAX_TOKEN_LENGTH) {
      throw unauthenticated('token-malformed', `the token is over ${MAX_TOKEN_LENGTH} characters`);
    }
    const remembered = this.#verified.get(token);
    if (remembered !== undefined) return remembered;

    const issuer = this.#issuerOf(token);
    const publisher = await issuer.verify(token);
    const ttl = publisher.expiresAt - Date.now();
    if (ttl > 0) this.#verified.set(token, publisher, { ttl });
    return publisher;
  }

  /** The trusted issuer the token names; which key must have signed it is that issuer's to say. */
  #issuerOf(token: string): TokenIssuer {
    let alg: unknown;
    let iss: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      iss = decodeJwt(token).iss;
    } catch {
      throw unauthenticated('token-malformed', 'the token is not a signed JSON Web Token');
    }
    if (alg === 'none') {
      throw unauthenticated('token-algorithm-refused', 'unsigned tokens (alg "none") are refused');
    }
    const issuer = typeof iss === 'string' ? this.#issuers.get(iss) : undefined;
    if (issuer === undefined) {
      throw unauthenticated(
        'token-issuer-unknown',
        `this log does not take tokens from ${typeof iss === 'string' ? `"${iss.slice(0, 200)}"` : 'an unnamed issuer'}`,
      );
    }
    return issuer;
  }
}
