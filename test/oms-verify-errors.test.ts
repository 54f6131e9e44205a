// How verification fails, code by code: unreadable bundles and statements, keys and certificates
// that do not fit, paths that do not reach a trusted CA, certificates out of their validity.
// Bundles are built with @sigstore/sign over statements of real hashed models.
import { createHash, generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { hashModel, omsStatement } from '../client-sdk/hash/index.ts';
import { modelSigning02Pae, pythonBytesRepr } from '../client-sdk/verify/dsse-signature.ts';
import { VerifyError, type VerifyOptions, verifyModel } from '../client-sdk/verify/index.ts';
import { readBundle } from '../client-sdk/verify/read-bundle.ts';
import { readSignedManifest } from '../client-sdk/verify/signed-manifest.ts';
import { verifyFailure } from './support/oms-vectors.ts';
import {
  type BundleJson,
  buildBundle,
  type ChainOptions,
  certificateSigner,
  generateKey,
  IN_TOTO,
  keySigner,
  makeCertificateChain,
  type TestChain,
  type TestKey,
} from './support/signing.ts';
import { tempDir } from './support/temp-log.ts';

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');
const utf8 = (text: string) => new TextEncoder().encode(text);
const clone = <T>(value: T): T => structuredClone(value);
const p384 = generateKey('ecdsa-p384');
const otherKey = generateKey('ecdsa-p384');

/** A small model: two files in a directory. */
function makeModel(t: Test, files: Record<string, string> = { 'weights.bin': 'w', 'a.json': 'a' }) {
  const dir = tempDir(t, 'oms-model-');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const statementOf = async (dir: string) => omsStatement(await hashModel(dir));

const keyBundle = (key: TestKey, statement: object | Uint8Array, hint = key.omsHint) =>
  buildBundle(keySigner(key, { hint }), statement);

async function certificateBundle(
  chain: TestChain,
  statement: object,
  digest: string | null = 'sha256',
): Promise<BundleJson> {
  const bundle = await buildBundle(certificateSigner(chain, digest), statement);
  bundle.verificationMaterial = {
    x509CertificateChain: {
      certificates: chain.certificates.map((der) => ({ rawBytes: b64(der) })),
    },
  };
  return bundle;
}

const pemOf = (der: Uint8Array) => new X509Certificate(der).toString();
const rootPem = (chain: TestChain) => pemOf(chain.certificates[chain.certificates.length - 1]);

t.test('unreadable bundles are bad-bundle, and say what is wrong', async (t) => {
  const dir = tempDir(t);
  const valid = await keyBundle(p384, { any: 'statement' });
  const emptyFile = path.join(dir, 'empty.sig');
  writeFileSync(emptyFile, '');
  const cases: [string | object, RegExp][] = [
    [path.join(dir, 'nowhere.sig'), /cannot read the bundle/],
    [emptyFile, /is not JSON/],
    [[], /not a JSON object/],
    [{ ...valid, dsseEnvelope: undefined }, /no dsseEnvelope/],
    [{ ...valid, messageSignature: { signature: 'AA==' } }, /carries a messageSignature/],
    [{ ...valid, dsseEnvelope: { ...valid.dsseEnvelope, signatures: [] } }, /exactly one/],
    [{ ...valid, dsseEnvelope: { ...valid.dsseEnvelope, signatures: {} } }, /exactly one/],
    [
      {
        ...valid,
        dsseEnvelope: {
          ...valid.dsseEnvelope,
          signatures: [valid.dsseEnvelope.signatures[0], valid.dsseEnvelope.signatures[0]],
        },
      },
      /exactly one/,
    ],
    [{ ...valid, dsseEnvelope: { ...valid.dsseEnvelope, payload: 'a b' } }, /^dsseEnvelope: /],
    [{ ...valid, verificationMaterial: undefined }, /no verificationMaterial/],
    [
      {
        ...valid,
        verificationMaterial: { publicKey: { hint: 'a' }, certificate: { rawBytes: 'AA==' } },
      },
      /exactly one of publicKey/,
    ],
    [{ ...valid, verificationMaterial: {} }, /exactly one of publicKey/],
    [{ ...valid, verificationMaterial: { publicKey: 'k' } }, /publicKey must be an object/],
    [{ ...valid, verificationMaterial: { publicKey: { hint: 5 } } }, /hint must be a string/],
    [
      { ...valid, verificationMaterial: { publicKey: { rawBytes: '!' } } },
      /rawBytes must be base64/,
    ],
    [{ ...valid, verificationMaterial: { x509CertificateChain: 'c' } }, /non-empty array/],
    [
      { ...valid, verificationMaterial: { x509CertificateChain: { certificates: [] } } },
      /non-empty array/,
    ],
    [
      { ...valid, verificationMaterial: { x509CertificateChain: { certificates: ['c'] } } },
      /certificates\[0\]\.rawBytes must be base64/,
    ],
    [
      { ...valid, verificationMaterial: { certificate: 'c' } },
      /certificate\.rawBytes must be base64/,
    ],
    [
      { ...valid, verificationMaterial: { certificate: { rawBytes: 5 } } },
      /certificate\.rawBytes must be base64/,
    ],
  ];
  for (const [bundle, message] of cases) {
    const error = await verifyFailure(readBundle(bundle));
    t.equal(error.code, 'bad-bundle', String(message));
    t.match(error.message, message);
  }
  const noMediaType = await verifyFailure(readBundle({ ...valid, mediaType: undefined }));
  t.equal(noMediaType.code, 'unsupported-bundle');
  t.match(noMediaType.message, /expected application\/vnd\.dev\.sigstore\.bundle\.v0\.3\+json/);
});

t.test('proto3 nulls and absent fields of older bundles are read as unset', async (t) => {
  const valid = await keyBundle(p384, { any: 'statement' });
  const bundle = clone(valid);
  bundle.verificationMaterial = { publicKey: { hint: null } };
  (bundle.dsseEnvelope.signatures[0] as { keyid: unknown }).keyid = null;
  const read = await readBundle(bundle);
  t.same(read.material, { kind: 'publicKey', hint: undefined, rawBytes: undefined });
  t.equal(read.envelope.payloadType, IN_TOTO);
});

const DIGEST_A = 'a'.repeat(64);
const DIGEST_B = 'b'.repeat(64);
const rootOf = (...digests: string[]) =>
  createHash('sha256')
    .update(Buffer.concat(digests.map((digest) => Buffer.from(digest, 'hex'))))
    .digest('hex');

/** An OMS v1.0 statement over resources a and b, with parts replaced. */
function v1Statement(
  overrides: {
    serialization?: unknown;
    resources?: unknown;
    subject?: unknown;
    predicate?: unknown;
  } = {},
): Record<string, unknown> {
  const resources = overrides.resources ?? [
    { name: 'a', algorithm: 'sha256', digest: DIGEST_A },
    { name: 'b', algorithm: 'sha256', digest: DIGEST_B },
  ];
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: overrides.subject ?? [
      { name: 'model', digest: { sha256: rootOf(DIGEST_A, DIGEST_B) } },
    ],
    predicateType: 'https://model_signing/signature/v1.0',
    predicate: overrides.predicate ?? {
      serialization: overrides.serialization ?? {
        method: 'files',
        hash_type: 'sha256',
        allow_symlinks: false,
      },
      resources,
    },
  };
}

const manifestOf = (statement: unknown, payloadType = IN_TOTO) =>
  readSignedManifest(
    payloadType,
    statement instanceof Uint8Array ? statement : utf8(JSON.stringify(statement)),
  );

function manifestError(statement: unknown, payloadType = IN_TOTO): VerifyError {
  try {
    manifestOf(statement, payloadType);
  } catch (error) {
    if (error instanceof VerifyError) return error;
    throw error;
  }
  throw new Error('read');
}

t.test('statements that are not OMS manifests are refused', async (t) => {
  const shards = { method: 'shards', hash_type: 'sha256', allow_symlinks: false, shard_size: 8 };
  const cases: [unknown, string, RegExp, string?][] = [
    [v1Statement(), 'bad-payload', /payloadType must be/, 'text/plain'],
    [Uint8Array.of(0xff, 0xfe), 'bad-payload', /not UTF-8 JSON/],
    [utf8('{"_type":'), 'bad-payload', /not UTF-8 JSON/],
    [[], 'bad-payload', /not an in-toto statement/],
    [{ ...v1Statement(), _type: 'https://in-toto.io/Statement/v0.1' }, 'bad-payload', /in-toto/],
    [
      { ...v1Statement(), predicateType: 'https://slsa.dev/provenance/v1' },
      'wrong-predicate-type',
      /slsa/,
    ],
    [v1Statement({ subject: [] }), 'bad-payload', /exactly one subject/],
    [v1Statement({ subject: ['model'] }), 'bad-payload', /exactly one subject/],
    [v1Statement({ subject: [{ name: '', digest: {} }] }), 'bad-payload', /subject\[0\]\.name/],
    [v1Statement({ subject: [{ name: 'm' }] }), 'bad-payload', /subject\[0\]\.digest\.sha256/],
    [
      v1Statement({ subject: [{ name: 'm', digest: { sha256: 'abc' } }] }),
      'bad-payload',
      /hex SHA-256/,
    ],
    [v1Statement({ predicate: 'p' }), 'bad-payload', /no predicate/],
    [v1Statement({ serialization: 'files' }), 'bad-payload', /serialization must be an object/],
    [
      v1Statement({
        serialization: { method: 'tree', hash_type: 'sha256', allow_symlinks: false },
      }),
      'unsupported-serialization',
      /neither files nor shards/,
    ],
    [
      v1Statement({
        serialization: { method: 'files', hash_type: 'blake2b', allow_symlinks: false },
      }),
      'unsupported-serialization',
      /blake2b/,
    ],
    [
      v1Statement({ serialization: { method: 'files', hash_type: 'sha256' } }),
      'bad-payload',
      /allow_symlinks/,
    ],
    [
      v1Statement({
        serialization: {
          method: 'files',
          hash_type: 'sha256',
          allow_symlinks: false,
          ignore_paths: 'x',
        },
      }),
      'bad-payload',
      /ignore_paths/,
    ],
    [
      v1Statement({
        serialization: {
          method: 'files',
          hash_type: 'sha256',
          allow_symlinks: false,
          ignore_paths: [1],
        },
      }),
      'bad-payload',
      /ignore_paths/,
    ],
    [v1Statement({ serialization: { ...shards, shard_size: 0 } }), 'bad-payload', /shard_size/],
    [v1Statement({ serialization: { ...shards, shard_size: 1.5 } }), 'bad-payload', /shard_size/],
    [
      v1Statement({ serialization: { ...shards, shard_size: undefined } }),
      'bad-payload',
      /shard_size/,
    ],
    [v1Statement({ resources: 'r' }), 'bad-payload', /resources must be an array/],
    [v1Statement({ resources: ['a'] }), 'bad-payload', /resources\[0\]\.name/],
    [
      v1Statement({ resources: [{ name: 'a', algorithm: 'sha512', digest: DIGEST_A }] }),
      'bad-payload',
      /algorithm "sha512"/,
    ],
    [
      v1Statement({ resources: [{ name: 'a', algorithm: 'sha256-sharded-8', digest: DIGEST_A }] }),
      'bad-payload',
      /algorithm "sha256-sharded-8"/,
    ],
    [
      v1Statement({
        serialization: shards,
        resources: [{ name: 'a:0:1', algorithm: 'sha256-sharded-4', digest: DIGEST_A }],
      }),
      'bad-payload',
      /algorithm "sha256-sharded-4"/,
    ],
    [
      v1Statement({ resources: [{ name: 'a', algorithm: 'sha256', digest: 'zz' }] }),
      'bad-payload',
      /resources\[0\]\.digest/,
    ],
    [
      v1Statement({ resources: [{ name: 'a', algorithm: 'sha256', digest: DIGEST_A }] }),
      'manifest-inconsistent',
      /is not the digest of its resources/,
    ],
    [
      v1Statement({
        subject: [{ name: 'm', digest: { sha256: rootOf(DIGEST_A, DIGEST_A) } }],
        resources: [
          { name: 'a', algorithm: 'sha256', digest: DIGEST_A },
          { name: 'a', algorithm: 'sha256', digest: DIGEST_A },
        ],
      }),
      'bad-payload',
      /names a resource twice/,
    ],
    [
      v1Statement({ subject: [{ name: 'm', digest: { sha256: rootOf() } }], resources: [] }),
      'bad-payload',
      /signs no file/,
    ],
  ];
  for (const [statement, code, message, payloadType] of cases) {
    const error = manifestError(statement, payloadType);
    t.equal(error.code, code, String(message));
    t.match(error.message, message);
  }
});

t.test('the forms model_signing wrote are read', async (t) => {
  t.same(manifestOf(v1Statement()), {
    predicateType: 'https://model_signing/signature/v1.0',
    modelName: 'model',
    rootDigest: rootOf(DIGEST_A, DIGEST_B),
    method: 'files',
    shardSize: undefined,
    allowSymlinks: false,
    ignorePaths: [],
    resources: [
      { name: 'a', algorithm: 'sha256', digest: DIGEST_A },
      { name: 'b', algorithm: 'sha256', digest: DIGEST_B },
    ],
  });
  // Python writes protobuf Struct numbers as doubles and its shards as sha256-sharded-<size>;
  // hex digests may come in upper case.
  const python = JSON.stringify(
    v1Statement({
      serialization: { method: 'shards', hash_type: 'sha256', allow_symlinks: true, shard_size: 8 },
      resources: [
        { name: 'a:0:8', algorithm: 'sha256-sharded-8', digest: DIGEST_A.toUpperCase() },
        { name: 'a:8:9', algorithm: 'sha256', digest: DIGEST_B },
      ],
    }),
  ).replace('"shard_size":8', '"shard_size":8.0');
  t.match(manifestOf(utf8(python)), {
    method: 'shards',
    shardSize: 8,
    allowSymlinks: true,
    resources: [{ name: 'a:0:8', digest: DIGEST_A }, { name: 'a:8:9' }],
  });
  const v01 = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [
      {
        name: 'f',
        digest: { sha256: DIGEST_A },
        annotations: { actual_hash_algorithm: 'file-sha256' },
      },
    ],
    predicateType: 'https://model_signing/Digests/v0.1',
    predicate: { unused: 'Unused, just passed due to API requirements' },
  };
  t.match(manifestOf(v01), {
    predicateType: 'https://model_signing/Digests/v0.1',
    modelName: undefined,
    rootDigest: undefined,
    method: 'files',
    resources: [{ name: 'f', algorithm: 'sha256', digest: DIGEST_A }],
  });
  for (const [subject, message] of [
    ['f', /subject must be an array/],
    [[{ digest: { sha256: DIGEST_A } }], /subject\[0\]\.name/],
    [[{ name: 'f' }], /subject\[0\]\.digest\.sha256/],
    [[], /signs no file/],
  ] as [unknown, RegExp][]) {
    t.match(manifestError({ ...v01, subject }).message, message);
  }
});

