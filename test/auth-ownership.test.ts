// Name ownership over real HTTP on a real SQLite file: the first identity to publish a model or
// dataset in a namespace owns it; another identity is refused there (403) until the owner logs a
// grant, and only within what the grant names and while it is valid. Ownership is read from the
// log, so it survives a restart, and two identities racing for a new namespace cannot both win.
import t from 'tap';
import { publishedNames } from '../server/auth/name-ownership.ts';
import { identityDigest } from '../server/entries/identity-digest.ts';
import {
  CONTRIBUTOR_PREDICATE_TYPE,
  DATASET_PREDICATE_TYPE,
  EVALUATION_PREDICATE_TYPE,
  OMS_V01_PREDICATE_TYPE,
} from '../server/entries/predicate-types.ts';
import { openLogService } from '../server/log-service.ts';
import { bearer, localToken } from './support/auth.ts';
import { expectError, serve } from './support/http.ts';
import {
  buildBundle,
  certificateSigner,
  generateKey,
  keySigner,
  makeCertificateChain,
  omsStatement,
  type TestKey,
} from './support/signing.ts';
import { postJson, rekorDsseProposal } from './support/submissions.ts';
import { openTempLog } from './support/temp-log.ts';

const STATEMENT = 'https://in-toto.io/Statement/v1';
const acme = generateKey('ecdsa-p256');
const squatter = generateKey('ecdsa-p256');
const stranger = generateKey('ecdsa-p384');
let counter = 0;
const nextDigest = () => (++counter).toString(16).padStart(64, '0');

async function submission(key: TestKey, statement: object): Promise<string> {
  return JSON.stringify({
    bundle: await buildBundle(keySigner(key), statement),
    publicKey: key.publicKeyPem,
  });
}

const model = (key: TestKey, name: string) =>
  submission(key, omsStatement({ subject: [{ name, digest: { sha256: nextDigest() } }] }));

const dataset = (key: TestKey, name: string) =>
  submission(key, {
    _type: STATEMENT,
    subject: [{ name, digest: { sha256: nextDigest() } }],
    predicateType: DATASET_PREDICATE_TYPE,
    predicate: { name },
  });

/** The owner's grant: a contributor attestation about `grantee` naming the patterns granted. */
const grant = (
  owner: TestKey,
  grantee: TestKey,
  names: string[],
  validity: { validFrom?: string; validUntil?: string } = {},
) =>
  submission(owner, {
    _type: STATEMENT,
    subject: [{ name: grantee.identity, digest: { sha256: identityDigest(grantee.identity) } }],
    predicateType: CONTRIBUTOR_PREDICATE_TYPE,
    predicate: { identity: grantee.identity, role: 'maintainer', names, ...validity },
  });

t.test('the first publisher owns the namespace until it grants names', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, {});
  // Everyone here holds a token for every name: ownership is what stops the squatter.
  const token = bearer(await localToken(log, ['*']));
  const post = (body: string) => postJson(url, '/api/v1/entries', body, token);

  t.equal((await post(await model(acme, 'acme/model'))).status, 201, 'acme publishes acme/model');
  const refused = await post(await model(squatter, 'acme/model'));
  const code = await expectError(t, refused, 403, 'name-owned');
  t.ok(code);
  for (const [what, body] of [
    ['another model in the namespace', await model(squatter, 'acme/model-v2')],
    ['a dataset in the namespace', await dataset(squatter, 'acme/data')],
    ['the bare namespace', await model(squatter, 'acme')],
  ] as const) {
    await expectError(t, await post(body), 403, 'name-owned');
    t.pass(`refused: ${what}`);
  }
  t.equal((await post(await model(acme, 'acme/model-v2'))).status, 201, 'the owner goes on');
  t.equal((await post(await dataset(acme, 'acme/data'))).status, 201, 'datasets too');
  t.equal(
    (await post(await model(squatter, 'acmeish/model'))).status,
    201,
    'a namespace that merely starts alike is another namespace',
  );

  // Statements about a model are not publishing it: anyone may evaluate acme/model.
  const evaluation = await submission(squatter, {
    _type: STATEMENT,
    subject: [{ name: 'acme/model', digest: { sha256: nextDigest() } }],
    predicateType: EVALUATION_PREDICATE_TYPE,
    predicate: {
      benchmark: { name: 'mmlu' },
      metrics: [{ name: 'accuracy', value: 0.5 }],
      date: '2026-11-01',
    },
  });
  t.equal((await post(evaluation)).status, 201, 'an evaluation by anyone');

  // Grants that do not count: by someone else, expired, not yet valid, or for another name.
  const past = new Date(Date.now() - 86_400_000).toISOString();
  const future = new Date(Date.now() + 86_400_000).toISOString();
  for (const body of [
    await grant(stranger, squatter, ['acme/*']),
    await grant(acme, squatter, ['acme/model'], { validUntil: past }),
    await grant(acme, squatter, ['acme/model'], { validFrom: future }),
    // A leap second: valid RFC 3339, but no JavaScript date. The bound voids the grant.
    await grant(acme, squatter, ['acme/model'], { validUntil: '2099-12-31T23:59:60Z' }),
    await grant(acme, squatter, ['acme/other']),
    await grant(acme, stranger, ['acme/model']),
  ]) {
    t.equal((await post(body)).status, 201, 'a grant is logged');
  }
  await expectError(t, await post(await model(squatter, 'acme/model')), 403, 'name-owned');

  t.equal(
    (await post(await grant(acme, squatter, ['acme/model'], { validUntil: future }))).status,
    201,
  );
  t.equal(
    (await post(await model(squatter, 'acme/model'))).status,
    201,
    'the grantee publishes the granted name',
  );
  await expectError(t, await post(await model(squatter, 'acme/model-v2')), 403, 'name-owned');
  t.equal(
    (await post(await model(squatter, 'acme/other'))).status,
    201,
    'and the other granted one',
  );

  // After a restart, ownership is read back from the log.
  const size = log.sequencer.checkpoint.size;
  log.close();
  const reopened = openLogService({ dbPath: log.dbPath, origin: log.origin });
  t.teardown(() => reopened.close());
  const again = await serve(t, reopened, {}, undefined, {});
  const token2 = bearer(await localToken({ ...reopened, dbPath: log.dbPath }, ['*']));
  const after = await postJson(
    again.url,
    '/api/v1/entries',
    await model(squatter, 'acme/model-v3'),
    token2,
  );
  await expectError(t, after, 403, 'name-owned');
  t.equal(reopened.sequencer.checkpoint.size, size, 'refusals logged nothing');
});

