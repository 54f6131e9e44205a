// Keyless signing and verification: @sigstore/mock's Fulcio (with its CT log) and timestamp
// authority on a loopback port, FulcioSigner and TSAWitness from @sigstore/sign, and
// @sigstore/verify with a trusted root built from the fakes' keys.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { SignError, signModel } from '../client-sdk/sign/index.ts';
import { type VerifyOptions, verifyModel } from '../client-sdk/verify/index.ts';
import { verifyFailure } from './support/oms-vectors.ts';
import { identityToken, type SigstoreFakes, startSigstoreFakes } from './support/signing.ts';
import { tempDir } from './support/temp-log.ts';

const SIGNER = {
  sub: 'https://github.com/acme/model/.github/workflows/release.yml@refs/heads/main',
  iss: 'https://token.actions.githubusercontent.com',
};
const clone = <T>(value: T): T => structuredClone(value);

async function fakes(t: Test, options?: Parameters<typeof startSigstoreFakes>[0]) {
  const started = await startSigstoreFakes(options);
  t.teardown(() => started.close());
  return started;
}

function makeModel(t: Test): string {
  const dir = tempDir(t, 'oms-model-');
  writeFileSync(path.join(dir, 'weights.bin'), 'weights');
  return dir;
}

async function signKeyless(dir: string, sigstore: SigstoreFakes, tsa = true) {
  return signModel(dir, {
    identityToken: identityToken(SIGNER),
    fulcioURL: sigstore.fulcioURL,
    ...(tsa ? { tsaURL: sigstore.tsaURL } : {}),
  });
}

const verifyOptions = (bundle: object, sigstore: SigstoreFakes): VerifyOptions => ({
  bundle,
  identity: SIGNER.sub,
  issuer: SIGNER.iss,
  trustedRoot: sigstore.trustedRoot,
  // Nothing here logs to Rekor: the bundles carry no transparency log entry.
  tlogThreshold: 0,
});

const sigstore = await startSigstoreFakes();
t.teardown(() => sigstore.close());

t.test('a keyless bundle carries the Fulcio certificate and the timestamp', async (t) => {
  const dir = makeModel(t);
  const result = await signKeyless(dir, sigstore);
  t.equal(result.method, 'sigstore');
  const material = result.bundle.verificationMaterial as Record<string, unknown>;
  t.same(Object.keys(material), ['certificate', 'tlogEntries', 'timestampVerificationData']);
  t.same(material.tlogEntries, []);
  const verified = await verifyModel(dir, verifyOptions(result.bundle, sigstore));
  t.same(verified.signer, { method: 'sigstore', identity: SIGNER.sub, issuer: SIGNER.iss });
  t.equal(verified.files, 1);
});

t.test('the identity, the issuer and the CA must be the ones expected', async (t) => {
  const dir = makeModel(t);
  const { bundle } = await signKeyless(dir, sigstore);
  const options = verifyOptions(bundle, sigstore);
  const identity = await verifyFailure(
    verifyModel(dir, { ...options, identity: `${SIGNER.sub}.evil` }),
  );
  t.equal(identity.code, 'identity-mismatch');
  // @sigstore/verify's own policy would match a prefix as a regular expression.
  const prefix = await verifyFailure(
    verifyModel(dir, { ...options, identity: 'https://github.com/acme' }),
  );
  t.equal(prefix.code, 'identity-mismatch');
  const issuer = await verifyFailure(
    verifyModel(dir, { ...options, issuer: 'https://accounts.google.com' }),
  );
  t.equal(issuer.code, 'issuer-mismatch');
  t.match(issuer.message, /token\.actions\.githubusercontent\.com/);

  const elsewhere = await fakes(t);
  const untrusted = await verifyFailure(
    verifyModel(dir, {
      ...options,
      trustedRoot: {
        ...sigstore.trustedRoot,
        certificateAuthorities: elsewhere.trustedRoot.certificateAuthorities,
      },
    }),
  );
  t.equal(untrusted.code, 'untrusted-ca');
  t.match(untrusted.message, /pass the trusted root of the Fulcio/);
});

t.test('a transparency log entry is required unless the threshold says otherwise', async (t) => {
  const dir = makeModel(t);
  const { bundle } = await signKeyless(dir, sigstore);
  const error = await verifyFailure(
    verifyModel(dir, { ...verifyOptions(bundle, sigstore), tlogThreshold: undefined }),
  );
  t.equal(error.code, 'tlog-invalid');
  t.match(
    error.message,
    /expected 1 tlog entries, got 0: a keyless bundle needs a transparency log entry/,
  );
});

t.test('without a timestamp the certificate has no time to be checked at', async (t) => {
  const dir = makeModel(t);
  const { bundle } = await signKeyless(dir, sigstore, false);
  t.notOk('timestampVerificationData' in (bundle.verificationMaterial as object));
  const error = await verifyFailure(verifyModel(dir, verifyOptions(bundle, sigstore)));
  t.equal(error.code, 'timestamp-invalid');
  t.match(error.message, /sign with a TSA/);
});

