// signModel with a key and with a certificate: the bundle model_signing writes, over the payload
// client-sdk/hash builds, that verifyModel (and model_signing) verify; and every way the options
// or inputs can be wrong.
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  verify,
  X509Certificate,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dsse } from '@sigstore/core';
import t, { type Test } from 'tap';
import { hashModel, omsPayloadBytes } from '../client-sdk/hash/index.ts';
import { SignError, type SignOptions, signModel } from '../client-sdk/sign/index.ts';
import { type VerifyError, verifyModel } from '../client-sdk/verify/index.ts';
import { rejectionOf } from './support/oms-vectors.ts';
import { makeCertificateChain, type TestChain } from './support/signing.ts';
import { tempDir } from './support/temp-log.ts';

const KEYS = path.resolve(
  import.meta.dirname,
  '../../shared/vectors/oms/scripts/tests/keys/certificate',
);
const read = (file: string) => readFileSync(file, 'utf8');
const fromB64 = (text: string) => Buffer.from(text, 'base64');
const IN_TOTO = 'application/vnd.in-toto+json';

const pemOf = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;
const publicPemOf = (key: KeyObject) =>
  createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string;
const ecKey = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve }).privateKey;

function makeModel(t: Test): string {
  const dir = tempDir(t, 'oms-model-');
  writeFileSync(path.join(dir, 'weights.bin'), 'weights');
  writeFileSync(path.join(dir, 'config.json'), '{"layers": 2}');
  return dir;
}

const signFailure = (promise: Promise<unknown>) => rejectionOf(promise, SignError);

interface Envelope {
  payload: string;
  payloadType: string;
  signatures: { sig: string; keyid?: string }[];
}

