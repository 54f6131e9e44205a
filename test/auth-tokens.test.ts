// Publish authorization over real HTTP on a real SQLite file: a bearer token is needed to publish
// (reads stay open), it must come from the log's own issuer or a configured OIDC issuer, be
// signed, unexpired and meant for this log, and allow the names the entry publishes under.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, SignJWT, UnsecuredJWT } from 'jose';
import t from 'tap';
import { Authenticator } from '../server/auth/authenticator.ts';
import { localIssuerName, localTokenIssuer, NAMESPACES_CLAIM } from '../server/auth/local-token.ts';
import { expandNamespaces, loadOidcIssuers } from '../server/auth/oidc-issuer.ts';
import { defaultKeysDir } from '../server/defaults.ts';
import { EVALUATION_PREDICATE_TYPE } from '../server/entries/predicate-types.ts';
import { loadTokenIssuerKey } from '../server/keys.ts';
import { bearer, localToken, startOidcIssuer } from './support/auth.ts';
import { expectError, serve } from './support/http.ts';
import { buildBundle, generateKey, keySigner, omsStatement } from './support/signing.ts';
import { postJson, rekorDsseProposal } from './support/submissions.ts';
import { openTempLog, tempDir } from './support/temp-log.ts';

const key = generateKey('ecdsa-p256');
let counter = 0;

/** A signed OMS model signature published under `name` (a new model digest each time). */
async function modelSubmission(name: string): Promise<string> {
  const digest = (++counter).toString(16).padStart(64, '0');
  const statement = omsStatement({ subject: [{ name, digest: { sha256: digest } }] });
  return JSON.stringify({
    bundle: await buildBundle(keySigner(key), statement),
    publicKey: key.publicKeyPem,
  });
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  postJson(url, '/api/v1/entries', body, headers);

t.test('publishing needs a token for the name; reading does not', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, {});
  const body = await modelSubmission('acme/model');

  const none = await post(url, body);
  await expectError(t, none, 401, 'token-required');
  t.equal(none.headers.get('www-authenticate'), 'Bearer', 'the RFC 6750 challenge');

  const other = await post(url, body, bearer(await localToken(log, ['other/*'])));
  await expectError(t, other, 403, 'namespace-not-allowed');
  t.equal(log.sequencer.checkpoint.size, 0, 'refused submissions leave the log unchanged');

  const allowed = await post(url, body, bearer(await localToken(log, ['acme/*'])));
  t.equal(allowed.status, 201, 'a token for acme/* publishes acme/model');
  const exact = await post(
    url,
    await modelSubmission('acme/model'),
    bearer(await localToken(log, ['acme/model'])),
  );
  t.equal(exact.status, 201, 'a token for the exact name');
  const everything = await post(
    url,
    await modelSubmission('acme/model'),
    bearer(await localToken(log, ['*'])),
  );
  t.equal(everything.status, 201, 'a token for *');
  const sibling = await post(
    url,
    await modelSubmission('acme/model-2'),
    bearer(await localToken(log, ['acme/model'])),
  );
  await expectError(t, sibling, 403, 'namespace-not-allowed');

  // A statement about a model (an evaluation) publishes under no name: any valid token will do.
  const evaluation = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'acme/model', digest: { sha256: 'ab'.repeat(32) } }],
    predicateType: EVALUATION_PREDICATE_TYPE,
    predicate: {
      benchmark: { name: 'mmlu' },
      metrics: [{ name: 'accuracy', value: 0.9 }],
      date: '2026-11-01',
    },
  };
  const evaluated = await post(
    url,
    JSON.stringify({
      bundle: await buildBundle(keySigner(key), evaluation),
      publicKey: key.publicKeyPem,
    }),
    bearer(await localToken(log, ['other/*'])),
  );
  t.equal(evaluated.status, 201, await evaluated.text());

  for (const path of ['/checkpoint', '/api/v1/entries/0', '/api/v1/log/keys']) {
    t.equal((await fetch(`${url}${path}`)).status, 200, `${path} is open`);
  }
  t.equal(log.sequencer.checkpoint.size, 4);
});

