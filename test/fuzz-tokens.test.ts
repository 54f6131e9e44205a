// Property-based fuzzing of publish authorization, as attackers reach it: the Authorization header
// (random strings, and mutations of real tokens of the log's own issuer and of an OIDC issuer
// configured with its key set), the name patterns tokens and grants carry, and the OIDC claim
// mapping. Each target gets RUNS generated inputs (FUZZ_RUNS, default 10,000). Authentication must
// answer a publisher or a 401/403 ApiError, nothing else; a mutated token is accepted only when it
// still says exactly what the real one said; a claim can never widen a pattern.
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { exportJWK, SignJWT } from 'jose';
import t from 'tap';
import { Authenticator } from '../server/auth/authenticator.ts';
import { localTokenIssuer, mintLocalToken } from '../server/auth/local-token.ts';
import { nameMatches, namePatternProblem, namespaceOf } from '../server/auth/name-pattern.ts';
import { expandNamespaces, oidcTokenIssuer } from '../server/auth/oidc-issuer.ts';
import { ApiError } from '../server/http/api-error.ts';
import { anyString, fuzz, outcomeAsync, stringsAround, Tally } from './support/fuzz.ts';

const ORIGIN = 'fuzz.example/log';
const issuerKeys = generateKeyPairSync('ed25519');
const local = await mintLocalToken(issuerKeys.privateKey, {
  origin: ORIGIN,
  namespaces: ['acme/*'],
  ttlSeconds: 3600,
  subject: 'ci',
});

t.test('Authorization headers: a publisher or a 401/403, never anything else', async (t) => {
  const oidcKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(await exportJWK(oidcKeys.publicKey)), kid: 'k1', alg: 'ES256' };
  const oidcToken = await new SignJWT({ repository_owner: 'acme', ref: 'refs/heads/main' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer('https://ci.example')
    .setAudience('attestry')
    .setSubject('repo:acme/model')
    .setExpirationTime('1h')
    .sign(oidcKeys.privateKey);
  const oidcIssuer = oidcTokenIssuer({
    issuer: 'https://ci.example',
    audience: 'attestry',
    jwks: { keys: [jwk] },
    namespaces: ['{repository_owner}/*'],
  });
  const authenticator = new Authenticator([
    localTokenIssuer(issuerKeys.publicKey, ORIGIN),
    oidcIssuer,
  ]);
  const real = new Map([
    [local.token, { subject: 'ci', namespaces: ['acme/*'] }],
    [oidcToken, { subject: 'repo:acme/model', namespaces: ['acme/*'] }],
  ]);
  const tally = new Tally();
  const header = fc.oneof(
    anyString,
    stringsAround([...real.keys()]).map((token) => `Bearer ${token}`),
    fc
      .tuple(
        fc.constantFrom('Bearer ', 'bearer ', 'Bearer  ', 'Basic ', ''),
        stringsAround([...real.keys()]),
      )
      .map(([scheme, token]) => `${scheme}${token}`),
  );
  await fuzz(
    t,
    'authenticate answers a publisher that says what a real token said, or a 401/403',
    fc.asyncProperty(header, async (authorization) => {
      const result = await outcomeAsync(
        () => authenticator.authenticate(authorization),
        [ApiError],
      );
      tally.record(result);
      if (!result.ok) {
        const status = (result.error as ApiError).statusCode;
        if (status !== 401 && status !== 403) throw new Error(`answered ${status}`);
        return;
      }
      const token = /^Bearer +(\S+) *$/i.exec(authorization)?.[1] ?? '';
      const publisher = result.value;
      const original = [...real].find(([, claims]) => claims.subject === publisher?.subject);
      if (publisher === undefined || original === undefined) {
        throw new Error(
          `accepted ${JSON.stringify(authorization)} as ${JSON.stringify(publisher)}`,
        );
      }
      if (JSON.stringify(publisher.namespaces) !== JSON.stringify(original[1].namespaces)) {
        throw new Error(`a changed token widened its namespaces: ${token}`);
      }
    }),
    { examples: [[`Bearer ${local.token}`], [`Bearer ${oidcToken}`]] },
  );
  tally.report(t, { reaches: ['token-malformed', 'bad-authorization', 'token-signature-refused'] });
});

const names = fc.oneof(
  fc.stringMatching(/^[a-z*/.-]{0,12}$/),
  fc.constantFrom('acme', 'acme/', 'acme/model', 'acme/*', 'acmeish/model', '*', '/*', 'a/b/c'),
);

t.test('name patterns: a pattern matches what it says and no more', async (t) => {
  await fuzz(
    t,
    'nameMatches agrees with the definition of the pattern',
    fc.property(names, names, (pattern, name) => {
      if (namePatternProblem(pattern) !== undefined) return;
      const matches = nameMatches(pattern, name);
      const expected =
        pattern === '*' ||
        (pattern.endsWith('/*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name);
      if (matches !== expected) throw new Error(`${pattern} vs ${name}: ${matches}`);
      // A pattern below a namespace never reaches into another one.
      if (matches && pattern !== '*' && namespaceOf(name) !== namespaceOf(pattern)) {
        throw new Error(`${pattern} matched ${name} in another namespace`);
      }
    }),
  );
});

t.test('OIDC claim mapping: a claim never widens a pattern', async (t) => {
  const claimValue = fc.oneof(
    anyString,
    fc.constantFrom('*', 'acme', 'acme/*', '', '../x', 'a b', 'x}', '{y}', 'acme/model'),
    fc.integer(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 2 }),
  );
  const templates = ['{owner}/*', 'ci/{owner}/{repo}', '{repo}', 'fixed/name'];
  await fuzz(
    t,
    'expandNamespaces gives only sound patterns, with a * only where the template has one',
    fc.property(claimValue, claimValue, (owner, repo) => {
      const patterns = expandNamespaces(templates, { owner, repo });
      for (const pattern of patterns) {
        if (namePatternProblem(pattern) !== undefined) throw new Error(`unsound ${pattern}`);
        // Only '{owner}/*' has a *, its own: the claim filled in is a plain name.
        if (pattern.includes('*') && (pattern !== `${owner}/*` || String(owner).includes('*'))) {
          throw new Error(`a claim brought a * into ${pattern}`);
        }
      }
      if (!patterns.includes('fixed/name')) throw new Error('the fixed pattern is lost');
    }),
  );
});
