// The SDK and the CLI with this log as their Rekor: a keyless model signature logged here through
// the Rekor API (`sign --rekor-url`), the log's trusted root fetched and checked
// (`log trusted-root`), and verification with the Fulcio root and the log root merged.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { sameSignedEnvelope } from '../client-sdk/log-client/logged-dsse.ts';
import { signModel } from '../client-sdk/sign/index.ts';
import { type VerifyOptions, verifyModel } from '../client-sdk/verify/index.ts';
import { jsonOutput } from './support/cli.ts';
import { serve } from './support/http.ts';
import { verifyFailure } from './support/oms-vectors.ts';
import { identityToken, runCliAsync, startSigstoreFakes } from './support/signing.ts';
import { openTempLog, tempDir } from './support/temp-log.ts';

const SIGNER = { sub: 'release@acme.example', iss: 'https://issuer.acme.example' };

// A certificate from a minute ago, valid at the entry's integration time (now); the TSA stamps
// a time after its own certificate's start (now).
const sigstore = await startSigstoreFakes({
  clock: new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000),
  tsaClock: new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000),
});
t.teardown(() => sigstore.close());

function makeModel(t: Test): string {
  const dir = tempDir(t, 'rekor-model-');
  writeFileSync(path.join(dir, 'weights.bin'), 'weights');
  writeFileSync(path.join(dir, 'config.json'), '{}');
  return dir;
}

async function servedLog(t: Test) {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, { allowAnonymous: true });
  return { log, url };
}

t.test('SDK: a keyless signature logged here verifies with both roots', async (t) => {
  const { log, url } = await servedLog(t);
  const dir = makeModel(t);
  const { bundle } = await signModel(dir, {
    identityToken: identityToken(SIGNER),
    fulcioURL: sigstore.fulcioURL,
    tsaURL: sigstore.tsaURL,
    rekorURL: url,
  });
  const [entry] = (bundle.verificationMaterial as { tlogEntries: { logId: { keyId: string } }[] })
    .tlogEntries;
  t.equal(entry.logId.keyId, Buffer.from(log.keys.logId, 'hex').toString('base64'));
  t.equal(log.sequencer.checkpoint.size, 1, 'logged here');

  const client = new LogClient({ url, noteVerifierKey: log.keys.noteVerifierKey });
  const logRoot = await client.trustedRoot();
  const options: VerifyOptions = {
    bundle,
    identity: SIGNER.sub,
    issuer: SIGNER.iss,
    trustedRoot: [sigstore.trustedRoot, logRoot],
  };
  const verified = await verifyModel(dir, options);
  t.same(verified.signer, { method: 'sigstore', identity: SIGNER.sub, issuer: SIGNER.iss });

  const unlogged = await verifyFailure(
    verifyModel(dir, { ...options, trustedRoot: sigstore.trustedRoot }),
  );
  t.equal(unlogged.code, 'tlog-invalid', "without the log's root its entry is not trusted");
  const identity = await verifyFailure(
    verifyModel(dir, { ...options, identity: 'mallory@evil.example' }),
  );
  t.equal(identity.code, 'identity-mismatch');
  writeFileSync(path.join(dir, 'weights.bin'), 'poisoned');
  t.equal((await verifyFailure(verifyModel(dir, options))).code, 'manifest-mismatch');
});

t.test('SDK: a key-signed model logged through the Rekor API has log evidence', async (t) => {
  const { log, url } = await servedLog(t);
  const dir = makeModel(t);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { bundle } = await signModel(dir, {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    rekorURL: url,
  });
  const verified = await verifyModel(dir, {
    bundle,
    key: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    log: { url, logKey: log.keys.noteVerifierKey, stateDir: tempDir(t, 'rekor-state-') },
  });
  t.equal(verified.log?.logIndex, 0, 'the entry RekorWitness made, found and proven');
});

t.test('logged bodies are matched by signature, payload and signer', async (t) => {
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const pem = (body: string) =>
    Buffer.from(`-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`).toString(
      'base64',
    );
  const v1 = (verifier: string) =>
    encode({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: '00' },
        payloadHash: { algorithm: 'sha256', value: 'ab'.repeat(32) },
        signatures: [{ signature: 'c2ln', verifier }],
      },
    });
  const v2 = (rawBytes: string) =>
    encode({
      apiVersion: '0.0.2',
      kind: 'dsse',
      spec: {
        dsseV002: {
          payloadHash: {
            algorithm: 'SHA2_256',
            digest: Buffer.from('ab'.repeat(32), 'hex').toString('base64'),
          },
          signatures: [{ content: 'c2ln', verifier: { publicKey: { rawBytes } } }],
        },
      },
    });
  t.ok(sameSignedEnvelope(v1(pem('AAEC')), v2('AAEC')), 'a v1 and a v2 body of one signature');
  t.notOk(sameSignedEnvelope(v1(pem('AAEC')), v2('AAED')), 'another signer');
  for (const [name, body] of [
    ['a verifier that is not PEM', v1(Buffer.from('not PEM').toString('base64'))],
    ['not UTF-8', new Uint8Array([0xff])],
    ['a v1 body without its fields', encode({ kind: 'dsse', apiVersion: '0.0.1', spec: {} })],
    ['a v2 body without its fields', encode({ kind: 'dsse', apiVersion: '0.0.2', spec: {} })],
    ['an unknown version', encode({ kind: 'dsse', apiVersion: '0.0.3', spec: {} })],
    ['no spec', encode({ kind: 'dsse', apiVersion: '0.0.1' })],
    ['another kind', encode({ kind: 'hashedrekord', spec: {} })],
  ] as const) {
    t.notOk(sameSignedEnvelope(body, v2('AAEC')), name);
  }
});