t.test('forged, expired and misdirected tokens are refused with 401', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, {});
  const issuerKey = loadTokenIssuerKey(defaultKeysDir(log.dbPath));
  const issuer = localIssuerName(log.origin);
  const claims = { [NAMESPACES_CLAIM]: ['*'] };
  const signed = (build: SignJWT, signingKey = issuerKey) =>
    build.setProtectedHeader({ alg: 'EdDSA' }).sign(signingKey);
  const valid = () =>
    new SignJWT(claims)
      .setIssuer(issuer)
      .setAudience(log.origin)
      .setSubject('ci')
      .setIssuedAt()
      .setExpirationTime('5m');
  const otherKey = generateKey('ed25519').privateKey;
  const cases: [string, string, string][] = [
    [
      'expired',
      await signed(
        new SignJWT(claims)
          .setIssuer(issuer)
          .setAudience(log.origin)
          .setSubject('ci')
          .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
          .setExpirationTime(Math.floor(Date.now() / 1000) - 3600),
      ),
      'token-expired',
    ],
    [
      'for another log',
      await signed(valid().setAudience('other.example/log')),
      'token-claim-refused',
    ],
    [
      'from an unknown issuer',
      await signed(valid().setIssuer('https://evil.example')),
      'token-issuer-unknown',
    ],
    ['signed by another key', await signed(valid(), otherKey), 'token-signature-refused'],
    [
      'unsigned (alg none)',
      new UnsecuredJWT(claims)
        .setIssuer(issuer)
        .setAudience(log.origin)
        .setSubject('ci')
        .setExpirationTime('5m')
        .encode(),
      'token-algorithm-refused',
    ],
    [
      'signed with a shared secret (HS256)',
      await valid()
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('a guessable secret, 32 bytes long!!')),
      'token-algorithm-refused',
    ],
    [
      'without an expiry',
      await signed(new SignJWT(claims).setIssuer(issuer).setAudience(log.origin).setSubject('ci')),
      'token-claim-refused',
    ],
    [
      'without namespaces',
      await signed(
        new SignJWT({})
          .setIssuer(issuer)
          .setAudience(log.origin)
          .setSubject('ci')
          .setExpirationTime('5m'),
      ),
      'token-claim-refused',
    ],
    [
      'with a namespace that is no pattern',
      await signed(
        new SignJWT({ [NAMESPACES_CLAIM]: ['ac*me'] })
          .setIssuer(issuer)
          .setAudience(log.origin)
          .setSubject('ci')
          .setExpirationTime('5m'),
      ),
      'token-claim-refused',
    ],
    ['that is not a JWT', 'not.a.jwt', 'token-malformed'],
  ];
  const body = await modelSubmission('acme/model');
  for (const [what, token, code] of cases) {
    const response = await post(url, body, bearer(token));
    t.equal(response.status, 401, `a token ${what}: 401`);
    t.equal((await response.json()).error.code, code, `a token ${what}: ${code}`);
  }
  const basic = await post(url, body, { authorization: 'Basic YTpi' });
  await expectError(t, basic, 401, 'bad-authorization');
  t.equal(basic.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  await expectError(
    t,
    await post(url, body, { authorization: `Bearer ${'a'.repeat(9000)}` }),
    401,
    'token-malformed',
  );
  t.equal(log.sequencer.checkpoint.size, 0, 'nothing was logged');
  t.equal(
    (await post(url, body, bearer(await signed(valid())))).status,
    201,
    'the valid one passes',
  );
});

t.test('a remembered token is refused once it expires', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, {});
  const [first, second] = [
    await modelSubmission('acme/model'),
    await modelSubmission('acme/model'),
  ];
  // exp is in whole seconds: 3 s gives at least 2 to use it in, even on a busy machine.
  const token = await localToken(log, ['acme/*'], { ttlSeconds: 3 });
  t.equal((await post(url, first, bearer(token))).status, 201, 'used, and so remembered');
  const expiresAt = (decodeJwt(token).exp as number) * 1000;
  await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 50));
  await expectError(t, await post(url, second, bearer(token)), 401, 'token-expired');
});

