// verifyModel against the OpenSSF Model Signing data: every bundle model_signing released from
// v0.2.0 to v1.1.0 (key, certificate and Sigstore methods) over its model files, the spec's valid
// and invalid test bundles, and the same models once a signed file is changed, removed or added.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { type VerifyOptions, verifyModel } from '../client-sdk/verify/index.ts';
import {
  copyRelease,
  OMS,
  RELEASES,
  sigstorePublicGoodRoot,
  verifyFailure,
} from './support/oms-vectors.ts';

const SPEC_VECTORS = path.join(OMS, 'ossf-model-signing-spec/test-vectors/v1.0');
const KEYS = path.join(RELEASES, 'keys/certificate');
const read = (file: string) => readFileSync(file, 'utf8');
const PUBLIC_KEY = read(path.join(KEYS, 'signing-key-pub.pem'));
const ROOT_CA = read(path.join(KEYS, 'ca-cert.pem'));
// The ClientTrustConfig of the public Sigstore instance, from model_signing's tests.
const PUBLIC_GOOD_TRUST = JSON.parse(
  read(path.join(OMS, 'tests/_signing/testdata/custom_trust_config.json')),
);
const SIGSTORE_SIGNER = {
  identity: 'stefanb@us.ibm.com',
  issuer: 'https://sigstore.verify.ibm.com/oauth2',
  trustedRoot: PUBLIC_GOOD_TRUST,
};

interface Release {
  name: string;
  method: 'key' | 'certificate';
  /** The signed model is this one file of the directory (model_signing ≤ 1.0.0 tests). */
  file?: string;
  /** ignore-me lies in the model, left out by the verifier (v1.0.1) or by the bundle (v1.1.0). */
  ignoreMe?: 'passed' | 'recorded';
  legacy: string[];
}

const RAW_BYTES = 'publicKey.rawBytes instead of a key hint';
const RELEASE_CASES: Release[] = [
  {
    name: 'v0.2.0-certificate',
    method: 'certificate',
    legacy: [
      'model_signing 0.2 signature encoding',
      'the model_signing 0.2 predicate https://model_signing/Digests/v0.1',
    ],
  },
  { name: 'v0.3.1-certificate', method: 'certificate', legacy: [] },
  { name: 'v0.3.1-elliptic-key', method: 'key', file: 'signme-1', legacy: [RAW_BYTES] },
  { name: 'v1.0.0-certificate', method: 'certificate', legacy: [] },
  { name: 'v1.0.0-elliptic-key', method: 'key', file: 'signme-1', legacy: [RAW_BYTES] },
  { name: 'v1.0.1-certificate', method: 'certificate', ignoreMe: 'passed', legacy: [] },
  { name: 'v1.0.1-elliptic-key', method: 'key', ignoreMe: 'passed', legacy: [RAW_BYTES] },
  { name: 'v1.1.0-certificate', method: 'certificate', ignoreMe: 'recorded', legacy: [] },
  { name: 'v1.1.0-elliptic-key', method: 'key', ignoreMe: 'recorded', legacy: [] },
];

function releaseOptions(release: Release, dir: string): VerifyOptions {
  return {
    bundle: path.join(dir, 'model.sig'),
    ...(release.method === 'key' ? { key: PUBLIC_KEY } : { certificateChain: ROOT_CA }),
    // As the reference's scripts/tests/test-verify-v1.0.1-*.sh pass it.
    ...(release.ignoreMe === 'passed' ? { ignorePaths: [path.join(dir, 'ignore-me')] } : {}),
  };
}