t.test('the log client passes on only the log key it checked', async (t) => {
  const { log, url } = await servedLog(t);
  const ownRoot = await (await fetch(`${url}/api/v1/trusted-root`)).json();
  const serving = (root: unknown) =>
    new LogClient({
      url,
      noteVerifierKey: log.keys.noteVerifierKey,
      fetch: async (input, init) =>
        String(input).endsWith('/api/v1/trusted-root')
          ? new Response(JSON.stringify(root), { headers: { 'content-type': 'application/json' } })
          : fetch(input, init),
    });
  const honest = await serving(ownRoot).trustedRoot();
  t.same(honest, ownRoot, 'the root as served, when it is only the log');
  // A log must not slip a CA or a TSA into the verifier's trust: only the checked log key passes.
  const padded = await serving({
    ...ownRoot,
    certificateAuthorities: sigstore.trustedRoot.certificateAuthorities,
    timestampAuthorities: sigstore.trustedRoot.timestampAuthorities,
  }).trustedRoot();
  t.same(padded, ownRoot, 'the CA and the TSA left out');

  const other = openTempLog(t, { origin: 'test.example/log' });
  const otherRoot = (await (await serve(t, other)).app.inject('/api/v1/trusted-root')).json();
  const tlog = ownRoot.tlogs[0];
  const key = tlog.publicKey;
  for (const [name, root] of [
    ["another log's key", otherRoot],
    ['no log', { ...ownRoot, tlogs: [] }],
    [
      'a key that is not base64',
      { ...ownRoot, tlogs: [{ ...tlog, publicKey: { ...key, rawBytes: 5 } }] },
    ],
    [
      'a base URL without the origin',
      { ...ownRoot, tlogs: [{ ...tlog, baseUrl: 'https://elsewhere.example' }] },
    ],
    [
      'no start of validity',
      { ...ownRoot, tlogs: [{ ...tlog, publicKey: { ...key, validFor: {} } }] },
    ],
  ] as const) {
    await t.rejects(serving(root).trustedRoot(), { code: 'bad-trusted-root' }, name);
  }
});

t.test('CLI: sign --rekor-url, log trusted-root, verify with two --trusted-root', async (t) => {
  const { log, url } = await servedLog(t);
  const dir = makeModel(t);
  const work = tempDir(t, 'rekor-cli-');
  const bundlePath = path.join(work, 'model.sig');
  const signed = await runCliAsync([
    'sign',
    dir,
    '--identity-token',
    identityToken(SIGNER),
    '--fulcio-url',
    sigstore.fulcioURL,
    '--tsa-url',
    sigstore.tsaURL,
    '--rekor-url',
    url,
    '--out',
    bundlePath,
    '--json',
  ]);
  t.equal(signed.status, 0, signed.stderr);
  t.equal(log.sequencer.checkpoint.size, 1);

  const rootPath = path.join(work, 'log-root.json');
  const saved = await runCliAsync([
    'log',
    'trusted-root',
    '--log',
    url,
    '--log-key',
    log.keys.noteVerifierKey,
    '--out',
    rootPath,
    '--json',
  ]);
  t.equal(saved.status, 0, saved.stderr);
  t.equal(jsonOutput(saved.stdout).out, rootPath);
  t.equal(
    JSON.parse(readFileSync(rootPath, 'utf8')).tlogs[0].logId.keyId,
    Buffer.from(log.keys.logId, 'hex').toString('base64'),
  );
  const fulcioPath = path.join(work, 'fulcio-root.json');
  writeFileSync(fulcioPath, JSON.stringify(sigstore.trustedRoot));

  const verify = (...roots: string[]) =>
    runCliAsync([
      'verify',
      dir,
      '--bundle',
      bundlePath,
      '--identity',
      SIGNER.sub,
      '--issuer',
      SIGNER.iss,
      ...roots.flatMap((root) => ['--trusted-root', root]),
      '--json',
    ]);
  const both = await verify(fulcioPath, rootPath);
  t.equal(both.status, 0, both.stderr);
  t.equal(jsonOutput(both.stdout).ok, true);
  const fulcioOnly = await verify(fulcioPath);
  t.equal(fulcioOnly.status, 1);
  t.equal(jsonOutput(fulcioOnly.stdout).code, 'tlog-invalid');

  const printed = await runCliAsync(['log', 'trusted-root', '--log', url]);
  t.equal(printed.status, 0, printed.stderr);
  t.match(
    printed.stdout,
    /"mediaType": "application\/vnd\.dev\.sigstore\.trustedroot\+json;version=0\.1"/,
  );
});