t.test(
  'the key method signs with the digest of its curve and names the key by its hint',
  async (t) => {
    for (const [curve, digest] of [
      ['P-256', 'sha256'],
      ['P-384', 'sha384'],
      ['P-521', 'sha512'],
    ]) {
      t.test(curve, async (t) => {
        const dir = makeModel(t);
        const key = ecKey(curve);
        const result = await signModel(dir, { privateKey: pemOf(key) });
        t.equal(result.method, 'key');
        t.equal(result.publicKey, publicPemOf(key));
        const { mediaType, verificationMaterial, dsseEnvelope } = result.bundle as {
          mediaType: string;
          verificationMaterial: unknown;
          dsseEnvelope: Envelope;
        };
        t.equal(mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
        const hint = createHash('sha256').update(publicPemOf(key)).digest('hex');
        t.same(verificationMaterial, { publicKey: { hint }, tlogEntries: [] });
        t.equal(dsseEnvelope.payloadType, IN_TOTO);
        const payload = fromB64(dsseEnvelope.payload);
        t.same(payload, Buffer.from(omsPayloadBytes(await hashModel(dir))), 'the OMS payload');
        const pae = dsse.preAuthEncoding(IN_TOTO, payload);
        t.ok(verify(digest, pae, createPublicKey(key), fromB64(dsseEnvelope.signatures[0].sig)));

        const verified = await verifyModel(dir, { bundle: result.bundle, key: publicPemOf(key) });
        t.same(verified.signer, {
          method: 'key',
          keyHint: hint,
          keyIdentity: verified.signer.method === 'key' ? verified.signer.keyIdentity : '',
        });
        t.equal(verified.rootDigest, result.manifest.rootDigest);
        const wrong = await verifyModel(dir, {
          bundle: result.bundle,
          key: publicPemOf(ecKey(curve)),
        }).catch((error: VerifyError) => error.code);
        t.equal(wrong, 'wrong-key');
      });
    }
  },
);

t.test('the signature file and the paths left out are recorded, not signed', async (t) => {
  const dir = makeModel(t);
  writeFileSync(path.join(dir, 'notes.txt'), 'not part of the model');
  const signaturePath = path.join(dir, 'model.sig');
  writeFileSync(signaturePath, 'an older signature');
  const result = await signModel(dir, {
    privateKey: read(path.join(KEYS, 'signing-key.pem')),
    signaturePath,
    ignorePaths: ['notes.txt'],
  });
  t.same(
    result.manifest.resources.map((resource) => resource.name),
    ['config.json', 'weights.bin'],
  );
  t.same(result.manifest.serialization.ignore_paths, [
    '.git',
    '.gitattributes',
    '.github',
    '.gitignore',
    'model.sig',
    'notes.txt',
  ]);
  // model_signing's test key: the hint is the one its bundles carry.
  t.same((result.bundle.verificationMaterial as { publicKey: unknown }).publicKey, {
    hint: 'e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e',
  });
  writeFileSync(signaturePath, JSON.stringify(result.bundle));
  writeFileSync(path.join(dir, 'notes.txt'), 'changed, and still left out');
  const verified = await verifyModel(dir, {
    bundle: signaturePath,
    key: read(path.join(KEYS, 'signing-key-pub.pem')),
  });
  t.equal(verified.files, 2);
});

t.test('the shards method is signed and verified', async (t) => {
  const dir = makeModel(t);
  const key = ecKey('P-256');
  const result = await signModel(dir, {
    privateKey: pemOf(key),
    serialization: 'shards',
    shardSize: 3,
  });
  t.equal(result.manifest.serialization.shard_size, 3);
  t.equal(result.manifest.resources[0].name, 'config.json:0:3');
  t.equal((await verifyModel(dir, { bundle: result.bundle, key: publicPemOf(key) })).files, 2);
});

const pem = (der: Uint8Array) => new X509Certificate(der).toString();

/** The options for the certificate method with a chain: leaf key and certificate, CA chain. */
const certificateOptions = (chain: TestChain): SignOptions => ({
  privateKey: pemOf(chain.leafKey),
  certificate: chain.leafPem,
  certificateChain: chain.certificates.slice(1).map(pem),
});

t.test('the certificate method carries the leaf and its chain', async (t) => {
  const dir = makeModel(t);
  const chain = await makeCertificateChain({ intermediate: true });
  const result = await signModel(dir, certificateOptions(chain));
  t.equal(result.method, 'certificate');
  t.equal(result.publicKey, undefined);
  t.same(result.bundle.verificationMaterial, {
    x509CertificateChain: {
      certificates: chain.certificates.map((der) => ({
        rawBytes: Buffer.from(der).toString('base64'),
      })),
    },
    tlogEntries: [],
  });
  const root = pem(chain.certificates[2]);
  const verified = await verifyModel(dir, { bundle: result.bundle, certificateChain: root });
  t.match(verified.signer, {
    method: 'certificate',
    subjectAlternativeName: 'email:dev@example.com',
  });

  const other = await makeCertificateChain();
  const wrongCa = await verifyModel(dir, {
    bundle: result.bundle,
    certificateChain: pem(other.certificates[1]),
  }).catch((error: VerifyError) => error.code);
  t.equal(wrongCa, 'untrusted-ca');
});

t.test("a certificate signed with model_signing's test PKI verifies with its root", async (t) => {
  const dir = makeModel(t);
  const result = await signModel(dir, {
    privateKey: read(path.join(KEYS, 'signing-key.pem')),
    certificate: read(path.join(KEYS, 'signing-key-cert.pem')),
    certificateChain: [read(path.join(KEYS, 'int-ca-cert.pem'))],
  });
  const verified = await verifyModel(dir, {
    bundle: result.bundle,
    certificateChain: read(path.join(KEYS, 'ca-cert.pem')),
  });
  t.match(verified.signer, { trustAnchor: 'CN=root-ca' });
});

t.test('a certificate that expired is refused at verification', async (t) => {
  const dir = makeModel(t);
  const hour = 3_600_000;
  const chain = await makeCertificateChain({
    leafValidity: {
      notBefore: new Date(Date.now() - 2 * hour),
      notAfter: new Date(Date.now() - hour),
    },
  });
  const result = await signModel(dir, certificateOptions(chain));
  const error = await verifyModel(dir, {
    bundle: result.bundle,
    certificateChain: pem(chain.certificates[1]),
  }).catch((error: VerifyError) => error);
  t.equal((error as VerifyError).code, 'certificate-expired');
});

t.test('signing options and inputs that cannot work are refused before hashing', async (t) => {
  const dir = makeModel(t);
  const chain = await makeCertificateChain({ intermediate: true });
  const p256 = pemOf(ecKey('P-256'));
  const cases: [SignOptions, string, RegExp][] = [
    [{}, 'bad-options', /no signing method/],
    [{ identityToken: 'jwt', privateKey: p256 }, 'bad-options', /identity token only/],
    [{ identityToken: 'jwt', certificate: chain.leafPem }, 'bad-options', /identity token only/],
    [
      { privateKey: p256, certificateChain: [pem(chain.certificates[2])] },
      'bad-options',
      /needs the signing certificate/,
    ],
    [{ privateKey: 'not a key' }, 'bad-private-key', /PEM private key/],
    [
      { privateKey: pemOf(generateKeyPairSync('ed25519').privateKey) },
      'unsupported-key-type',
      /not ed25519: make one with `attestry keygen/,
    ],
    [
      { privateKey: pemOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey) },
      'unsupported-key-type',
      /not ec secp256k1/,
    ],
    [
      { privateKey: pemOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey) },
      'unsupported-key-type',
      /not rsa/,
    ],
    [
      { ...certificateOptions(chain), certificate: chain.leafPem + chain.leafPem },
      'bad-certificate',
      /one PEM certificate/,
    ],
    [
      { ...certificateOptions(chain), certificateChain: ['no certificate'] },
      'bad-certificate',
      /certificate chain file 1 holds no readable PEM certificate/,
    ],
    [
      { ...certificateOptions(chain), certificateChain: [pem(chain.certificates[2])] },
      'bad-certificate',
      /does not hang together .*leaf first, then each issuer/,
    ],
    [
      { ...certificateOptions(chain), privateKey: p256 },
      'certificate-key-mismatch',
      /certifies another key/,
    ],
  ];
  for (const [options, code, message] of cases) {
    const error = await signFailure(signModel(path.join(dir, 'not-hashed-yet'), options));
    t.equal(error.code, code, String(message));
    t.match(error.message, message);
  }
  const unreadable = await signFailure(signModel(path.join(dir, 'gone'), { privateKey: p256 }));
  t.equal(unreadable.code, 'model-unreadable');
  t.match(unreadable.message, /cannot hash the model: .*does not exist/);
});