t.test("Python's repr of bytes, which model_signing 0.2 signed over", async (t) => {
  t.equal(pythonBytesRepr(utf8('abc')), "b'abc'");
  t.equal(pythonBytesRepr(utf8("it's")), `b"it's"`);
  t.equal(pythonBytesRepr(utf8(`it's "q"`)), String.raw`b'it\'s "q"'`);
  t.equal(
    pythonBytesRepr(Uint8Array.of(9, 10, 13, 0x5c, 0, 0x7f, 0xff, 0x20, 0x7e)),
    String.raw`b'\t\n\r\\\x00\x7f\xff ~'`,
  );
  t.equal(modelSigning02Pae(IN_TOTO, utf8('{}')).toString(), `DSSEV1 28 ${IN_TOTO} 2 b'{}'`);
});

t.test('verification options name exactly one method', async (t) => {
  const dir = makeModel(t);
  const bundle = await keyBundle(p384, await statementOf(dir));
  const cases: [Partial<VerifyOptions>, RegExp][] = [
    [{}, /^no verification method/],
    [{ key: p384.publicKeyPem, certificateChain: 'x' }, /^more than one verification method/],
    [{ identity: 'dev@example.com', issuer: 'https://issuer.example' }, /needs all of/],
  ];
  for (const [options, message] of cases) {
    const error = await verifyFailure(verifyModel(dir, { bundle, ...options }));
    t.equal(error.code, 'bad-options');
    t.match(error.message, message);
  }
  const missing = await verifyFailure(
    verifyModel(path.join(dir, 'gone'), { bundle, key: p384.publicKeyPem }),
  );
  t.equal(missing.code, 'model-unreadable');
  t.match(missing.message, /cannot hash the model: .*does not exist/);
});