t.test('the Rekor API takes the same tokens, and refuses a submission without one', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, {});
  const statement = omsStatement({
    subject: [{ name: 'acme/model', digest: { sha256: 'ef'.repeat(32) } }],
  });
  const bundle = await buildBundle(keySigner(key), statement);
  const proposed = rekorDsseProposal(bundle, key.publicKeyPem);
  const rekor = (headers: Record<string, string>) =>
    postJson(url, '/api/v1/log/entries', proposed, headers);
  await expectError(t, await rekor({}), 401, 'token-required');
  await expectError(
    t,
    await rekor(bearer(await localToken(log, ['other/*']))),
    403,
    'namespace-not-allowed',
  );
  const created = await rekor(bearer(await localToken(log, ['acme/*'])));
  t.equal(created.status, 201, await created.text());
});

t.test('per-token rate limits answer 429 with Retry-After, per subject, and recover', async (t) => {
  const log = openTempLog(t);
  // Three per window, and a window of five seconds rather than a minute, to see it pass.
  const { url } = await serve(t, log, {}, undefined, { tokenPerMinute: 3, rateWindowMs: 5000 });
  const bodies = await Promise.all(Array.from({ length: 6 }, () => modelSubmission('acme/model')));
  const ci = await localToken(log, ['acme/*'], { subject: 'ci' });
  const again = await localToken(log, ['acme/*'], { subject: 'ci' });
  const other = await localToken(log, ['acme/*'], { subject: 'operator' });
  for (const body of bodies.slice(0, 3)) {
    t.equal((await post(url, body, bearer(ci))).status, 201);
  }
  const limited = await post(url, bodies[3], bearer(again));
  await expectError(t, limited, 429, 'rate-limited');
  const retryAfter = Number(limited.headers.get('retry-after'));
  t.ok(retryAfter > 0 && retryAfter <= 5, `Retry-After: ${retryAfter}`);
  t.equal(
    (await post(url, bodies[4], bearer(other))).status,
    201,
    'another subject has its own allowance',
  );
  await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 100));
  t.equal(
    (await post(url, bodies[5], bearer(ci))).status,
    201,
    'after Retry-After, the subject publishes again',
  );
  t.equal(log.sequencer.checkpoint.size, 5);
});

t.test('OIDC issuers: discovery, audience, claim mapping and required claims', async (t) => {
  const oidc = await startOidcIssuer(t);
  const dir = tempDir(t);
  const configPath = join(dir, 'oidc.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      issuers: [
        {
          issuer: oidc.issuer,
          audience: 'attestry-test',
          namespaces: ['{repository_owner}/*', 'mirror/{repository_owner}'],
          requiredClaims: { ref: 'refs/heads/main' },
        },
      ],
    }),
  );
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { oidcIssuers: loadOidcIssuers(configPath) });
  const ci = (claims: Record<string, unknown>) =>
    oidc.sign({
      sub: 'repo:acme/model:ref:refs/heads/main',
      aud: 'attestry-test',
      ref: 'refs/heads/main',
      repository_owner: 'acme',
      repository: 'acme/model',
      ...claims,
    });

  const created = await post(url, await modelSubmission('acme/model'), bearer(await ci({})));
  t.equal(created.status, 201, 'a CI token for its own owner publishes');
  t.same(oidc.requests, ['/.well-known/openid-configuration', '/jwks'], 'keys found by discovery');
  const shared = await post(url, await modelSubmission('mirror/acme'), bearer(await ci({})));
  t.equal(shared.status, 201, 'a second pattern from the same claim');

  const expired = { expiresIn: Math.floor(Date.now() / 1000) - 60 };
  const refusals: [string, Promise<string>, number, string][] = [
    ['another owner', ci({ repository_owner: 'evil' }), 403, 'namespace-not-allowed'],
    // A claim that is not a plain name grants nothing: it must not widen into a pattern.
    ['a * for an owner', ci({ repository_owner: '*' }), 403, 'namespace-not-allowed'],
    ['another branch', ci({ ref: 'refs/heads/dev' }), 403, 'token-not-permitted'],
    ['another audience', ci({ aud: 'another-service' }), 401, 'token-claim-refused'],
    [
      'expired',
      oidc.sign({ sub: 'x', aud: 'attestry-test', ref: 'refs/heads/main' }, expired),
      401,
      'token-expired',
    ],
  ];
  for (const [what, token, status, code] of refusals) {
    const response = await post(url, await modelSubmission('acme/model'), bearer(await token));
    t.equal(response.status, status, what);
    t.equal((await response.json()).error.code, code, what);
  }
  t.equal(log.sequencer.checkpoint.size, 2);
});

