// `attestry publish` against a real log over loopback HTTP: bundles that a released model_signing
// signed (with a key, and keyless with a Sigstore certificate) are logged as they are, a second
// time is the entry the log holds, and every failure (the log's refusal, a file that is no
// bundle, a log that wants a token) is a message and exit status 1.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { publishCommand } from '../client-sdk/cli/commands/publish.ts';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { localToken } from './support/auth.ts';
import { expectHelp, jsonOutput, runInProcess } from './support/cli.ts';
import { serve } from './support/http.ts';
import { OMS, RELEASES } from './support/oms-vectors.ts';
import { freePort } from './support/server-process.ts';
import { generateKey } from './support/signing.ts';
import { openTempLog, tempDir } from './support/temp-log.ts';

const KEY_BUNDLE = path.join(RELEASES, 'v1.1.0-elliptic-key/model.sig');
const KEYLESS_BUNDLE = path.join(RELEASES, 'v1.1.0-sigstore/model.sig');
/** Signed with a certificate that names nobody: the log refuses it. */
const ANONYMOUS_CERTIFICATE_BUNDLE = path.join(RELEASES, 'v1.1.0-certificate/model.sig');
const PUBLIC_KEY = path.join(OMS, 'scripts/tests/keys/certificate/signing-key-pub.pem');

const publish = (...args: string[]) => runInProcess(publishCommand, args);

t.test('model_signing bundles are published as they are, and proven', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const logKey = log.keys.noteVerifierKey;

  const first = await publish(KEY_BUNDLE, '--public-key', PUBLIC_KEY, '--log', url);
  t.equal(first.status, 0, first.stderr);
  t.match(
    first.stdout,
    new RegExp(
      `^published ${KEY_BUNDLE} to ${url} at index 0, under "v1.1.0-elliptic-key" \\(logged `,
    ),
  );
  t.match(
    first.stdout,
    /\nchecked with the keys the log announces \(not pinned: pass --log-key\)\n$/,
  );

  const again = await publish(KEY_BUNDLE, '--public-key', PUBLIC_KEY, '--log', url, '--json');
  t.equal(again.status, 0, again.stderr);
  t.match(jsonOutput(again.stdout), {
    ok: true,
    bundle: KEY_BUNDLE,
    names: ['v1.1.0-elliptic-key'],
    url,
    logIndex: 0,
    duplicate: true,
  });

  const keyless = await publish(KEYLESS_BUNDLE, '--log', url, '--log-key', logKey, '--json');
  t.equal(keyless.status, 0, keyless.stderr);
  t.match(jsonOutput(keyless.stdout), { ok: true, logIndex: 1, duplicate: false });

  // What the log holds is the bundle's own envelope (an empty keyid left out), proven in a
  // checkpoint of the pinned key.
  const client = new LogClient({ url, noteVerifierKey: logKey });
  for (const [index, file] of [KEY_BUNDLE, KEYLESS_BUNDLE].entries()) {
    const logged = JSON.parse(new TextDecoder().decode((await client.entry(index)).envelope));
    const signed = JSON.parse(readFileSync(file, 'utf8')).dsseEnvelope;
    t.same(
      [logged.payloadType, logged.payload, logged.signatures.map((s: { sig: string }) => s.sig)],
      [signed.payloadType, signed.payload, [signed.signatures[0].sig]],
      `entry ${index}: the envelope of ${path.basename(path.dirname(file))}`,
    );
  }
});

