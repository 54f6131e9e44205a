// External OIDC issuers the operator trusts to authorize publishing (a CI's workload identity
// tokens, for instance), configured in a JSON file (schemas/config/oidc-issuers.json): the
// issuer, the audience this log expects, where its keys are, and how the token's claims map to
// the name patterns it may publish under.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import configSchema from '../../schemas/config/oidc-issuers.json' with { type: 'json' };
import { ApiError } from '../http/api-error.ts';
import { LogError } from '../log/errors.ts';
import { namePatternProblem } from './name-pattern.ts';
import {
  ASYMMETRIC_ALGORITHMS,
  ISSUER_RETRY_AFTER,
  type Publisher,
  type TokenIssuer,
  tokenRefusal,
  verified,
} from './publisher.ts';

export interface OidcIssuerConfig {
  issuer: string;
  audience: string;
  jwksUri?: string;
  /** The issuer's keys, given: no request goes out for them. */
  jwks?: JSONWebKeySet;
  namespaces: string[];
  requiredClaims?: Record<string, string>;
  algorithms?: string[];
}

/** An issuer as the file lists it: a key set by file name, relative to the file. */
type OidcIssuerEntry = Omit<OidcIssuerConfig, 'jwks'> & { jwksFile?: string };

const FETCH_TIMEOUT_MS = 5_000;
const PLACEHOLDER = /\{([^{}]*)\}/g;
// A claim value put into a pattern must be a plain name: never a *, never empty. It may have a /
// (a "{repository}" of owner/name) only as whole leading path segments, "{repository}" or
// "{repository}/*": anywhere else its / would move the pattern into another namespace
// ("{org}-models/*" with org "victim/x" gives "victim/x-models/*").
const CLAIM_VALUE = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

const ajv = new Ajv2020({ allErrors: false });
addFormats.default(ajv);
const validateConfig = ajv.compile(configSchema);

const badConfig = (path: string, message: string) =>
  new LogError('bad-oidc-config', `${path}: ${message}`);

/** Keys are fetched over TLS, except from this machine (a test issuer, a local proxy). */
export function keyUrlProblem(url: string): string | undefined {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'https:') return undefined;
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
  return protocol === 'http:' && loopback ? undefined : `${url} is not an https URL`;
}

function templateProblem(template: string): string | undefined {
  const filled = template.replace(PLACEHOLDER, (_, claim: string) => (claim ? 'x' : '{'));
  if (/[{}]/.test(filled)) return `"${template}" has an empty or unbalanced {claim}`;
  return namePatternProblem(filled);
}

/** Reads and checks the operator's file; every problem is found here, at start-up. */
export function loadOidcIssuers(path: string): OidcIssuerConfig[] {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw badConfig(path, `not a readable JSON file (${(cause as Error).message})`);
  }
  if (!validateConfig(config)) {
    throw badConfig(path, ajv.errorsText(validateConfig.errors, { dataVar: 'config' }));
  }
  const issuers = (config as { issuers: OidcIssuerEntry[] }).issuers;
  const seen = new Set<string>();
  return issuers.map(({ jwksFile, ...issuer }): OidcIssuerConfig => {
    if (seen.has(issuer.issuer)) throw badConfig(path, `${issuer.issuer} is listed twice`);
    seen.add(issuer.issuer);
    for (const template of issuer.namespaces) {
      const problem = templateProblem(template);
      if (problem !== undefined) throw badConfig(path, problem);
    }
    const url = issuer.jwksUri ?? (jwksFile === undefined ? issuer.issuer : undefined);
    const urlProblem = url === undefined ? undefined : keyUrlProblem(url);
    if (urlProblem !== undefined) throw badConfig(path, urlProblem);
    return jwksFile === undefined
      ? issuer
      : { ...issuer, jwks: readKeySet(resolve(dirname(path), jwksFile)) };
  });
}

/** A JSON Web Key Set file, checked as jose will use it. */
function readKeySet(path: string): JSONWebKeySet {
  try {
    const jwks = JSON.parse(readFileSync(path, 'utf8'));
    createLocalJWKSet(jwks);
    return jwks;
  } catch (cause) {
    throw new LogError('bad-oidc-config', `${path} is not a JSON Web Key Set`, { cause });
  }
}

/** The jwks_uri of an issuer's OpenID configuration, which must name that same issuer. */
async function discoverKeySetUrl(issuer: string): Promise<URL> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const discovery = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (discovery.issuer !== issuer) throw new Error(`${url} names another issuer`);
  if (typeof discovery.jwks_uri !== 'string' || !URL.canParse(discovery.jwks_uri)) {
    throw new Error(`${url} has no jwks_uri`);
  }
  const problem = keyUrlProblem(discovery.jwks_uri);
  if (problem !== undefined) throw new Error(problem);
  return new URL(discovery.jwks_uri);
}

/** The patterns a token's claims give, each template with its {claims} filled in. */
export function expandNamespaces(templates: string[], payload: JWTPayload): string[] {
  const patterns: string[] = [];
  for (const template of templates) {
    let usable = true;
    const pattern = template.replace(PLACEHOLDER, (match, claim: string, offset: number) => {
      const value = payload[claim];
      const leadingSegments =
        offset === 0 && (template.length === match.length || template[match.length] === '/');
      if (typeof value === 'string' && CLAIM_VALUE.test(value)) {
        if (leadingSegments || !value.includes('/')) return value;
      }
      usable = false;
      return '';
    });
    if (usable && namePatternProblem(pattern) === undefined) patterns.push(pattern);
  }
  return patterns;
}

export function oidcTokenIssuer(config: OidcIssuerConfig): TokenIssuer {
  const { issuer } = config;
  let keySet: JWTVerifyGetKey | undefined =
    config.jwks === undefined ? undefined : createLocalJWKSet(config.jwks);
  // One discovery at a time; after a failure none for a while, so that a burst of tokens does not
  // become a burst of requests to the issuer.
  let discovery: Promise<JWTVerifyGetKey> | undefined;
  const remoteKeySet = (): Promise<JWTVerifyGetKey> => {
    if (discovery === undefined) {
      discovery = (async () =>
        createRemoteJWKSet(
          config.jwksUri === undefined ? await discoverKeySetUrl(issuer) : new URL(config.jwksUri),
          { timeoutDuration: FETCH_TIMEOUT_MS },
        ))();
      discovery.catch(() => {
        setTimeout(() => {
          discovery = undefined;
        }, ISSUER_RETRY_AFTER * 1000).unref();
      });
    }
    return discovery;
  };
  return {
    issuer,
    async verify(token: string): Promise<Publisher> {
      if (keySet === undefined) {
        try {
          keySet = await remoteKeySet();
        } catch (error) {
          throw tokenRefusal(error, issuer);
        }
      }
      const payload = await verified(
        jwtVerify(token, keySet, {
          issuer,
          audience: config.audience,
          algorithms: config.algorithms ?? ASYMMETRIC_ALGORITHMS,
          requiredClaims: ['sub', 'exp'],
        }),
        issuer,
      );
      for (const [claim, value] of Object.entries(config.requiredClaims ?? {})) {
        if (payload[claim] !== value) {
          throw new ApiError(
            403,
            'token-not-permitted',
            `this log takes tokens from ${issuer} only with "${claim}" = "${value}"`,
          );
        }
      }
      return {
        issuer,
        subject: payload.sub as string,
        namespaces: expandNamespaces(config.namespaces, payload),
        expiresAt: (payload.exp as number) * 1000,
      };
    },
  };
}