t.test('two identities racing for a new namespace: exactly one wins each', async (t) => {
  const log = openTempLog(t, { maxBatchDelayMs: 20 });
  const { url } = await serve(t, log);
  const post = (body: string) => postJson(url, '/api/v1/entries', body);
  const namespaces = Array.from({ length: 20 }, (_, i) => `race-${i}`);
  const bodies = await Promise.all(
    namespaces.map(async (ns) => [
      await model(acme, `${ns}/model`),
      await model(squatter, `${ns}/model`),
    ]),
  );
  // Both submissions of a namespace are in flight together: the second is checked before the
  // first is sequenced.
  const answers = await Promise.all(bodies.map((pair) => Promise.all(pair.map(post))));
  // One identity's submissions racing for a new namespace are all its own.
  const own = await Promise.all(
    ['a', 'b', 'c'].map(async (v) => post(await model(acme, `solo/model-${v}`))),
  );
  t.same(
    own.map((response) => response.status),
    [201, 201, 201],
    'one identity, three in flight',
  );
  for (const [i, pair] of answers.entries()) {
    t.same(
      pair.map((response) => response.status).sort(),
      [201, 403],
      `${namespaces[i]}: one 201, one 403`,
    );
  }
  t.equal(log.sequencer.checkpoint.size, namespaces.length + 3);
});

t.test('anonymous submissions and the Rekor API are held to ownership too', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const post = (path: string, body: string) => postJson(url, path, body);
  t.equal((await post('/api/v1/entries', await model(acme, 'acme/model'))).status, 201);
  const statement = omsStatement({
    subject: [{ name: 'acme/model', digest: { sha256: nextDigest() } }],
  });
  const bundle = await buildBundle(keySigner(squatter), statement);
  const proposed = rekorDsseProposal(bundle, squatter.publicKeyPem);
  await expectError(t, await post('/api/v1/log/entries', proposed), 403, 'name-owned');
});

t.test(
  'certificates hold no names: the log does not check them against a trust root',
  async (t) => {
    const log = openTempLog(t);
    const { url } = await serve(t, log);
    const post = (body: string) => postJson(url, '/api/v1/entries', body);
    const certified = async (name: string) => {
      // Anyone can make a certificate with any subject alternative name, acme's included.
      const chain = await makeCertificateChain();
      const statement = omsStatement({ subject: [{ name, digest: { sha256: nextDigest() } }] });
      return JSON.stringify({ bundle: await buildBundle(certificateSigner(chain), statement) });
    };
    t.equal(
      (await post(await certified('cert/model'))).status,
      201,
      'an unowned namespace takes it',
    );
    t.equal((await post(await model(acme, 'cert/model'))).status, 201, 'and it claimed nothing');
    await expectError(t, await post(await model(squatter, 'cert/other')), 403, 'name-owned');
    const refused = await post(await certified('cert/model-2'));
    await expectError(t, refused, 403, 'name-owned');
  },
);

t.test('names that could pass for others are refused', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const post = (body: string) => postJson(url, '/api/v1/entries', body);
  for (const [name, why] of [
    ['acme/mode\u0301l', 'not in Unicode NFC'],
    ['acme/\u0000model', 'control character'],
    ['/acme/model', 'empty path segment'],
    ['acme//model', 'empty path segment'],
    ['acme/model/', 'empty path segment'],
    [' acme/model', 'starts or ends with a space'],
    ['acme/*', 'only patterns have'],
    ['acme/\ud800', 'lone surrogate'],
  ]) {
    const response = await post(await model(acme, name));
    t.equal(response.status, 400, JSON.stringify(name));
    t.match(await response.json(), { error: { code: 'bad-name', message: new RegExp(why) } });
  }
  t.equal(log.sequencer.checkpoint.size, 0);
  t.same(
    publishedNames({
      envelope: new Uint8Array(),
      verifier: '{}',
      predicateType: OMS_V01_PREDICATE_TYPE,
      subjects: [{ digest: 'sha256:00', name: 'config.json' }],
      identities: [acme.identity],
    }),
    [],
    'model_signing 0.2 statements name files, not models: they publish no name',
  );
});
