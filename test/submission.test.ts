import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import canonicalize from 'canonicalize';
import t, { type Test } from 'tap';
import { keyIdentity, parsePublicKeyPem } from '../server/entries/signer-key.ts';
import { predicateValidators } from '../server/entries/statement.ts';
import {
  type CheckedSubmission,
  checkSubmission,
  MAX_PAYLOAD_BYTES,
} from '../server/entries/submission.ts';
import { SubmissionError } from '../server/entries/submission-error.ts';
import { entryTimestampMessage } from '../server/log/entry-timestamp.ts';
import { LogError } from '../server/log/errors.ts';
import { OMS, RELEASES } from './support/oms-vectors.ts';
import {
  type BundleJson,
  buildBundle,
  certificateSigner,
  DEFAULT_DIGEST,
  generateKey,
  KEY_TYPES,
  keySigner,
  makeCertificateChain,
  OMS_PREDICATE_TYPE,
  omsStatement,
  type TestKey,
} from './support/signing.ts';

const OMS_VECTORS = path.join(OMS, 'ossf-model-signing-spec/test-vectors/v1.0');
const PREDICATES_DIR = path.resolve(import.meta.dirname, '../schemas/predicates');

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');
const b64 = (data: Uint8Array | string) => Buffer.from(data).toString('base64');
const fromB64 = (text: string) => Buffer.from(text, 'base64');
const clone = <T>(value: T): T => structuredClone(value);

/** The SubmissionError code a body is rejected with, 'accepted', or a description of a foreign error. */
async function outcome(body: unknown): Promise<string> {
  try {
    await await checkSubmission(body);
    return 'accepted';
  } catch (error) {
    if (error instanceof SubmissionError && error.message.length > 0) return error.code;
    return `not a SubmissionError: ${error}`;
  }
}

async function errorOf(body: unknown): Promise<SubmissionError> {
  try {
    await await checkSubmission(body);
  } catch (error) {
    if (error instanceof SubmissionError) return error;
    throw error;
  }
  throw new Error('accepted');
}

interface ParsedLeaf {
  apiVersion: string;
  kind: string;
  spec: {
    envelopeHash: { algorithm: string; value: string };
    payloadHash: { algorithm: string; value: string };
    signatures: { signature: string; verifier: string }[];
  };
}

