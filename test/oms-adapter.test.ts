// `attestry oms-adapter`: the OpenSSF Model Signing conformance suite's adapter protocol
// (sign-model and verify-model with absolute paths and repeatable flags; only the exit status
// counts), over the suite's own kind of model and model_signing's test PKI.
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { expectHelp, runCli } from './support/cli.ts';
import { copyRelease, OMS, RELEASES } from './support/oms-vectors.ts';
import {
  identityToken,
  makeCertificateChain,
  runCliAsync,
  startSigstoreFakes,
} from './support/signing.ts';
import { tempDir } from './support/temp-log.ts';

t.setTimeout(180_000);

const KEYS = path.join(RELEASES, 'keys/certificate');
const key = (name: string) => path.join(KEYS, name);

/** The conformance suite's models/simple: signme-1, signme-2 and ignore-me. */
function simpleModel(t: Test): string {
  const dir = copyRelease(t, 'v1.1.0-elliptic-key');
  rmSync(path.join(dir, 'model.sig'));
  return dir;
}

const adapter = (...args: string[]) => runCli(['oms-adapter', ...args]);

t.test('--help of the adapter and of both subcommands lists the protocol flags', async (t) => {
  const top = adapter('--help');
  t.equal(top.status, 0);
  t.match(top.stdout, /sign-model/);
  t.match(top.stdout, /verify-model/);
  t.match(top.stdout, /--entrypoint="attestry oms-adapter"/);
  expectHelp(
    t,
    ['oms-adapter', 'sign-model', '--help'],
    [
      '--method <method>',
      '--model-path <path>',
      '--output-bundle <path>',
      '--private-key <path>',
      '--signing-cert <path>',
      '--cert-chain <path>',
      '--ignore-paths <path>',
      '--identity-token <jwt>',
    ],
  );
  expectHelp(
    t,
    ['oms-adapter', 'verify-model', '--help'],
    [
      '--method <method>',
      '--model-path <path>',
      '--bundle <path>',
      '--public-key <path>',
      '--cert-chain <path>',
      '--ignore-paths <path>',
      '--ignore-unsigned-files',
      '--identity <san>',
      '--identity-provider <url>',
      '--trusted-root <path>',
    ],
  );
});

t.test('key: sign-model then verify-model, and the negative cases', async (t) => {
  const model = simpleModel(t);
  const bundle = path.join(model, 'bundle.sig');
  const ignore = path.join(model, 'ignore-me');
  const signed = adapter(
    'sign-model',
    '--method',
    'key',
    '--model-path',
    model,
    '--output-bundle',
    bundle,
    '--private-key',
    key('signing-key.pem'),
    '--ignore-paths',
    ignore,
  );
  t.equal(signed.status, 0, signed.stderr);
  t.equal(signed.stdout, '');
  const resources = JSON.parse(
    Buffer.from(JSON.parse(readFileSync(bundle, 'utf8')).dsseEnvelope.payload, 'base64').toString(),
  ).predicate.resources.map((resource: { name: string }) => resource.name);
  t.same(resources, ['signme-1', 'signme-2'], 'the bundle inside the model is not signed');

  const verifyWith = (publicKey: string, ...extra: string[]) =>
    adapter(
      'verify-model',
      '--method',
      'key',
      '--model-path',
      model,
      '--bundle',
      bundle,
      '--public-key',
      publicKey,
      ...extra,
    );
  const verify = (...extra: string[]) => verifyWith(key('signing-key-pub.pem'), ...extra);
  t.equal(verify().status, 0);
  // The recorded ignore path is applied again; passing it too changes nothing.
  t.equal(verify('--ignore-paths', ignore).status, 0);

  writeFileSync(path.join(model, 'injected.bin'), 'poison');
  const extra = verify();
  t.equal(extra.status, 1);
  t.match(
    extra.stderr,
    /^attestry oms-adapter verify-model: the model does not match its signature/,
  );
  t.equal(verify('--ignore-unsigned-files').status, 0);

  writeFileSync(path.join(model, 'signme-1'), 'tampered');
  t.equal(verify('--ignore-unsigned-files').status, 1);

  const wrongKey = tempDir(t);
  t.equal(runCli(['keygen', '--out', wrongKey, '--type', 'ecdsa-p384']).status, 0);
  const wrong = verifyWith(path.join(wrongKey, 'public-key.pem'));
  t.equal(wrong.status, 1);
  t.match(wrong.stderr, /another key/);
});

t.test('certificate: sign-model with the chain, verify-model with the root', async (t) => {
  const model = simpleModel(t);
  const bundle = path.join(tempDir(t), 'bundle.sig');
  const signed = adapter(
    'sign-model',
    '--method',
    'certificate',
    '--model-path',
    model,
    '--output-bundle',
    bundle,
    '--private-key',
    key('signing-key.pem'),
    '--signing-cert',
    key('signing-key-cert.pem'),
    '--cert-chain',
    key('int-ca-cert.pem'),
    '--ignore-paths',
    path.join(model, 'ignore-me'),
  );
  t.equal(signed.status, 0, signed.stderr);
  const verify = (...chain: string[]) =>
    adapter(
      'verify-model',
      '--method',
      'certificate',
      '--model-path',
      model,
      '--bundle',
      bundle,
      ...chain.flatMap((file) => ['--cert-chain', file]),
    );
  t.equal(verify(key('ca-cert.pem')).status, 0);
  t.equal(verify(key('int-ca-cert.pem'), key('ca-cert.pem')).status, 0);
  t.equal(verify(key('signing-key-cert.pem')).status, 0, 'trusting the leaf itself is enough');
  // certificate-simple-wrong-ca_fail: a root that did not issue the chain.
  const otherRoot = path.join(tempDir(t), 'ca.pem');
  const other = await makeCertificateChain();
  writeFileSync(otherRoot, new X509Certificate(other.certificates[1]).toString());
  const wrongCa = verify(otherRoot);
  t.equal(wrongCa.status, 1);
  t.match(wrongCa.stderr, /does not chain to a trusted CA/);
  // A key bundle is not a certificate bundle (key-verify-as-certificate_fail).
  const keyBundle = path.join(RELEASES, 'v1.1.0-elliptic-key/model.sig');
  const mismatch = adapter(
    'verify-model',
    '--method',
    'certificate',
    '--model-path',
    model,
    '--bundle',
    keyBundle,
    '--cert-chain',
    key('ca-cert.pem'),
  );
  t.equal(mismatch.status, 1);
  t.match(mismatch.stderr, /bare key, not a certificate/);
});