t.test('the key method: the key given must be the one that signed', async (t) => {
  const dir = makeModel(t);
  const statement = await statementOf(dir);
  const bundle = await keyBundle(p384, statement);
  const verify = (options: Partial<VerifyOptions>) => verifyModel(dir, { bundle, ...options });

  const ed25519 = generateKey('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;
  const keyCases: [string, string, RegExp][] = [
    ['no key here', 'bad-options', /no PEM public key/],
    ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'bad-options', /not usable/],
    [rsa, 'unsupported-key-type', /ECDSA P-256, P-384 or P-521/],
    [ed25519.publicKeyPem, 'unsupported-key-type', /not ed25519/],
    [otherKey.publicKeyPem, 'wrong-key', /another key/],
  ];
  for (const [key, code, message] of keyCases) {
    const error = await verifyFailure(verify({ key }));
    t.equal(error.code, code, String(message));
    t.match(error.message, message);
  }

  // certtool writes a description before the PEM block.
  const described = `Public Key Info:\n\tPublic Key Algorithm: EC/ECDSA\n${p384.publicKeyPem}`;
  t.equal((await verify({ key: described })).files, 2);
  // The log's spelling of the hint names the key too.
  t.equal(
    (
      await verifyModel(dir, {
        bundle: await keyBundle(p384, statement, p384.identity),
        key: p384.publicKeyPem,
      })
    ).files,
    2,
  );

  // An empty hint names no key: a signature by another key is then just invalid.
  const unnamed = await keyBundle(otherKey, statement, '');
  const anonymous = await verifyFailure(
    verifyModel(dir, { bundle: unnamed, key: p384.publicKeyPem }),
  );
  t.equal(anonymous.code, 'signature-invalid');

  const tampered = clone(bundle);
  tampered.dsseEnvelope.payload = b64(JSON.stringify({ ...statement, extra: true }));
  t.equal(
    (await verifyFailure(verifyModel(dir, { bundle: tampered, key: p384.publicKeyPem }))).code,
    'signature-invalid',
  );
});

