// The SDK and the CLI with this log as their Rekor: a keyless model signature logged here through
// the Rekor API (`sign --rekor-url`), the log's trusted root fetched and checked
// (`log trusted-root`), and verification with the Fulcio root and the log root merged.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
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

t.test(
  "the log client refuses a trusted root whose key does not sign the log's checkpoints",
  async (t) => {
    const { log, url } = await servedLog(t);
    const other = openTempLog(t, { origin: 'test.example/log' });
    const otherRoot = (await (await serve(t, other)).app.inject('/api/v1/trusted-root')).json();
    const lying = async (input: string | URL | Request, init?: RequestInit) =>
      String(input).endsWith('/api/v1/trusted-root')
        ? new Response(JSON.stringify(otherRoot), {
            headers: { 'content-type': 'application/json' },
          })
        : fetch(input, init);
    const client = new LogClient({ url, noteVerifierKey: log.keys.noteVerifierKey, fetch: lying });
    await t.rejects(client.trustedRoot(), { code: 'bad-trusted-root' });
    const honest = new LogClient({ url, noteVerifierKey: log.keys.noteVerifierKey });
    t.equal(
      (await honest.trustedRoot()).mediaType,
      'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    );
  },
);

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