t.test('a certificate that had expired when the signature was stamped is refused', async (t) => {
  const dir = makeModel(t);
  const now = Math.ceil(Date.now() / 1000) * 1000 + 1000;
  // Fulcio issued its 10-minute certificate an hour before the TSA stamped the signature.
  const late = await fakes(t, { clock: new Date(now - 3_600_000), tsaClock: new Date(now) });
  const { bundle } = await signKeyless(dir, late);
  const error = await verifyFailure(verifyModel(dir, verifyOptions(bundle, late)));
  t.equal(error.code, 'certificate-expired');
});

t.test('a changed payload does not verify', async (t) => {
  const dir = makeModel(t);
  const { bundle } = await signKeyless(dir, sigstore);
  const tampered = clone(bundle) as { dsseEnvelope: { payload: string } };
  const statement = JSON.parse(Buffer.from(tampered.dsseEnvelope.payload, 'base64').toString());
  statement.subject[0].name = 'another-model';
  tampered.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  const error = await verifyFailure(verifyModel(dir, verifyOptions(tampered, sigstore)));
  t.equal(error.code, 'signature-invalid');
});

t.test('Sigstore bundles before v0.3 carry the Fulcio certificate in a chain', async (t) => {
  const dir = makeModel(t);
  const { bundle } = await signKeyless(dir, sigstore);
  const old = clone(bundle) as { mediaType: string; verificationMaterial: Record<string, unknown> };
  const { certificate, ...rest } = old.verificationMaterial;
  old.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
  old.verificationMaterial = { x509CertificateChain: { certificates: [certificate] }, ...rest };
  t.equal((await verifyModel(dir, verifyOptions(old, sigstore))).files, 1);
});

t.test('a bundle @sigstore/bundle cannot read is bad-bundle', async (t) => {
  const dir = makeModel(t);
  const { bundle } = await signKeyless(dir, sigstore);
  const garbled = clone(bundle) as { verificationMaterial: { certificate: { rawBytes: string } } };
  garbled.verificationMaterial.certificate.rawBytes = Buffer.from('not DER').toString('base64');
  const error = await verifyFailure(verifyModel(dir, verifyOptions(garbled, sigstore)));
  t.equal(error.code, 'bad-bundle');
  t.match(error.message, /^not a valid Sigstore bundle: /);
});

t.test(
  'the trusted root must be a Sigstore TrustedRoot, or a ClientTrustConfig holding one',
  async (t) => {
    const dir = makeModel(t);
    const { bundle } = await signKeyless(dir, sigstore);
    const options = verifyOptions(bundle, sigstore);
    const wrapped = await verifyModel(dir, {
      ...options,
      trustedRoot: {
        mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json',
        trustedRoot: sigstore.trustedRoot,
      },
    });
    t.equal(wrapped.files, 1);
    const ctlogs = sigstore.trustedRoot.ctlogs as { publicKey: { rawBytes: string } }[];
    const unusable = {
      ...sigstore.trustedRoot,
      ctlogs: [{ ...ctlogs[0], publicKey: { ...ctlogs[0].publicKey, rawBytes: 'AAAA' } }],
    };
    for (const [trustedRoot, message] of [
      ['trusted_root.json', /not a Sigstore TrustedRoot/],
      [{ mediaType: 5 }, /not a Sigstore TrustedRoot/],
      [
        { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' },
        /not a Sigstore TrustedRoot/,
      ],
      [unusable, /the trusted root is unusable/],
    ] as [unknown, RegExp][]) {
      const error = await verifyFailure(verifyModel(dir, { ...options, trustedRoot }));
      t.equal(error.code, 'bad-options');
      t.match(error.message, message);
    }
  },
);

t.test('Fulcio refusing the identity token fails the signing', async (t) => {
  const dir = makeModel(t);
  const error = await signModel(dir, {
    identityToken: 'not-a-jwt',
    fulcioURL: sigstore.fulcioURL,
  }).catch((error: SignError) => error);
  t.ok(error instanceof SignError);
  t.equal((error as SignError).code, 'signing-failed');
  t.match((error as SignError).message, /^signing failed: /);
});

t.test('an identity token Fulcio cannot use is not repeated in the error', async (t) => {
  const dir = makeModel(t);
  // Well-formed, but its email is not verified: @sigstore/sign quotes such a token.
  const token = identityToken({
    sub: 'dev@example.com',
    iss: 'https://issuer.example',
    email: 'dev@example.com',
    email_verified: false,
  });
  const error = (await signModel(dir, {
    identityToken: token,
    fulcioURL: sigstore.fulcioURL,
  }).catch((error: SignError) => error)) as SignError;
  t.equal(error.code, 'signing-failed');
  t.notMatch(error.message, token);
  t.notMatch(error.message, token.split('.')[1], 'not even its claims');
  t.equal(error.cause, undefined, 'nor in the error it wraps');
});