t.test('the key method reads the key pre-1.1.0 bundles carry in rawBytes', async (t) => {
  const dir = makeModel(t);
  const bundle = await keyBundle(p384, await statementOf(dir));
  const withRawBytes = (rawBytes: string) => {
    const copy = clone(bundle);
    copy.verificationMaterial = { publicKey: { rawBytes, keyDetails: 'PKIX_ECDSA_P384_SHA_384' } };
    return copy;
  };
  // model_signing wrote the PEM text; Sigstore's PublicKey.rawBytes is the DER.
  const der = p384.publicKeyPem.replace(/-----[A-Z ]+-----|\s/g, '');
  for (const rawBytes of [b64(p384.publicKeyPem), der]) {
    const result = await verifyModel(dir, {
      bundle: withRawBytes(rawBytes),
      key: p384.publicKeyPem,
    });
    t.same(result.legacy, ['publicKey.rawBytes instead of a key hint']);
  }
  const other = await verifyFailure(
    verifyModel(dir, { bundle: withRawBytes(b64(otherKey.publicKeyPem)), key: p384.publicKeyPem }),
  );
  t.equal(other.code, 'wrong-key');
  const garbage = await verifyFailure(
    verifyModel(dir, { bundle: withRawBytes(b64('not a key')), key: p384.publicKeyPem }),
  );
  t.equal(garbage.code, 'bad-bundle');
  t.match(garbage.message, /rawBytes is not a key/);
});