t.test(
  'an unreachable OIDC issuer gives 503 with Retry-After, a key file needs no network',
  async (t) => {
    const oidc = await startOidcIssuer(t);
    const dir = tempDir(t);
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify(oidc.jwks));
    const offline = {
      issuer: 'https://ci.example',
      audience: 'attestry-test',
      jwksFile: 'jwks.json',
      namespaces: ['{repository_owner}/*'],
    };
    const discovered = {
      issuer: oidc.issuer,
      audience: 'attestry-test',
      namespaces: ['{repository_owner}/*'],
    };
    writeFileSync(join(dir, 'oidc.json'), JSON.stringify({ issuers: [offline, discovered] }));
    const issuers = loadOidcIssuers(join(dir, 'oidc.json'));
    t.same(issuers[0].jwks, oidc.jwks, 'the key file is found beside the configuration');
    await oidc.stop();
    const log = openTempLog(t);
    const { url } = await serve(t, log, {}, undefined, { oidcIssuers: issuers });
    const claims = { sub: 'ci', aud: 'attestry-test', repository_owner: 'acme' };

    const down = await post(
      url,
      await modelSubmission('acme/model'),
      bearer(await oidc.sign(claims)),
    );
    await expectError(t, down, 503, 'issuer-unavailable');
    t.ok(Number(down.headers.get('retry-after')) > 0, 'Retry-After');

    // The same key, configured from a file under another issuer name: no request goes out.
    const requests = oidc.requests.length;
    const fromFile = await oidc.sign(claims, { issuer: 'https://ci.example' });
    t.equal((await post(url, await modelSubmission('acme/model'), bearer(fromFile))).status, 201);
    t.equal(oidc.requests.length, requests, 'no request for a key file');
  },
);

t.test('an OIDC issuers file is checked whole at start-up', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'jwks.json'), '{"keys": "none"}');
  const issuer = { issuer: 'https://ci.example', audience: 'attestry', namespaces: ['{owner}/*'] };
  const cases: [string, string | object, RegExp][] = [
    ['not JSON', '{', /not a readable JSON file/],
    ['no issuers', { issuers: [] }, /must NOT have fewer than 1 items/],
    [
      'an unknown field',
      { issuers: [{ ...issuer, audiences: ['x'] }] },
      /must NOT have additional properties/,
    ],
    [
      'no audience',
      { issuers: [{ issuer: 'https://ci.example', namespaces: ['x/*'] }] },
      /must have required property 'audience'/,
    ],
    [
      'keys twice',
      { issuers: [{ ...issuer, jwksUri: 'https://ci.example/jwks', jwksFile: 'jwks.json' }] },
      /must NOT be valid/,
    ],
    [
      'a shared-secret algorithm',
      { issuers: [{ ...issuer, algorithms: ['HS256'] }] },
      /must be equal to one of the allowed values/,
    ],
    [
      'plain HTTP off this machine',
      { issuers: [{ ...issuer, issuer: 'http://ci.example' }] },
      /http:\/\/ci\.example is not an https URL/,
    ],
    [
      'plain HTTP keys',
      { issuers: [{ ...issuer, jwksUri: 'http://ci.example/jwks' }] },
      /not an https URL/,
    ],
    [
      'a pattern with a stray *',
      { issuers: [{ ...issuer, namespaces: ['{owner}*'] }] },
      /has a \* that is not/,
    ],
    ['an empty claim', { issuers: [{ ...issuer, namespaces: ['{}/*'] }] }, /empty or unbalanced/],
    [
      'an unbalanced brace',
      { issuers: [{ ...issuer, namespaces: ['{owner/*'] }] },
      /empty or unbalanced/,
    ],
    ['one issuer twice', { issuers: [issuer, issuer] }, /listed twice/],
    [
      'a key file that is no key set',
      { issuers: [{ ...issuer, jwksFile: 'jwks.json' }] },
      /is not a JSON Web Key Set/,
    ],
  ];
  for (const [what, content, message] of cases) {
    const path = join(dir, 'oidc.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    t.throws(() => loadOidcIssuers(path), { code: 'bad-oidc-config', message }, what);
  }
  t.throws(() => loadOidcIssuers(join(dir, 'missing.json')), { code: 'bad-oidc-config' });
});

