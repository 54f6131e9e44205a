// Publish tokens for tests: minted by a log's own issuer (as `attestry token` does), or forged
// in the ways an attacker would, and an OIDC issuer served over loopback HTTP.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import type { Test } from 'tap';
import { mintLocalToken } from '../../server/auth/local-token.ts';
import { defaultKeysDir } from '../../server/defaults.ts';
import { loadTokenIssuerKey } from '../../server/keys.ts';
import type { LogService } from '../../server/log-service.ts';

/** A token of the log's own issuer for these name patterns. */
export async function localToken(
  log: LogService & { dbPath: string },
  namespaces: string[],
  options: { subject?: string; ttlSeconds?: number } = {},
): Promise<string> {
  const { token } = await mintLocalToken(loadTokenIssuerKey(defaultKeysDir(log.dbPath)), {
    origin: log.origin,
    namespaces,
    ttlSeconds: options.ttlSeconds ?? 600,
    subject: options.subject ?? 'test-publisher',
  });
  return token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface TestOidcIssuer {
  issuer: string;
  /** Signs a token with the issuer's key (RS256), with these claims, as this issuer or another. */
  sign(
    claims: JWTPayload,
    options?: { expiresIn?: string | number; issuer?: string },
  ): Promise<string>;
  /** The issuer's public keys as a JSON Web Key Set. */
  jwks: { keys: object[] };
  /** Requests for its discovery document and keys so far. */
  requests: string[];
  /** Stops answering (connections are refused) until started again. */
  stop(): Promise<void>;
}

/**
 * An OIDC issuer on 127.0.0.1: discovery document (or `discovery` instead, null for a 404), key
 * set, and tokens signed with its key.
 */
export async function startOidcIssuer(
  t: Test,
  discovery?: (issuer: string) => object | null,
): Promise<TestOidcIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const jwks = { keys: [jwk] };
  const requests: string[] = [];
  let issuer = '';
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const body =
      request.url === '/.well-known/openid-configuration'
        ? (discovery ?? ((name) => ({ issuer: name, jwks_uri: `${name}/jwks` })))(issuer)
        : request.url === '/jwks'
          ? jwks
          : undefined;
    response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  t.teardown(() => (server.listening ? stop() : undefined));
  return {
    issuer,
    jwks,
    requests,
    stop,
    sign: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(options.issuer ?? issuer)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '10m')
        .sign(privateKey),
  };
}