t.test('model_signing 0.2 encoding is accepted for its own predicate only', async (t) => {
  const dir = makeModel(t);
  const payload = utf8(JSON.stringify(await statementOf(dir)));
  const bundle = await keyBundle(p384, payload);
  // model_signing 0.2's key signer: its broken PAE, the curve's digest. It only ever signed the
  // Digests/v0.1 predicate; over a v1.0 statement the same bytes are a plain signature over
  // chosen bytes, not a DSSE signature (the v0.2.0 release bundle in oms-verify still verifies).
  bundle.dsseEnvelope.signatures[0].sig = b64(
    sign('sha384', modelSigning02Pae(IN_TOTO, payload), p384.privateKey),
  );
  const refused = await verifyFailure(verifyModel(dir, { bundle, key: p384.publicKeyPem }));
  t.equal(refused.code, 'signature-invalid');
});

t.test('a validly signed statement must still be an OMS manifest of this model', async (t) => {
  const dir = makeModel(t);
  const statement = await statementOf(dir);
  const other = await keyBundle(p384, { ...statement, predicateType: 'https://example.com/v1' });
  t.equal(
    (await verifyFailure(verifyModel(dir, { bundle: other, key: p384.publicKeyPem }))).code,
    'wrong-predicate-type',
  );
  const inconsistent = clone(statement) as unknown as { subject: { digest: { sha256: string } }[] };
  inconsistent.subject[0].digest.sha256 = DIGEST_A;
  const bundle = await keyBundle(p384, inconsistent);
  t.equal(
    (await verifyFailure(verifyModel(dir, { bundle, key: p384.publicKeyPem }))).code,
    'manifest-inconsistent',
  );
});