/** Checks the leaf against the Rekor dsse 0.0.1 shape and the bundle it came from. */
function checkLeaf(
  t: Test,
  checked: CheckedSubmission,
  bundle: BundleJson,
  verifierPem: string,
): void {
  const text = new TextDecoder().decode(checked.leaf);
  const leaf: ParsedLeaf = JSON.parse(text);
  t.equal(text, canonicalize(leaf), 'the leaf is JCS canonical JSON');
  t.match(text, /^\{"apiVersion":"0\.0\.1","kind":"dsse","spec":\{"envelopeHash":\{"algorithm"/);
  t.same(Object.keys(leaf.spec), ['envelopeHash', 'payloadHash', 'signatures']);
  const payload = fromB64(bundle.dsseEnvelope.payload);
  t.same(leaf.spec.payloadHash, { algorithm: 'sha256', value: sha256Hex(payload) });
  t.same(leaf.spec.envelopeHash, {
    algorithm: 'sha256',
    value: sha256Hex(checked.envelopeBytes),
  });
  t.equal(leaf.spec.signatures.length, 1);
  t.equal(leaf.spec.signatures[0].signature, bundle.dsseEnvelope.signatures[0].sig);
  t.equal(fromB64(leaf.spec.signatures[0].verifier).toString('utf8'), verifierPem);
  // The stored envelope is the canonical JSON of the submitted one.
  const keyid = bundle.dsseEnvelope.signatures[0].keyid;
  const expected = {
    payload: bundle.dsseEnvelope.payload,
    payloadType: bundle.dsseEnvelope.payloadType,
    signatures: [{ ...(keyid ? { keyid } : {}), sig: bundle.dsseEnvelope.signatures[0].sig }],
  };
  t.same(checked.envelope, expected);
  t.equal(new TextDecoder().decode(checked.envelopeBytes), canonicalize(expected));
}

// One key of each type, shared by the tests below (key generation is the slow part).
const keys = Object.fromEntries(KEY_TYPES.map((type) => [type, generateKey(type)])) as Record<
  (typeof KEY_TYPES)[number],
  TestKey
>;
const p256 = keys['ecdsa-p256'];

async function keyBody(
  payload: Uint8Array | object = omsStatement(),
  options: { key?: TestKey; hint?: string; payloadType?: string } = {},
) {
  const key = options.key ?? p256;
  const bundle = await buildBundle(keySigner(key, { hint: options.hint }), payload, {
    payloadType: options.payloadType,
  });
  return { bundle, publicKey: key.publicKeyPem };
}

t.test('a bundle signed with each supported key type is accepted', async (t) => {
  for (const type of KEY_TYPES) {
    const key = keys[type];
    t.test(type, async (t) => {
      const statement = omsStatement();
      const bundle = await buildBundle(keySigner(key), statement);
      t.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
      t.equal((bundle.verificationMaterial.publicKey as { hint: string }).hint, key.identity);
      const checked = await checkSubmission({ bundle, publicKey: key.publicKeyPem });
      checkLeaf(t, checked, bundle, key.publicKeyPem);
      t.same(checked.verifier, {
        kind: 'publicKey',
        pem: key.publicKeyPem,
        identity: key.identity,
      });
      t.same(checked.identities, [key.identity]);
      t.same(checked.statement, {
        predicateType: OMS_PREDICATE_TYPE,
        subjects: [{ name: 'model', digests: { sha256: 'ab'.repeat(32) } }],
      });
    });
  }
});

t.test('the signature is checked beside the event loop, on the thread pool', async (t) => {
  const key = keys['ecdsa-p256'];
  const bundle = await buildBundle(keySigner(key), omsStatement());
  let settled = false;
  const check = checkSubmission({ bundle, publicKey: key.publicKeyPem }).finally(() => {
    settled = true;
  });
  // A check made on this thread would have settled by now: only an event-loop turn brings the
  // thread pool's answer.
  for (let turn = 0; turn < 20; turn++) await Promise.resolve();
  t.notOk(settled, 'still pending once every microtask due has run');
  t.same((await check).identities, [key.identity], "then checked, under the signer's key");
});

t.test('the key identity is sha256 of the DER SPKI, whatever the PEM layout', async (t) => {
  const key = keys['ecdsa-p384'];
  const spki = Buffer.from(key.publicKeyPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  t.equal(keyIdentity(spki), `sha256:${sha256Hex(spki)}`);
  t.equal(keyIdentity(spki), key.identity);
  // CRLF line ends and blank lines around the block: same key, same identity, canonical PEM.
  const parsed = parsePublicKeyPem(`\n${key.publicKeyPem.replaceAll('\n', '\r\n')}\n`);
  t.equal(parsed.identity, key.identity);
  t.equal(parsed.pem, key.publicKeyPem);
  t.equal(parsed.type, 'ecdsa-p384');
  const body = await keyBody(omsStatement(), { key, hint: key.omsHint });
  const checked = await checkSubmission({
    ...body,
    publicKey: parsed.pem.replaceAll('\n', '\r\n'),
  });
  t.same(checked.verifier, { kind: 'publicKey', pem: key.publicKeyPem, identity: key.identity });
  checkLeaf(t, checked, body.bundle, key.publicKeyPem);
});

t.test(
  'key hints: the identity, the OMS PEM hash, or empty; anything else is refused',
  async (t) => {
    for (const hint of [p256.identity, p256.omsHint, '']) {
      t.equal(
        await outcome(await keyBody(omsStatement(), { hint })),
        'accepted',
        `hint ${hint || '""'}`,
      );
    }
    const body = await keyBody();
    delete (body.bundle.verificationMaterial.publicKey as { hint?: string }).hint;
    t.equal(await outcome(body), 'accepted', 'absent hint');
    const other = keys['ecdsa-p384'];
    for (const hint of [other.identity, other.omsHint, p256.identity.toUpperCase(), 'my-key']) {
      t.equal(
        await outcome(await keyBody(omsStatement(), { hint })),
        'hint-mismatch',
        `hint ${hint}`,
      );
    }
    const error = await errorOf(await keyBody(omsStatement(), { hint: 'my-key' }));
    t.match(error.message, /"my-key"/);
    t.equal(error.name, 'SubmissionError');
  },
);

t.test(
  'P-384 and P-521 signatures over SHA-256 (what sigstore-js verifies) are accepted too',
  async (t) => {
    for (const type of ['ecdsa-p384', 'ecdsa-p521'] as const) {
      const key = keys[type];
      const bundle = await buildBundle(keySigner(key, { digest: 'sha256' }), omsStatement());
      t.equal(await outcome({ bundle, publicKey: key.publicKeyPem }), 'accepted', type);
      const sha1 = await buildBundle(keySigner(key, { digest: 'sha1' }), omsStatement());
      t.equal(
        await outcome({ bundle: sha1, publicKey: key.publicKeyPem }),
        'bad-signature',
        `${type} sha1`,
      );
    }
    // P-256 has exactly one digest.
    const bundle = await buildBundle(keySigner(p256, { digest: 'sha384' }), omsStatement());
    t.equal(await outcome({ bundle, publicKey: p256.publicKeyPem }), 'bad-signature');
    t.equal(DEFAULT_DIGEST['ecdsa-p384'], 'sha384');
  },
);

t.test('a wrong key or a changed payload is a bad signature', async (t) => {
  const body = await keyBody(omsStatement(), { hint: '' });
  const stranger = generateKey('ecdsa-p256');
  t.equal(
    await outcome({ ...body, publicKey: stranger.publicKeyPem }),
    'bad-signature',
    'another P-256 key',
  );
  t.equal(
    await outcome({ ...body, publicKey: keys.ed25519.publicKeyPem }),
    'bad-signature',
    'Ed25519',
  );

  const changed = clone(body);
  const statement = omsStatement({
    subject: [{ name: 'model', digest: { sha256: 'ef'.repeat(32) } }],
  });
  changed.bundle.dsseEnvelope.payload = b64(JSON.stringify(statement));
  t.equal(await outcome(changed), 'bad-signature', 'changed payload');
  const retyped = clone(body);
  retyped.bundle.dsseEnvelope.payloadType = 'application/vnd.in-toto+json; charset=utf-8';
  t.equal(await outcome(retyped), 'unsupported-payload-type');
  const flipped = clone(body);
  const sig = fromB64(flipped.bundle.dsseEnvelope.signatures[0].sig);
  sig[sig.length - 1] ^= 1;
  flipped.bundle.dsseEnvelope.signatures[0].sig = b64(sig);
  t.equal(await outcome(flipped), 'bad-signature', 'one bit of the signature');
});

t.test('a predicate that fails its schema is a bad predicate naming the field', async (t) => {
  const predicate = omsStatement().predicate as { serialization: Record<string, unknown> };
  delete predicate.serialization.hash_type;
  const error = await errorOf(await keyBody(omsStatement({ predicate })));
  t.equal(error.code, 'bad-predicate');
  t.match(error.message, /^predicate\/serialization must have required property 'hash_type'/);

  const noResources = omsStatement({ predicate: { serialization: predicate.serialization } });
  t.match((await errorOf(await keyBody(noResources))).message, /'resources'/);
  const badDigest = omsStatement({
    predicate: {
      resources: [{ name: 'w', digest: 'XYZ', algorithm: 'sha256' }],
      serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false },
    },
  });
  t.match(
    (await errorOf(await keyBody(badDigest))).message,
    /^predicate\/resources\/0\/digest must match/,
  );
  const shards = omsStatement({
    predicate: {
      resources: [],
      serialization: { method: 'shards', hash_type: 'sha256', allow_symlinks: false },
    },
  });
  t.match((await errorOf(await keyBody(shards))).message, /'shard_size'/);
  const missing = omsStatement();
  delete missing.predicate;
  t.equal(await outcome(await keyBody(missing)), 'bad-predicate', 'an absent OMS predicate is {}');
  // Unknown predicate types are not schema-checked; an absent predicate means an empty one.
  const other = omsStatement({
    predicateType: 'https://example.com/other/v1',
    predicate: { x: 1 },
  });
  t.equal(await outcome(await keyBody(other)), 'accepted');
  const bare = omsStatement({ predicateType: 'https://example.com/other/v1' });
  delete bare.predicate;
  t.equal(await outcome(await keyBody(bare)), 'accepted');
});

t.test('subjects: names optional, known digests indexed, others ignored', async (t) => {
  const statement = omsStatement({
    subject: [
      { digest: { sha512: 'a'.repeat(128), gitCommit: 'abc', sha384: 'b'.repeat(96) } },
      { name: 'second', digest: { sha256: 'c'.repeat(64) } },
    ],
  });
  const checked = await checkSubmission(await keyBody(statement));
  t.same(checked.statement.subjects, [
    { digests: { sha512: 'a'.repeat(128), sha384: 'b'.repeat(96) } },
    { name: 'second', digests: { sha256: 'c'.repeat(64) } },
  ]);
  t.notOk('name' in checked.statement.subjects[0]);
  const many = Array.from({ length: 1024 }, (_, i) => ({
    digest: { sha256: sha256Hex(String(i)) },
  }));
  t.equal(
    (await checkSubmission(await keyBody(omsStatement({ subject: many })))).statement.subjects
      .length,
    1024,
  );
});

t.test('certificate bundles', async (t) => {
  t.test('a SAN that looks like a key fingerprint is refused', async (t) => {
    const chain = await makeCertificateChain({
      san: { type: 'url', value: `sha256:${'a'.repeat(64)}` },
    });
    const bundle = await buildBundle(certificateSigner(chain), omsStatement());
    await t.rejects(checkSubmission({ bundle }), {
      code: 'bad-certificate',
      message: /looks like a key fingerprint/,
    });
  });

  t.test('v0.3 with a single certificate: email SAN and Fulcio issuer', async (t) => {
    const chain = await makeCertificateChain({ issuer: 'https://accounts.example.com' });
    const bundle = await buildBundle(certificateSigner(chain), omsStatement());
    t.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    t.ok(bundle.verificationMaterial.certificate);
    const checked = await checkSubmission({ bundle });
    const leafPem = new X509Certificate(chain.certificates[0]).toString();
    checkLeaf(t, checked, bundle, leafPem);
    t.same(checked.verifier, {
      kind: 'certificate',
      pemChain: [leafPem],
      identity: { san: 'dev@example.com', issuer: 'https://accounts.example.com' },
    });
    t.same(checked.identities, ['dev@example.com']);
  });

  t.test('v0.2 with a chain leaf → intermediate → root, URI SAN, legacy issuer', async (t) => {
    const chain = await makeCertificateChain({
      intermediate: true,
      san: {
        type: 'url',
        value: 'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main',
      },
      legacyIssuer: 'https://token.actions.githubusercontent.com',
    });
    const bundle = await buildBundle(certificateSigner(chain), omsStatement(), {
      certificateChain: true,
    });
    t.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle+json;version=0.2');
    const certificates = chain.certificates.map((der) => ({ rawBytes: b64(der) }));
    bundle.verificationMaterial.x509CertificateChain = { certificates };
    const checked = await checkSubmission({ bundle });
    t.equal(checked.verifier.kind, 'certificate');
    if (checked.verifier.kind !== 'certificate') return;
    t.equal(checked.verifier.pemChain.length, 3);
    t.same(
      checked.verifier.pemChain,
      chain.certificates.map((der) => new X509Certificate(der).toString()),
    );
    t.same(checked.verifier.identity, {
      san: 'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main',
      issuer: 'https://token.actions.githubusercontent.com',
    });
    checkLeaf(t, checked, bundle, checked.verifier.pemChain[0]);

    // Each certificate must be issued by the next one.
    const swapped = clone(bundle);
    swapped.verificationMaterial.x509CertificateChain = {
      certificates: [certificates[0], certificates[2], certificates[1]],
    };
    t.equal(await outcome({ bundle: swapped }), 'bad-certificate-chain', 'out of order');
    // Names that match but a signature that does not, and the other way round.
    const direct = await makeCertificateChain();
    const stranger = await makeCertificateChain();
    const directBundle = await buildBundle(certificateSigner(direct), omsStatement(), {
      certificateChain: true,
    });
    const withRoot = (root: Uint8Array) => {
      const copy = clone(directBundle);
      copy.verificationMaterial.x509CertificateChain = {
        certificates: [direct.certificates[0], root].map((der) => ({ rawBytes: b64(der) })),
      };
      return { bundle: copy };
    };
    t.equal(await outcome(withRoot(direct.certificates[1])), 'accepted', 'leaf and its own root');
    t.equal(
      await outcome(withRoot(stranger.certificates[1])),
      'bad-certificate-chain',
      'a root of the same name, other key',
    );
    const misnamed = await makeCertificateChain({ leafIssuerName: 'CN=Someone Else' });
    const misnamedBundle = await buildBundle(certificateSigner(misnamed), omsStatement());
    misnamedBundle.verificationMaterial = {
      x509CertificateChain: {
        certificates: misnamed.certificates.map((der) => ({ rawBytes: b64(der) })),
      },
    };
    t.equal(
      await outcome({ bundle: misnamedBundle }),
      'bad-certificate-chain',
      'signed by the next certificate, but naming another issuer',
    );
    const long = clone(bundle);
    long.verificationMaterial.x509CertificateChain = {
      certificates: Array.from({ length: 11 }, () => certificates[0]),
    };
    t.equal(await outcome({ bundle: long }), 'bad-certificate-chain', 'too long');
  });

  t.test('a SAN and no issuer extension', async (t) => {
    const chain = await makeCertificateChain();
    const bundle = await buildBundle(certificateSigner(chain), omsStatement());
    const checked = await checkSubmission({ bundle });
    t.same(checked.verifier.identity, { san: 'dev@example.com' });
  });

  t.test('refusals', async (t) => {
    const chain = await makeCertificateChain();
    const bundle = await buildBundle(certificateSigner(chain), omsStatement());
    t.equal(await outcome({ bundle, publicKey: p256.publicKeyPem }), 'unexpected-public-key');
    const otherLeaf = await makeCertificateChain();
    const wrong = clone(bundle);
    wrong.verificationMaterial.certificate = { rawBytes: b64(otherLeaf.certificates[0]) };
    t.equal(await outcome({ bundle: wrong }), 'bad-signature', 'a certificate for another key');

    const noSan = await makeCertificateChain({ san: null, issuer: 'https://issuer.example' });
    const anonymous = await buildBundle(certificateSigner(noSan), omsStatement());
    t.equal(await outcome({ bundle: anonymous }), 'certificate-without-identity');

    // A SAN extension whose value is not GeneralNames: OpenSSL loads the certificate, the identity
    // reader cannot.
    const garbled = await makeCertificateChain({
      san: null,
      extensions: [{ oid: '2.5.29.17', value: Uint8Array.from([0xff, 0x01]) }],
    });
    const garbledBundle = await buildBundle(certificateSigner(garbled), omsStatement());
    t.equal(await outcome({ bundle: garbledBundle }), 'bad-certificate');

    // An RSA leaf (the OMS intermediate CA used as a leaf): the key type is refused.
    const rsa = clone(bundle);
    const rsaPem = readFileSync(path.join(RELEASES, 'keys/certificate/int-ca-cert.pem'), 'utf8');
    rsa.verificationMaterial.certificate = { rawBytes: b64(new X509Certificate(rsaPem).raw) };
    t.equal(await outcome({ bundle: rsa }), 'unsupported-key-type');
  });
});

t.test('OpenSSF Model Signing v1.0 test bundles', async (t) => {
  // The P-384 test key of the OMS releases: v1.0.1 bundles carry its PEM in publicKey.rawBytes.
  const release = readJson(path.join(RELEASES, 'v1.0.1-elliptic-key/model.sig'));
  const publicKey = fromB64(release.verificationMaterial.publicKey.rawBytes).toString('utf8');
  t.equal(sha256Hex(publicKey), 'e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e');

  const keyBundle = readJson(path.join(OMS_VECTORS, 'valid/key.bundle.json'));
  const checked = await checkSubmission({ bundle: keyBundle, publicKey });
  t.equal(checked.statement.predicateType, OMS_PREDICATE_TYPE);
  t.equal(checked.verifier.kind, 'publicKey');
  checkLeaf(t, checked, keyBundle, publicKey);
  t.same(checked.identities, [parsePublicKeyPem(publicKey).identity]);

  const sigstore = await checkSubmission({
    bundle: readJson(path.join(OMS_VECTORS, 'valid/sigstore.bundle.json')),
  });
  t.same(sigstore.verifier.identity, {
    san: 'stefanb@us.ibm.com',
    issuer: 'https://sigstore.verify.ibm.com/oauth2',
  });

  // The certificate vector's chain and signature check out, but its leaf has no SAN.
  const certificate = readJson(path.join(OMS_VECTORS, 'valid/certificate.bundle.json'));
  t.equal(await outcome({ bundle: certificate }), 'certificate-without-identity');

  // Its predicateType is unknown here (so not schema-checked); it is refused because the signature,
  // copied from key.bundle.json, does not cover its payload.
  const wrongPredicate = readJson(
    path.join(OMS_VECTORS, 'invalid-payload/wrong-predicate.bundle.json'),
  );
  t.equal(await outcome({ bundle: wrongPredicate, publicKey }), 'bad-signature');

  const missingEnvelope = readJson(path.join(OMS_VECTORS, 'invalid/missing-envelope.bundle.json'));
  t.equal(await outcome({ bundle: missingEnvelope }), 'missing-envelope');
  const missingMaterial = readJson(
    path.join(OMS_VECTORS, 'invalid/missing-verification-material.bundle.json'),
  );
  t.equal(await outcome({ bundle: missingMaterial }), 'missing-verification-material');
  t.equal(await outcome({ bundle: {} }), 'bad-bundle', 'empty.bundle.json is empty');
  // Tlog entries are not required by the log.
  const noTlog = readJson(path.join(OMS_VECTORS, 'invalid/missing-tlog-entries.bundle.json'));
  t.equal(await outcome({ bundle: noTlog }), 'accepted');
});

t.test('bundles written by model_signing releases', async (t) => {
  const publicKey = fromB64(
    readJson(path.join(RELEASES, 'v1.0.1-elliptic-key/model.sig')).verificationMaterial.publicKey
      .rawBytes,
  ).toString('utf8');
  const expected: Record<string, string> = {
    // Signed over a buggy PAE (see vectors README), which the log does not accept.
    'v0.2.0-certificate': 'bad-signature',
    'v0.3.1-certificate': 'certificate-without-identity',
    'v1.0.0-certificate': 'certificate-without-identity',
    'v1.0.1-certificate': 'certificate-without-identity',
    'v1.1.0-certificate': 'certificate-without-identity',
    'v0.3.1-elliptic-key': 'accepted',
    'v1.0.0-elliptic-key': 'accepted',
    'v1.0.1-elliptic-key': 'accepted',
    'v1.1.0-elliptic-key': 'accepted',
    'v0.3.1-sigstore': 'accepted',
    'v1.0.0-sigstore': 'accepted',
    'v1.0.1-sigstore': 'accepted',
    'v1.1.0-sigstore': 'accepted',
  };
  for (const [release, want] of Object.entries(expected)) {
    const bundle = readJson(path.join(RELEASES, release, 'model.sig'));
    const body = release.endsWith('elliptic-key') ? { bundle, publicKey } : { bundle };
    t.equal(await outcome(body), want, release);
  }
});

t.test('the predicate registry lists every schema in schemas/predicates', async (t) => {
  const index = readJson(path.join(PREDICATES_DIR, 'index.json'));
  const files = readdirSync(PREDICATES_DIR).filter(
    (f) => f.endsWith('.json') && f !== 'index.json',
  );
  t.same(Object.values(index).sort(), files.sort());
  t.same([...predicateValidators().keys()], Object.keys(index));
  t.ok(predicateValidators().has(OMS_PREDICATE_TYPE));
  const upstream = path.join(OMS, 'ossf-model-signing-spec/schemas/v1.0/predicate.schema.json');
  t.equal(
    readFileSync(path.join(PREDICATES_DIR, index[OMS_PREDICATE_TYPE]), 'utf8'),
    readFileSync(upstream, 'utf8'),
    'the OMS schema is a verbatim copy',
  );
});

t.test('malformed submissions are refused with a specific code', async (t) => {
  const good = await keyBody();
  const { bundle, publicKey } = good;
  const chain = await makeCertificateChain();
  const certBundle = await buildBundle(certificateSigner(chain), omsStatement());

  type Body = { bundle: BundleJson; publicKey?: string };
  const edit = (change: (body: Body) => void, from: Body = good): Body => {
    const body = clone(from);
    change(body);
    return body;
  };
  const envelope = (body: Body) => body.bundle.dsseEnvelope as Record<string, unknown>;
  const material = (body: Body) => body.bundle.verificationMaterial;
  const signed = (payload: Uint8Array | object) => keyBody(payload);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  const pemOf = (key: { export(options: { type: 'spki'; format: 'pem' }): string | Buffer }) =>
    String(key.export({ type: 'spki', format: 'pem' }));
  const statement = (overrides: Record<string, unknown>) => signed(omsStatement(overrides));
  const subject = (value: unknown) => statement({ subject: [value] });
  const digest = (value: Record<string, unknown>) => subject({ name: 'm', digest: value });

  const cases: [string, string, unknown | Promise<unknown>][] = [
    ['not an object', 'bad-request', 'hello'],
    ['null', 'bad-request', null],
    ['an array', 'bad-request', [good]],
    ['missing bundle', 'missing-bundle', { publicKey }],
    ['bundle not an object', 'bad-bundle', { bundle: JSON.stringify(bundle), publicKey }],
    ['bundle an array', 'bad-bundle', { bundle: [bundle], publicKey }],
    ['publicKey not a string', 'bad-request', { bundle, publicKey: { pem: publicKey } }],
    [
      'mediaType missing',
      'bad-bundle',
      edit((b) => delete (b.bundle as Partial<BundleJson>).mediaType),
    ],
    [
      'v0.1 mediaType',
      'unsupported-bundle-version',
      edit((b) => {
        b.bundle.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
      }),
    ],
    [
      'wrong mediaType',
      'unsupported-bundle-version',
      edit((b) => {
        b.bundle.mediaType = 'application/json';
      }),
    ],
    [
      'messageSignature content',
      'unsupported-bundle-content',
      edit((b) => {
        b.bundle.messageSignature = {
          messageDigest: { algorithm: 'SHA2_256', digest: b64('x'.repeat(32)) },
          signature: b64('sig'),
        };
        delete (b.bundle as Partial<BundleJson>).dsseEnvelope;
      }),
    ],
    [
      'missing dsseEnvelope',
      'missing-envelope',
      edit((b) => delete (b.bundle as Partial<BundleJson>).dsseEnvelope),
    ],
    ['dsseEnvelope a string', 'bad-envelope', edit((b) => (b.bundle.dsseEnvelope = 'x' as never))],
    ['payloadType missing', 'bad-envelope', edit((b) => delete envelope(b).payloadType)],
    ['signatures not an array', 'bad-envelope', edit((b) => (envelope(b).signatures = {}))],
    ['payload missing', 'bad-envelope', edit((b) => delete envelope(b).payload)],
    ['payload a number', 'bad-envelope', edit((b) => (envelope(b).payload = 42))],
    ['bad base64 payload', 'bad-base64', edit((b) => (envelope(b).payload = 'not base64!'))],
    [
      'url-safe base64 payload',
      'bad-base64',
      edit((b) => {
        // Standard base64 of these bytes is "++++".
        b.bundle.dsseEnvelope.payload = '----';
      }),
    ],
    [
      'unpadded base64 payload',
      'bad-base64',
      edit((b) => {
        // Standard base64 of "ab" is "YWI=".
        b.bundle.dsseEnvelope.payload = 'YWI';
      }),
    ],
    [
      'base64 with non-zero padding bits',
      'bad-base64',
      edit((b) => {
        b.bundle.dsseEnvelope.signatures[0].sig = 'YWJ=';
      }),
    ],
    [
      'bad base64 signature',
      'bad-base64',
      edit((b) => {
        b.bundle.dsseEnvelope.signatures[0].sig = '@@@@';
      }),
    ],
    [
      'empty signature',
      'bad-envelope',
      edit((b) => {
        b.bundle.dsseEnvelope.signatures[0].sig = '';
      }),
    ],
    [
      'signature missing sig',
      'bad-envelope',
      edit((b) => {
        b.bundle.dsseEnvelope.signatures = [{ keyid: 'k' } as never];
      }),
    ],
    ['signature not an object', 'bad-envelope', edit((b) => (envelope(b).signatures = ['sig']))],
    [
      'keyid a number',
      'bad-envelope',
      edit((b) => {
        (b.bundle.dsseEnvelope.signatures[0] as Record<string, unknown>).keyid = 7;
      }),
    ],
    [
      'two signatures',
      'unsupported-signature-count',
      edit((b) => {
        const [sig] = b.bundle.dsseEnvelope.signatures;
        b.bundle.dsseEnvelope.signatures = [sig, sig];
      }),
    ],
    ['zero signatures', 'unsupported-signature-count', edit((b) => (envelope(b).signatures = []))],
    [
      'wrong payloadType',
      'unsupported-payload-type',
      keyBody(omsStatement(), { payloadType: 'application/json' }),
    ],
    [
      'payload over 1 MiB',
      'payload-too-large',
      signed(new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0x20)),
    ],
    [
      'verificationMaterial missing',
      'missing-verification-material',
      edit((b) => delete (b.bundle as Partial<BundleJson>).verificationMaterial),
    ],
    [
      'verificationMaterial a string',
      'bad-bundle',
      edit((b) => (b.bundle.verificationMaterial = 'k' as never)),
    ],
    [
      'verificationMaterial without key material',
      'missing-verification-material',
      edit((b) => (b.bundle.verificationMaterial = { tlogEntries: [] })),
    ],
    [
      'publicKey and certificate both',
      'bad-bundle',
      edit((b) => {
        material(b).certificate = certBundle.verificationMaterial.certificate;
      }),
    ],
    [
      'publicKey identifier not an object',
      'bad-bundle',
      edit((b) => (material(b).publicKey = 'hint')),
    ],
    ['hint a number', 'bad-bundle', edit((b) => (material(b).publicKey = { hint: 1 }))],
    ['publicKey missing for a key bundle', 'missing-public-key', { bundle }],
    ['bad PEM', 'bad-public-key', { bundle, publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI' }],
    ['two PEM blocks', 'bad-public-key', { bundle, publicKey: publicKey + publicKey }],
    [
      'PEM with a garbage body',
      'bad-public-key',
      { bundle, publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
    ],
    [
      'private key PEM',
      'bad-public-key',
      { bundle, publicKey: String(p256.privateKey.export({ type: 'pkcs8', format: 'pem' })) },
    ],
    ['RSA key', 'unsupported-key-type', { bundle, publicKey: pemOf(rsa) }],
    [
      'secp256k1 key',
      'unsupported-key-type',
      {
        bundle,
        publicKey: pemOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey),
      },
    ],
    [
      'Ed448 key',
      'unsupported-key-type',
      { bundle, publicKey: pemOf(generateKeyPairSync('ed448').publicKey) },
    ],
    [
      'certificate garbage',
      'bad-certificate',
      edit((b) => (material(b).certificate = { rawBytes: b64('garbage, not DER') }), {
        bundle: certBundle,
      }),
    ],
    [
      'certificate rawBytes not base64',
      'bad-certificate',
      edit((b) => (material(b).certificate = { rawBytes: '%%%' }), { bundle: certBundle }),
    ],
    [
      'certificate without rawBytes',
      'bad-certificate',
      edit((b) => (material(b).certificate = {}), { bundle: certBundle }),
    ],
    [
      'certificate as base64 PEM text',
      'bad-certificate',
      edit((b) => (material(b).certificate = { rawBytes: b64(chain.leafPem) }), {
        bundle: certBundle,
      }),
    ],
    [
      'certificate DER with trailing bytes',
      'bad-certificate',
      edit(
        (b) =>
          (material(b).certificate = {
            rawBytes: b64(Buffer.concat([chain.certificates[0], Buffer.from([0])])),
          }),
        { bundle: certBundle },
      ),
    ],
    [
      'x509CertificateChain without certificates',
      'bad-certificate-chain',
      edit(
        (b) => {
          delete material(b).certificate;
          material(b).x509CertificateChain = {};
        },
        { bundle: certBundle },
      ),
    ],
    [
      'x509CertificateChain a string',
      'bad-certificate-chain',
      edit(
        (b) => {
          delete material(b).certificate;
          material(b).x509CertificateChain = 'leaf';
        },
        { bundle: certBundle },
      ),
    ],
    [
      'x509CertificateChain empty',
      'bad-certificate-chain',
      edit(
        (b) => {
          delete material(b).certificate;
          material(b).x509CertificateChain = { certificates: [] };
        },
        { bundle: certBundle },
      ),
    ],
    ['payload not JSON', 'bad-statement', signed(new TextEncoder().encode('{"_type": '))],
    ['payload not UTF-8', 'bad-statement', signed(Uint8Array.from([0x7b, 0xff, 0x7d]))],
    [
      'payload JSON but not a statement',
      'bad-statement',
      signed(new TextEncoder().encode('[1, 2]')),
    ],
    ['payload a JSON string', 'bad-statement', signed(new TextEncoder().encode('"statement"'))],
    ['_type wrong', 'bad-statement', statement({ _type: 'https://in-toto.io/Statement/v0.1' })],
    ['_type missing', 'bad-statement', statement({ _type: undefined })],
    ['subject missing', 'bad-statement', statement({ subject: undefined })],
    ['empty subject', 'bad-statement', statement({ subject: [] })],
    [
      'subject an object',
      'bad-statement',
      statement({ subject: { digest: { sha256: 'a'.repeat(64) } } }),
    ],
    ['subject item a string', 'bad-statement', subject('model')],
    [
      'subject name a number',
      'bad-statement',
      subject({ name: 1, digest: { sha256: 'a'.repeat(64) } }),
    ],
    ['subject without digest', 'bad-statement', subject({ name: 'model' })],
    ['digest an array', 'bad-statement', subject({ name: 'model', digest: ['a'.repeat(64)] })],
    ['digest value a number', 'bad-statement', digest({ sha256: 12 })],
    ['digest not hex', 'bad-statement', digest({ sha256: 'g'.repeat(64) })],
    ['digest wrong length', 'bad-statement', digest({ sha256: 'a'.repeat(63) })],
    ['sha512 digest of sha256 length', 'bad-statement', digest({ sha512: 'a'.repeat(64) })],
    ['uppercase hex', 'bad-statement', digest({ sha256: 'A'.repeat(64) })],
    ['unknown digest algorithm only', 'bad-statement', digest({ md5: 'a'.repeat(32) })],
    ['empty digest', 'bad-statement', digest({})],
    [
      'too many subjects',
      'too-many-subjects',
      statement({ subject: Array(1025).fill({ digest: { sha256: 'a'.repeat(64) } }) }),
    ],
    [
      'subject name longer than a search key',
      'bad-statement',
      subject({ name: 'n'.repeat(1025), digest: { sha256: 'a'.repeat(64) } }),
    ],
    [
      'predicateType longer than a search key',
      'bad-statement',
      statement({ predicateType: `https://example.com/${'p'.repeat(2048)}` }),
    ],
    ['predicateType not a string', 'bad-statement', statement({ predicateType: 1 })],
    ['predicateType missing', 'bad-statement', statement({ predicateType: undefined })],
    ['predicateType not a URI', 'bad-statement', statement({ predicateType: 'model signing v1' })],
    ['predicate not an object', 'bad-statement', statement({ predicate: 'none' })],
    ['predicate an array', 'bad-statement', statement({ predicate: [] })],
    ['predicate null', 'bad-statement', statement({ predicate: null })],
    [
      'OMS predicate with an extra field',
      'bad-predicate',
      statement({
        predicate: { ...(omsStatement().predicate as object), extra: true },
      }),
    ],
  ];
  t.ok(cases.length >= 25);
  t.equal(new Set(cases.map(([name]) => name)).size, cases.length, 'case names are unique');
  for (const [name, code, body] of cases) {
    t.equal(await outcome(await body), code, name);
  }
  t.equal(await outcome(good), 'accepted', 'the unbroken body is accepted');
  const trailing = edit(
    (b) => {
      material(b).certificate = {
        rawBytes: b64(Buffer.concat([chain.certificates[0], Buffer.from([0])])),
      };
    },
    { bundle: certBundle },
  );
  t.match((await errorOf(trailing)).message, /^the leaf is not a DER X\.509 certificate/);
  t.equal(
    await outcome({ bundle: certBundle }),
    'accepted',
    'the unbroken certificate body is accepted',
  );
});

t.test('the signed entry timestamp message is the JCS form of its four fields', async (t) => {
  for (const [body, integratedTime, logIndex] of [
    [new Uint8Array([0, 255, 1]), 1_700_000_000, 0],
    [new TextEncoder().encode('{"a":"\u2028 é"}'), Number.MAX_SAFE_INTEGER, 2 ** 40],
  ] as const) {
    const entry = { body, integratedTime, logId: 'ab'.repeat(32), logIndex };
    const expected = canonicalize({
      logIndex,
      logID: entry.logId,
      integratedTime,
      body: Buffer.from(body).toString('base64'),
    });
    t.equal(new TextDecoder().decode(entryTimestampMessage(entry)), expected);
  }
});

t.test('SubmissionError carries its code and is a LogError', async (t) => {
  const error = new SubmissionError('bad-bundle', 'x');
  t.equal(error.code, 'bad-bundle');
  t.equal(error.name, 'SubmissionError');
  t.ok(error instanceof LogError);
});