t.test('an address sending refused tokens is limited before any signature check', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { anonymousPerMinute: 3, rateWindowMs: 4000 });
  const forged = await new SignJWT({ [NAMESPACES_CLAIM]: ['*'] })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(localIssuerName(log.origin))
    .setAudience(log.origin)
    .setSubject('ci')
    .setExpirationTime('5m')
    .sign(generateKey('ed25519').privateKey);
  const body = await modelSubmission('acme/model');
  for (let i = 0; i < 3; i++) {
    await expectError(t, await post(url, body, bearer(forged)), 401, 'token-signature-refused');
  }
  const valid = bearer(await localToken(log, ['acme/*']));
  const limited = await post(url, body, valid);
  await expectError(t, limited, 429, 'rate-limited');
  const retryAfter = Number(limited.headers.get('retry-after'));
  t.ok(retryAfter >= 1 && retryAfter <= 4, `Retry-After: ${retryAfter}`);
  await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 100));
  t.equal((await post(url, body, valid)).status, 201, 'the address recovers after the window');
});

t.test('a claim fills a pattern only as a plain name, and a / only at its start', async (t) => {
  const claims = { org: 'victim/x', owner: 'acme', repo: 'acme/model', star: '*', empty: '' };
  t.same(
    expandNamespaces(['{org}-models/*', 'models/{org}', 'x{org}/*'], claims),
    [],
    'a / would move the pattern',
  );
  t.same(expandNamespaces(['{repo}', '{repo}/*', 'ci/{owner}/*'], claims), [
    'acme/model',
    'acme/model/*',
    'ci/acme/*',
  ]);
  t.same(expandNamespaces(['{star}/*', '{empty}/*', '{missing}/*'], claims), []);
});

t.test(
  "a discovery document that does not name its issuer and keys is the issuer's fault: 503",
  async (t) => {
    const documents: [string, (issuer: string) => object | null][] = [
      ['missing', () => null],
      [
        'for another issuer',
        () => ({ issuer: 'https://evil.example', jwks_uri: 'https://evil.example/jwks' }),
      ],
      ['without jwks_uri', (issuer) => ({ issuer })],
      [
        'with plain-HTTP keys elsewhere',
        (issuer) => ({ issuer, jwks_uri: 'http://keys.example/jwks' }),
      ],
    ];
    for (const [what, document] of documents) {
      const oidc = await startOidcIssuer(t, document);
      const log = openTempLog(t);
      const issuers = [{ issuer: oidc.issuer, audience: 'a', namespaces: ['{owner}/*'] }];
      const { url } = await serve(t, log, {}, undefined, { oidcIssuers: issuers });
      const token = await oidc.sign({ sub: 'ci', aud: 'a', owner: 'acme' });
      const response = await post(url, await modelSubmission('acme/model'), bearer(token));
      t.equal(response.status, 503, what);
      t.match(await response.json(), {
        error: { code: 'issuer-unavailable', message: /openid-configuration|https URL/ },
      });
      t.same(
        oidc.requests,
        ['/.well-known/openid-configuration'],
        `${what}: no key set was fetched`,
      );
    }
  },
);

t.test('a token whose subject is not a string names nobody: 401', async (t) => {
  const oidc = await startOidcIssuer(t);
  const log = openTempLog(t);
  const issuers = [{ issuer: oidc.issuer, audience: 'a', namespaces: ['{owner}/*'] }];
  const { url } = await serve(t, log, {}, undefined, { oidcIssuers: issuers });
  const token = await oidc.sign({ sub: 42 as unknown as string, aud: 'a', owner: 'acme' });
  await expectError(
    t,
    await post(url, await modelSubmission('acme/model'), bearer(token)),
    401,
    'token-claim-refused',
  );
  t.throws(
    () =>
      new Authenticator([
        localTokenIssuer(generateKeyPairSync('ed25519').publicKey, 'x'),
        localTokenIssuer(generateKeyPairSync('ed25519').publicKey, 'x'),
      ]),
    { code: 'bad-oidc-config' },
    'two issuers under one name are refused',
  );
});