t.test('what the log refuses, and what is no bundle, fail with a message', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const dir = tempDir(t);

  // The bundle names its key by a hint: the log needs the key itself to check the signature.
  // The bundle names its key by a hint: the log needs the key itself, which is asked for first.
  const noKey = await publish(KEY_BUNDLE, '--log', url, '--json');
  t.equal(noKey.status, 1);
  t.same(jsonOutput(noKey.stdout), {
    ok: false,
    code: 'missing-public-key',
    message: `${KEY_BUNDLE} names its signer's key by a hint only: pass that public key with --public-key PUB.pem`,
  });
  // Sent anyway (a script calling the SDK), the log refuses it in its own words.
  const { publishBundle } = await import('../client-sdk/sign/publish.ts');
  await t.rejects(
    publishBundle(KEY_BUNDLE, url, { bundle: JSON.parse(readFileSync(KEY_BUNDLE, 'utf8')) }),
    {
      code: 'publish-failed',
      message: new RegExp(`^publishing ${KEY_BUNDLE} to ${url} failed: `),
      cause: { code: 'missing-public-key', status: 400 },
    },
  );

  const nobody = await publish(ANONYMOUS_CERTIFICATE_BUNDLE, '--log', url);
  t.equal(nobody.status, 1);
  t.match(
    nobody.stderr,
    /^attestry publish: publishing .* failed: the log refused \/api\/v1\/entries: the leaf certificate has no email or URI subject alternative name\n$/,
  );

  const notJson = path.join(dir, 'model.sig');
  writeFileSync(notJson, 'not json');
  const garbage = await publish(notJson, '--log', url);
  t.equal(garbage.status, 1);
  t.equal(garbage.stderr, `attestry publish: ${notJson} is not a JSON Sigstore bundle\n`);

  const missing = await publish(path.join(dir, 'none.sig'), '--log', url);
  t.equal(missing.status, 1);
  t.match(missing.stderr, /^attestry publish: cannot read the bundle .*none\.sig: ENOENT/);

  const noKeyFile = await publish(
    KEY_BUNDLE,
    '--public-key',
    path.join(dir, 'x.pem'),
    '--log',
    url,
  );
  t.equal(noKeyFile.status, 1);
  t.match(noKeyFile.stderr, /^attestry publish: cannot read --public-key .*x\.pem: ENOENT/);
  const notAKey = await publish(KEY_BUNDLE, '--public-key', notJson, '--log', url);
  t.equal(notAKey.status, 1);
  t.equal(
    notAKey.stderr,
    `attestry publish: --public-key ${notJson} holds no PEM public key (-----BEGIN PUBLIC KEY-----)\n`,
  );

  const privateKey = path.join(dir, 'private-key.pem');
  writeFileSync(
    privateKey,
    generateKey('ecdsa-p256').privateKey.export({ type: 'pkcs8', format: 'pem' }),
  );
  const secret = await publish(KEY_BUNDLE, '--public-key', privateKey, '--log', url);
  t.equal(
    secret.stderr,
    `attestry publish: --public-key ${privateKey} is a private key: pass its public key (attestry keygen's public-key.pem)\n`,
  );

  const usage = await publish(KEY_BUNDLE);
  t.equal(usage.status, 1, 'no --log is a usage error');
  t.match(usage.stderr, /required option '--log <url>' not specified/);
  const noScheme = await publish(KEY_BUNDLE, '--log', url.replace('http://', ''));
  t.equal(noScheme.status, 1);
  t.match(noScheme.stderr, /the log URL must be an http:\/\/ or https:\/\/ URL/);
  const directoryKey = await publish(KEY_BUNDLE, '--log', url, '--log-key', dir);
  t.equal(directoryKey.status, 1, 'a directory as --log-key is a usage error, not a crash');
  t.match(directoryKey.stderr, /is a directory: pass the note\.pub file in it, or the key itself/);
  const closed = `http://127.0.0.1:${await freePort()}`;
  const down = await publish(KEYLESS_BUNDLE, '--log', closed);
  t.equal(down.status, 1);
  t.match(down.stderr, `cannot reach the log at ${closed}: fetch failed (ECONNREFUSED)`);
  t.equal(log.sequencer.checkpoint.size, 0, 'nothing was logged');
});

t.test('a log that takes tokens only: the token is sent', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, {}, undefined, {});
  const args = [KEYLESS_BUNDLE, '--log', url, '--json'];

  const anonymous = await publish(...args);
  t.equal(anonymous.status, 1);
  t.match(jsonOutput(anonymous.stdout).cause, { code: 'token-required', status: 401 });
  const told = await publish(KEYLESS_BUNDLE, '--log', url);
  t.match(told.stderr, /\(pass one with --token or ATTESTRY_TOKEN\)\n$/, 'how to send a token');

  const token = await localToken(log, ['*']);
  const withToken = await publish(...args, '--token', token);
  t.equal(withToken.status, 0, withToken.stderr);
  t.match(jsonOutput(withToken.stdout), { ok: true, logIndex: 0 });
});

t.test('publish is a command of attestry, with its help', async (t) => {
  expectHelp(
    t,
    ['--help'],
    [/\n {2}publish \[options\] <bundle> +Publish a signed Sigstore bundle/],
  );
  expectHelp(
    t,
    ['publish', '--help'],
    ['--log <url>', '--log-key <key>', '--public-key <file>', '--token <jwt>', '--json'],
  );
});