const HOUR = 3_600_000;
const since = (ms: number) => new Date(Date.now() + ms);

t.test('the certificate method: a path from the leaf to a trusted CA, valid now', async (t) => {
  const dir = makeModel(t);
  const statement = await statementOf(dir);
  const verifyChain = async (chain: TestChain, anchors: string, options: ChainBundleOptions = {}) =>
    verifyModel(dir, {
      bundle: await certificateBundle(chain, statement, options.digest),
      certificateChain: anchors,
    });
  const failureOf = async (chain: TestChain, anchors: string, options: ChainBundleOptions = {}) =>
    verifyFailure(verifyChain(chain, anchors, options));

  const chain = await makeCertificateChain({ intermediate: true });
  const intermediatePem = pemOf(chain.certificates[1]);
  const ok = await verifyChain(chain, rootPem(chain));
  t.match(ok.signer, {
    method: 'certificate',
    subjectAlternativeName: 'email:dev@example.com',
    trustAnchor: 'CN=Test Root CA',
  });
  // Trusting the intermediate, or the leaf itself, is enough.
  t.match((await verifyChain(chain, intermediatePem)).signer, {
    trustAnchor: 'CN=Test Intermediate CA',
  });
  t.equal((await verifyChain(chain, chain.leafPem)).files, 2);

  const other = await makeCertificateChain();
  const wrongCa = await failureOf(chain, rootPem(other));
  t.equal(wrongCa.code, 'untrusted-ca');
  t.match(wrongCa.message, /pass the root CA certificate that issued it/);

  // A bundle that brings its own root proves nothing: the root must be one the verifier trusts.
  const selfRooted = await makeCertificateChain();
  t.equal((await failureOf(selfRooted, rootPem(other))).code, 'untrusted-ca');

  // Only CA certificates issue.
  const notCa = await makeCertificateChain({ caBasicConstraints: false });
  t.equal((await failureOf(notCa, rootPem(notCa))).code, 'untrusted-ca');

  // A trusted certificate whose key OpenSSL cannot load issues nothing, and fails nothing (its
  // SPKI algorithm 1.2.840.10045.2.1, id-ecPublicKey, is changed to an unknown one).
  const root = Buffer.from(chain.certificates[2]);
  const ecPublicKey = Buffer.from('06072a8648ce3d0201', 'hex');
  const at = root.indexOf(ecPublicKey);
  root[at + ecPublicKey.length - 1] = 0x09;
  t.equal((await failureOf(chain, pemOf(root))).code, 'untrusted-ca');

  for (const anchors of [
    'none',
    '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  ]) {
    const error = await verifyFailure(
      verifyModel(dir, {
        bundle: await certificateBundle(chain, statement),
        certificateChain: anchors,
      }),
    );
    t.equal(error.code, 'bad-options');
    t.match(error.message, /no readable PEM certificate/);
  }
});

interface ChainBundleOptions {
  digest?: string | null;
}

t.test('every certificate on the path must be valid now, the leaf fit for signing', async (t) => {
  const dir = makeModel(t);
  const statement = await statementOf(dir);
  const check = async (options: ChainOptions, digest: string | null = 'sha256') => {
    const chain = await makeCertificateChain(options);
    return verifyModel(dir, {
      bundle: await certificateBundle(chain, statement, digest),
      certificateChain: rootPem(chain),
    });
  };
  const expired = await verifyFailure(
    check({ leafValidity: { notBefore: since(-2 * HOUR), notAfter: since(-HOUR) } }),
  );
  t.equal(expired.code, 'certificate-expired');
  t.match(expired.message, /the signing certificate .* expired on/);
  const early = await verifyFailure(
    check({ leafValidity: { notBefore: since(HOUR), notAfter: since(2 * HOUR) } }),
  );
  t.equal(early.code, 'certificate-not-yet-valid');
  const expiredRoot = await verifyFailure(
    check({ rootValidity: { notBefore: since(-2 * HOUR), notAfter: since(-HOUR) } }),
  );
  t.equal(expiredRoot.code, 'certificate-expired');
  t.match(expiredRoot.message, /the CA certificate CN=Test Root CA expired/);

  t.equal((await check({ leafUsage: 'codeSigning' })).files, 2, 'code signing is enough');
  const unfit = await verifyFailure(check({ leafUsage: 'none' }));
  t.equal(unfit.code, 'certificate-not-for-signing');

  t.equal((await check({ leafKey: 'P-384' }, 'sha384')).files, 2);
  const ed25519 = await verifyFailure(check({ leafKey: 'Ed25519' }, null));
  t.equal(ed25519.code, 'unsupported-key-type');
  t.match(ed25519.message, /Ed25519/);
  const rsa = await verifyFailure(check({ leafKey: 'RSA' }));
  t.equal(rsa.code, 'unsupported-key-type');
});

t.test('the certificate chain in the bundle must be readable and in order', async (t) => {
  const dir = makeModel(t);
  const statement = await statementOf(dir);
  const chain = await makeCertificateChain({ intermediate: true });
  const bundle = await certificateBundle(chain, statement);
  const withCertificates = (ders: Uint8Array[]) => {
    const copy = clone(bundle);
    copy.verificationMaterial = {
      x509CertificateChain: { certificates: ders.map((der) => ({ rawBytes: b64(der) })) },
    };
    return copy;
  };
  const garbled = await verifyFailure(
    verifyModel(dir, {
      bundle: withCertificates([utf8('not DER')]),
      certificateChain: rootPem(chain),
    }),
  );
  t.equal(garbled.code, 'bad-bundle');
  const reversed = await verifyFailure(
    verifyModel(dir, {
      bundle: withCertificates([...chain.certificates].reverse()),
      certificateChain: rootPem(chain),
    }),
  );
  t.equal(reversed.code, 'bad-bundle');
  t.match(reversed.message, /certificate chain/);

  const tampered = clone(bundle);
  tampered.dsseEnvelope.payload = b64(JSON.stringify({ ...statement, extra: 1 }));
  const invalid = await verifyFailure(
    verifyModel(dir, { bundle: tampered, certificateChain: rootPem(chain) }),
  );
  t.equal(invalid.code, 'signature-invalid');
});

t.test('the model is hashed as the statement says, and compared file by file', async (t) => {
  const files = Object.fromEntries(
    Array.from({ length: 7 }, (_, i) => [`layer-${i}.bin`, `weights ${i} `.repeat(3)]),
  );
  const dir = makeModel(t, files);
  const manifest = await hashModel(dir, { method: 'shards', shardSize: 8 });
  const bundle = await keyBundle(p384, omsStatement(manifest));
  const verified = await verifyModel(dir, { bundle, key: p384.publicKeyPem });
  t.equal(verified.files, 7, 'files, not shards, are counted');

  writeFileSync(path.join(dir, 'layer-0.bin'), 'weights 0 weights 0 weights 1 ');
  for (let i = 0; i < 7; i++) writeFileSync(path.join(dir, `extra-${i}`), 'x');
  const error = await verifyFailure(verifyModel(dir, { bundle, key: p384.publicKeyPem }));
  t.same(error.differences?.changed, ['layer-0.bin']);
  t.equal(error.differences?.extra.length, 7);
  t.match(error.message, /extra: extra-\d, .* and 2 more; changed: layer-0\.bin/);
});

t.test('a single-file model may be named "." or by its base name', async (t) => {
  const dir = makeModel(t, { 'model.gguf': 'gguf weights' });
  const file = path.join(dir, 'model.gguf');
  const statement = omsStatement(await hashModel(file));
  t.equal(statement.predicate.resources[0].name, '.');
  t.equal(
    (await verifyModel(file, { bundle: await keyBundle(p384, statement), key: p384.publicKeyPem }))
      .files,
    1,
  );
  // The spec (and the Go signer) name it by its base name.
  statement.predicate.resources[0].name = 'model.gguf';
  const named = await verifyModel(file, {
    bundle: await keyBundle(p384, statement),
    key: p384.publicKeyPem,
  });
  t.equal(named.files, 1);
  writeFileSync(file, 'other weights');
  const error = await verifyFailure(
    verifyModel(file, { bundle: await keyBundle(p384, statement), key: p384.publicKeyPem }),
  );
  t.same(error.differences, { missing: [], extra: [], changed: ['model.gguf'] });
});

t.test('symbolic links are followed as the signer did, unless the verifier refuses', async (t) => {
  const dir = makeModel(t, { 'weights.bin': 'w', 'shared/config.json': '{}' });
  symlinkSync('shared/config.json', path.join(dir, 'config.json'));
  const manifest = await hashModel(dir, { allowSymlinks: true });
  const bundle = await keyBundle(p384, omsStatement(manifest));
  t.equal((await verifyModel(dir, { bundle, key: p384.publicKeyPem })).files, 3);
  const refused = await verifyFailure(
    verifyModel(dir, { bundle, key: p384.publicKeyPem, allowSymlinks: false }),
  );
  t.equal(refused.code, 'model-unreadable');
  t.match(refused.message, /symbolic link/);
});

t.test('a bundle file inside the model is not hashed', async (t) => {
  const dir = makeModel(t);
  const bundle = await keyBundle(p384, await statementOf(dir));
  const file = path.join(dir, 'model.sig');
  writeFileSync(file, JSON.stringify(bundle));
  t.equal((await verifyModel(dir, { bundle: file, key: p384.publicKeyPem })).files, 2);
  t.same(JSON.parse(readFileSync(file, 'utf8')), bundle);
});

t.test(
  "every statement model_signing's own tests expect is read, its root digest checked",
  async (t) => {
    const goldens = path.resolve(
      import.meta.dirname,
      '../../shared/vectors/oms/tests/_signing/testdata/signing/TestPayload',
    );
    for (const name of readdirSync(goldens)) {
      const payload = readFileSync(path.join(goldens, name));
      if (JSON.parse(payload.toString()).predicate.resources.length === 0) {
        // Python signs a model with no content (shards of empty files, empty folders); OMS 5.2.1
        // requires a resource.
        t.match(manifestError(payload).message, /signs no file/, name);
        continue;
      }
      const manifest = manifestOf(payload);
      t.equal(manifest.method, name.includes('shard') ? 'shards' : 'files', name);
      t.ok(manifest.resources.length > 0);
    }
  },
);

t.test('manifests are compared file by file, with no name that stands for two', async (t) => {
  // A signature of a single file `m` does not verify a folder `m` holding a file `m`.
  const outer = tempDir(t, 'oms-single-');
  writeFileSync(path.join(outer, 'm'), 'same bytes');
  const single = await keyBundle(p384, await statementOf(path.join(outer, 'm')));
  const folder = path.join(outer, 'folder', 'm');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'm'), 'same bytes');
  const refused = await verifyFailure(
    verifyModel(folder, { bundle: single, key: p384.publicKeyPem }),
  );
  t.equal(refused.code, 'manifest-mismatch');
  t.match(refused.differences, { missing: ['.'], extra: ['m'] });
  t.ok(await verifyModel(path.join(outer, 'm'), { bundle: single, key: p384.publicKeyPem }));

  // `.` and the file's base name are one file for a single-file model: listing both is refused.
  const statement = (await statementOf(path.join(outer, 'm'))) as unknown as {
    predicate: { resources: { name: string }[] };
  };
  statement.predicate.resources.push({ ...statement.predicate.resources[0], name: 'm' });
  const twice = await keyBundle(p384, statement);
  t.equal(
    (
      await verifyFailure(
        verifyModel(path.join(outer, 'm'), { bundle: twice, key: p384.publicKeyPem }),
      )
    ).code,
    'manifest-inconsistent',
  );
});

t.test('a sharded file that gained a whole shard is changed', async (t) => {
  const dir = makeModel(t, { 'weights.bin': 'abcdefgh' });
  const statement = omsStatement(await hashModel(dir, { method: 'shards', shardSize: 4 }));
  const bundle = await keyBundle(p384, statement);
  t.ok(await verifyModel(dir, { bundle, key: p384.publicKeyPem }));
  writeFileSync(path.join(dir, 'weights.bin'), 'abcdefghijkl');
  const refused = await verifyFailure(verifyModel(dir, { bundle, key: p384.publicKeyPem }));
  t.match(refused.differences, { changed: ['weights.bin'], missing: [], extra: [] });
});