t.test('every key and certificate bundle model_signing released verifies', async (t) => {
  for (const release of RELEASE_CASES) {
    t.test(release.name, async (t) => {
      const dir = copyRelease(t, release.name);
      const model = release.file === undefined ? dir : path.join(dir, release.file);
      const options = releaseOptions(release, dir);
      const result = await verifyModel(model, options);
      t.equal(result.method, release.method);
      t.equal(result.files, release.file === undefined ? 2 : 1);
      t.same(result.unsignedFiles, []);
      t.same(result.legacy, release.legacy);
      if (release.method === 'key') {
        t.same(result.signer, {
          method: 'key',
          keyHint: 'e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e',
          keyIdentity: result.signer.method === 'key' ? result.signer.keyIdentity : '',
        });
      } else {
        t.match(result.signer, {
          method: 'certificate',
          subject: 'CN=intermediate-ca',
          trustAnchor: 'CN=root-ca',
        });
      }

      const signed = release.file === undefined ? ['signme-1', 'signme-2'] : [release.file];
      writeFileSync(path.join(dir, signed[0]), 'changed after signing\n');
      t.same((await verifyFailure(verifyModel(model, options))).differences, {
        missing: [],
        extra: [],
        changed: [signed[0]],
      });
      if (release.file !== undefined) return;

      cpSync(path.join(RELEASES, release.name, signed[0]), path.join(dir, signed[0]));
      rmSync(path.join(dir, 'signme-2'));
      const missing = await verifyFailure(verifyModel(model, options));
      t.equal(missing.code, 'manifest-mismatch');
      t.same(missing.differences, { missing: ['signme-2'], extra: [], changed: [] });

      cpSync(path.join(RELEASES, release.name, 'signme-2'), path.join(dir, 'signme-2'));
      writeFileSync(path.join(dir, 'added'), 'not signed');
      const added = await verifyFailure(verifyModel(model, options));
      t.same(added.differences, { missing: [], extra: ['added'], changed: [] });
      t.match(added.message, /extra: added/);
      const lenient = await verifyModel(model, { ...options, ignoreUnsignedFiles: true });
      t.same(lenient.unsignedFiles, ['added']);
      rmSync(path.join(dir, 'added'));

      if (release.ignoreMe !== undefined) {
        writeFileSync(path.join(dir, 'ignore-me'), 'not signed, and left out');
        t.equal((await verifyModel(model, options)).files, 2, 'ignore-me stays left out');
      }
    });
  }
});

t.test('without the ignore path it was signed with, ignore-me is an unsigned file', async (t) => {
  const dir = copyRelease(t, 'v1.0.1-elliptic-key');
  const error = await verifyFailure(
    verifyModel(dir, { bundle: path.join(dir, 'model.sig'), key: PUBLIC_KEY }),
  );
  t.same(error.differences, { missing: [], extra: ['ignore-me'], changed: [] });
});

t.test('a bundle given as parsed JSON is read the same', async (t) => {
  const dir = copyRelease(t, 'v1.1.0-certificate');
  const bundle = JSON.parse(read(path.join(dir, 'model.sig')));
  rmSync(path.join(dir, 'model.sig'));
  const result = await verifyModel(dir, { bundle, certificateChain: ROOT_CA });
  t.equal(result.files, 2);
});

t.test('Sigstore bundles verify with the public Sigstore trust root', async (t) => {
  for (const release of ['v0.3.1-sigstore', 'v1.0.0-sigstore', 'v1.0.1-sigstore']) {
    t.test(release, async (t) => {
      const dir = copyRelease(t, release);
      const options = {
        bundle: path.join(dir, 'model.sig'),
        ignorePaths: ['ignore-me'],
        ...SIGSTORE_SIGNER,
      };
      const result = await verifyModel(dir, options);
      t.same(result.signer, {
        method: 'sigstore',
        identity: SIGSTORE_SIGNER.identity,
        issuer: SIGSTORE_SIGNER.issuer,
      });
      t.equal(result.files, 2);

      const wrongIdentity = await verifyFailure(
        verifyModel(dir, { ...options, identity: 'mallory@example.com' }),
      );
      t.equal(wrongIdentity.code, 'identity-mismatch');
      t.match(wrongIdentity.message, /stefanb@us\.ibm\.com/);
      const wrongIssuer = await verifyFailure(
        verifyModel(dir, { ...options, issuer: 'https://accounts.google.com' }),
      );
      t.equal(wrongIssuer.code, 'issuer-mismatch');

      writeFileSync(path.join(dir, 'signme-2'), 'tampered');
      t.same((await verifyFailure(verifyModel(dir, options))).differences, {
        missing: [],
        extra: [],
        changed: ['signme-2'],
      });
    });
  }
});

t.test('the v1.1.0 Sigstore bundle needs a trust root with the Sigstore TSA', async (t) => {
  // Its RFC 3161 timestamp comes from timestamp.sigstore.dev, which model_signing's (older)
  // trust root predates: an unverifiable timestamp fails the bundle, it is not skipped.
  const dir = copyRelease(t, 'v1.1.0-sigstore');
  const bundle = path.join(dir, 'model.sig');
  const error = await verifyFailure(verifyModel(dir, { bundle, ...SIGSTORE_SIGNER }));
  t.equal(error.code, 'timestamp-invalid');
  const current = { ...SIGSTORE_SIGNER, trustedRoot: sigstorePublicGoodRoot() };
  t.match(await verifyModel(dir, { bundle, ...current }), { method: 'sigstore', files: 2 });
});