t.test('sigstore: sign-model with an identity token, verify-model by identity', async (t) => {
  const sigstore = await startSigstoreFakes();
  t.teardown(() => sigstore.close());
  const model = simpleModel(t);
  const files = tempDir(t);
  const bundle = path.join(files, 'bundle.sig');
  const trustedRoot = path.join(files, 'trusted_root.json');
  writeFileSync(trustedRoot, JSON.stringify(sigstore.trustedRoot));
  const signed = await runCliAsync([
    'oms-adapter',
    'sign-model',
    '--method',
    'sigstore',
    '--model-path',
    model,
    '--output-bundle',
    bundle,
    '--identity-token',
    identityToken({ sub: 'ci@example.com', iss: 'https://issuer.example' }),
    '--fulcio-url',
    sigstore.fulcioURL,
    '--tsa-url',
    sigstore.tsaURL,
    '--private-key',
    key('signing-key.pem'),
  ]);
  t.equal(signed.status, 0, signed.stderr);
  const verify = (identity: string) =>
    runCliAsync([
      'oms-adapter',
      'verify-model',
      '--method',
      'sigstore',
      '--model-path',
      model,
      '--bundle',
      bundle,
      '--identity',
      identity,
      '--identity-provider',
      'https://issuer.example',
      '--trusted-root',
      trustedRoot,
      '--tlog-threshold',
      '0',
      '--public-key',
      key('signing-key-pub.pem'),
    ]);
  t.equal((await verify('ci@example.com')).status, 0);
  t.equal((await verify('someone@example.com')).status, 1);
});

t.test('released bundles verify through the adapter', async (t) => {
  const certificate = path.join(RELEASES, 'v1.1.0-certificate');
  const byCertificate = adapter(
    'verify-model',
    '--method',
    'certificate',
    '--model-path',
    certificate,
    '--bundle',
    path.join(certificate, 'model.sig'),
    '--cert-chain',
    key('ca-cert.pem'),
  );
  t.equal(byCertificate.status, 0, byCertificate.stderr);
  const sigstore = path.join(RELEASES, 'v1.0.1-sigstore');
  const bySigstore = adapter(
    'verify-model',
    '--method',
    'sigstore',
    '--model-path',
    sigstore,
    '--bundle',
    path.join(sigstore, 'model.sig'),
    '--ignore-paths',
    path.join(sigstore, 'ignore-me'),
    '--identity',
    'stefanb@us.ibm.com',
    '--identity-provider',
    'https://sigstore.verify.ibm.com/oauth2',
    '--trusted-root',
    path.join(OMS, 'tests/_signing/testdata/custom_trust_config.json'),
  );
  t.equal(bySigstore.status, 0, bySigstore.stderr);
});

t.test('a flag a method needs is asked for by name', async (t) => {
  const model = simpleModel(t);
  const out = path.join(tempDir(t), 'bundle.sig');
  const cases: [string[], RegExp][] = [
    [
      ['sign-model', '--method', 'key', '--model-path', model, '--output-bundle', out],
      /--method key needs --private-key/,
    ],
    [
      ['sign-model', '--method', 'certificate', '--model-path', model, '--output-bundle', out],
      /--method certificate needs --private-key and --signing-cert/,
    ],
    [
      ['sign-model', '--method', 'sigstore', '--model-path', model, '--output-bundle', out],
      /--method sigstore needs --identity-token/,
    ],
    [
      ['verify-model', '--method', 'key', '--model-path', model, '--bundle', out],
      /--method key needs --public-key/,
    ],
    [
      ['verify-model', '--method', 'certificate', '--model-path', model, '--bundle', out],
      /--method certificate needs --cert-chain/,
    ],
    [
      ['verify-model', '--method', 'sigstore', '--model-path', model, '--bundle', out],
      /--method sigstore needs --identity and --identity-provider and --trusted-root/,
    ],
    [
      ['sign-model', '--method', 'pkcs11', '--model-path', model, '--output-bundle', out],
      /Allowed choices are key, certificate, sigstore/,
    ],
    [
      ['verify-model', '--model-path', model, '--bundle', out],
      /required option '--method <method>' not specified/,
    ],
    [
      [
        'sign-model',
        '--method',
        'key',
        '--model-path',
        model,
        '--output-bundle',
        out,
        '--private-key',
        path.join(model, 'nope.pem'),
      ],
      /cannot read --private-key/,
    ],
  ];
  for (const [args, message] of cases) {
    const cli = adapter(...args);
    t.equal(cli.status, 1, String(message));
    t.match(cli.stderr, message);
  }
});