t.test("the spec's valid key and certificate bundles verify over their model", async (t) => {
  const dir = copyRelease(t, 'v1.1.0-elliptic-key');
  rmSync(path.join(dir, 'model.sig'));
  const key = await verifyModel(dir, {
    bundle: path.join(SPEC_VECTORS, 'valid/key.bundle.json'),
    key: PUBLIC_KEY,
  });
  t.equal(key.files, 2);
  t.equal(key.modelName, 'model');
  t.equal(key.rootDigest, '92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4');
  const certificate = await verifyModel(dir, {
    bundle: path.join(SPEC_VECTORS, 'valid/certificate.bundle.json'),
    certificateChain: ROOT_CA,
  });
  t.equal(certificate.files, 2);
});

t.test(
  "the spec's valid Sigstore bundle verifies under the current public trust root",
  async (t) => {
    const dir = copyRelease(t, 'v1.1.0-sigstore');
    const bundle = path.join(SPEC_VECTORS, 'valid/sigstore.bundle.json');
    t.match(
      await verifyModel(dir, { bundle, ...SIGSTORE_SIGNER, trustedRoot: sigstorePublicGoodRoot() }),
      { method: 'sigstore', files: 2 },
    );
    const error = await verifyFailure(verifyModel(dir, { bundle, ...SIGSTORE_SIGNER }));
    t.equal(error.code, 'timestamp-invalid', 'not under the older one without its TSA');
  },
);

t.test("the spec's invalid bundles are refused", async (t) => {
  const dir = copyRelease(t, 'v1.1.0-elliptic-key');
  const cases: [string, Partial<VerifyOptions>, string][] = [
    ['invalid/empty.bundle.json', { key: PUBLIC_KEY }, 'bad-bundle'],
    ['invalid/missing-envelope.bundle.json', { key: PUBLIC_KEY }, 'bad-bundle'],
    ['invalid/missing-verification-material.bundle.json', { key: PUBLIC_KEY }, 'bad-bundle'],
    ['invalid/missing-tlog-entries.bundle.json', SIGSTORE_SIGNER, 'timestamp-invalid'],
    // Its predicateType was edited after signing: the signature no longer covers the payload.
    ['invalid-payload/wrong-predicate.bundle.json', { key: PUBLIC_KEY }, 'signature-invalid'],
  ];
  for (const [file, options, code] of cases) {
    const error = await verifyFailure(
      verifyModel(dir, { bundle: path.join(SPEC_VECTORS, file), ...options }),
    );
    t.equal(error.code, code, file);
  }
});

t.test('a bundle is verified only by the method it was made for (OMS 11.1)', async (t) => {
  const keyDir = copyRelease(t, 'v1.1.0-elliptic-key');
  const certificateDir = copyRelease(t, 'v1.1.0-certificate');
  const sigstoreDir = copyRelease(t, 'v1.0.1-sigstore');
  const cases: [string, Partial<VerifyOptions>, RegExp][] = [
    [keyDir, { certificateChain: ROOT_CA }, /bare key, not a certificate/],
    [keyDir, SIGSTORE_SIGNER, /bare key, not keyless/],
    [certificateDir, { key: PUBLIC_KEY }, /with a certificate, not a bare key/],
    [certificateDir, SIGSTORE_SIGNER, /certificate chain \(certificate method\)/],
    [sigstoreDir, { key: PUBLIC_KEY }, /with a certificate, not a bare key/],
    [sigstoreDir, { certificateChain: ROOT_CA }, /keyless \(Fulcio\) certificate/],
  ];
  for (const [dir, options, message] of cases) {
    const error = await verifyFailure(
      verifyModel(dir, { bundle: path.join(dir, 'model.sig'), ...options }),
    );
    t.equal(error.code, 'method-mismatch');
    t.match(error.message, message);
  }
});

t.test('a bundle whose mediaType is not a Sigstore one is refused', async (t) => {
  const dir = copyRelease(t, 'v1.1.0-elliptic-key');
  const bundle = JSON.parse(read(path.join(dir, 'model.sig')));
  // The conformance suite's key-simple-wrong-mediatype_fail.
  bundle.mediaType = 'application/vnd.dev.sigstore.bundle.v0.1+json';
  const error = await verifyFailure(verifyModel(dir, { bundle, key: PUBLIC_KEY }));
  t.equal(error.code, 'unsupported-bundle');
});
