// Valid submissions for the fuzz tests to mutate: keys of every supported type (and some that are
// not), certificate chains, statements of every known predicate type, and Sigstore bundles, Rekor
// v1 entries and Rekor v2 requests made from them; plus payloads signed afresh, so that a mutated
// statement still carries a good signature and reaches the statement and predicate checks.
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { BUNDLE_V03_MEDIA_TYPE } from '@sigstore/bundle';
import fc from 'fast-check';
import { toBase64, utf8 } from '../../server/log/encoding.ts';
import { anyString, jsonAround, mutatedString } from './fuzz.ts';
import {
  buildBundle,
  certificateSigner,
  generateKey,
  IN_TOTO,
  keySigner,
  makeCertificateChain,
  omsStatement,
  type TestChain,
  type TestKey,
} from './signing.ts';

export const b64 = (bytes: Uint8Array) => toBase64(bytes);
export const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** DSSE pre-authentication encoding, written here apart from the code under test. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType);
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

const DIGEST: Record<string, string | null> = {
  'ecdsa-p256': 'sha256',
  'ecdsa-p384': 'sha384',
  'ecdsa-p521': 'sha512',
  ed25519: null,
};

/** The DER of a PEM public key. */
export function spkiDer(pemText: string): Uint8Array {
  return new Uint8Array(Buffer.from(pemText.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
}

/** A payload to sign afresh into a submission. */
export interface Signed {
  payload: Uint8Array;
  payloadType: string;
  signer: 'p256' | 'ed25519' | 'certificate';
}

export interface SubmissionSamples {
  keys: Record<'p256' | 'p384' | 'p521' | 'ed25519', TestKey>;
  chains: Record<'email' | 'uri' | 'noSan' | 'fingerprintSan' | 'ed25519', TestChain>;
  /** PEM SPKI keys the log does not take: RSA, secp256k1, X25519, Ed448. */
  otherKeyPems: string[];
  statements: Record<string, unknown>[];
  /** POST /api/v1/entries bodies: {bundle, publicKey?}. */
  bundleBodies: Record<string, unknown>[];
  rekorV1Entries: unknown[];
  rekorV2Requests: unknown[];
  /** Payloads to sign afresh: mostly edited statements. */
  signed: fc.Arbitrary<Signed>;
  envelope(signed: Signed): {
    payload: string;
    payloadType: string;
    signatures: { keyid: string; sig: string }[];
  };
  bundleBody(signed: Signed): Record<string, unknown>;
  rekorV1Entry(signed: Signed): Record<string, unknown>;
  rekorV2Request(signed: Signed): Record<string, unknown>;
}

const HEX_A = 'ab'.repeat(32);
const HEX_B = 'cd'.repeat(32);

/** One valid statement of each predicate type the log checks, and one without a predicate. */
export const STATEMENTS: Record<string, unknown>[] = [
  omsStatement(),
  omsStatement({
    subject: [
      { name: 'a', digest: { sha384: 'ef'.repeat(48) } },
      { digest: { sha512: '01'.repeat(64), md5: 'x' } },
    ],
    predicate: undefined,
  }),
  omsStatement({
    predicateType: 'https://attestry.dev/predicates/dataset/v1',
    predicate: {
      name: 'acme/corpus',
      license: 'MIT',
      sources: [{ uri: 'https://example.org/dump.tar' }],
      personalData: { present: false },
      manifest: [{ name: 'part-0.jsonl', algorithm: 'sha256', digest: HEX_B }],
    },
  }),
  omsStatement({
    predicateType: 'https://attestry.dev/predicates/contributor/v1',
    predicate: {
      identity: 'dev@example.com',
      role: 'maintainer',
      validFrom: '2025-01-01T00:00:00Z',
    },
  }),
  omsStatement({
    predicateType: 'https://attestry.dev/predicates/lineage/v1',
    predicate: {
      baseModel: { name: 'acme/base', sha256: HEX_B },
      datasets: [{ name: 'acme/corpus', sha256: HEX_A, use: 'training' }],
      startedOn: '2025-06-01T10:00:00Z',
    },
  }),
  omsStatement({
    predicateType: 'https://attestry.dev/predicates/evaluation/v1',
    predicate: {
      benchmark: { name: 'mmlu', uri: 'https://example.org/mmlu' },
      metrics: [{ name: 'accuracy', value: 0.712, unit: '%' }],
      date: '2025-06-01',
    },
  }),
  omsStatement({
    predicateType: 'https://attestry.dev/predicates/revocation/v1',
    predicate: { reason: 'poisoned', severity: 'critical', replacement: { sha256: HEX_B } },
  }),
];

export async function submissionSamples(): Promise<SubmissionSamples> {
  const keys = {
    p256: generateKey('ecdsa-p256'),
    p384: generateKey('ecdsa-p384'),
    p521: generateKey('ecdsa-p521'),
    ed25519: generateKey('ed25519'),
  };
  const chains = {
    email: await makeCertificateChain({ intermediate: true, issuer: 'https://issuer.example' }),
    uri: await makeCertificateChain({
      san: { type: 'url', value: 'https://github.com/acme/repo/.github/workflows/r.yml@main' },
      legacyIssuer: 'https://token.actions.githubusercontent.com',
    }),
    noSan: await makeCertificateChain({ san: null }),
    fingerprintSan: await makeCertificateChain({ san: { type: 'url', value: 'sha256:abcd' } }),
    ed25519: await makeCertificateChain({ leafKey: 'Ed25519' }),
  };
  const otherKeyPems = [
    generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey,
    generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey,
    generateKeyPairSync('x25519').publicKey,
    generateKeyPairSync('ed448').publicKey,
  ].map((key) => key.export({ type: 'spki', format: 'pem' }) as string);
  const statements = STATEMENTS;

  const signers: Record<Signed['signer'], { type: string; privateKey: KeyObject }> = {
    p256: keys.p256,
    ed25519: keys.ed25519,
    certificate: { type: 'ecdsa-p256', privateKey: chains.email.leafKey },
  };
  const leafDer = chains.email.certificates[0];

  const envelope = (signed: Signed) => {
    const signer = signers[signed.signer];
    const sig = sign(
      DIGEST[signer.type],
      pae(signed.payloadType, signed.payload),
      signer.privateKey,
    );
    return {
      payload: b64(signed.payload),
      payloadType: signed.payloadType,
      signatures: [{ keyid: '', sig: b64(sig) }],
    };
  };

  const bundleBody = (signed: Signed): Record<string, unknown> => {
    const dsseEnvelope = envelope(signed);
    if (signed.signer === 'certificate') {
      return {
        bundle: {
          mediaType: BUNDLE_V03_MEDIA_TYPE,
          verificationMaterial: { certificate: { rawBytes: b64(leafDer) } },
          dsseEnvelope,
        },
      };
    }
    const key = keys[signed.signer];
    return {
      bundle: {
        mediaType: BUNDLE_V03_MEDIA_TYPE,
        verificationMaterial: { publicKey: { hint: key.identity } },
        dsseEnvelope,
      },
      publicKey: key.publicKeyPem,
    };
  };

  const rekorV1Entry = (signed: Signed): Record<string, unknown> => {
    const verifier =
      signed.signer === 'certificate' ? chains.email.leafPem : keys[signed.signer].publicKeyPem;
    return {
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        proposedContent: {
          envelope: JSON.stringify(envelope(signed)),
          verifiers: [b64(utf8(verifier))],
        },
      },
    };
  };

  const rekorV2Request = (signed: Signed): Record<string, unknown> => {
    const rawBytes = b64(
      signed.signer === 'certificate' ? leafDer : spkiDer(keys[signed.signer].publicKeyPem),
    );
    const verifier =
      signed.signer === 'certificate'
        ? { x509Certificate: { rawBytes } }
        : { publicKey: { rawBytes } };
    return { dsseRequestV002: { envelope: envelope(signed), verifiers: [verifier] } };
  };

  // Bundles as clients send them: every key type and hint spelling, every certificate form.
  const bundleBodies: Record<string, unknown>[] = [];
  const keyHints: [TestKey, string][] = [
    [keys.p256, keys.p256.identity],
    [keys.p384, keys.p384.omsHint],
    [keys.p521, ''],
    [keys.ed25519, keys.ed25519.identity],
  ];
  for (const [i, [key, hint]] of keyHints.entries()) {
    const bundle = await buildBundle(keySigner(key, { hint }), statements[i]);
    bundleBodies.push({ bundle, publicKey: key.publicKeyPem });
  }
  for (const chain of Object.values(chains)) {
    const digest = chain === chains.ed25519 ? null : 'sha256';
    bundleBodies.push({
      bundle: await buildBundle(certificateSigner(chain, digest), statements[4]),
    });
  }
  {
    // OMS v1.0's form: the whole chain in x509CertificateChain of a v0.3 bundle, keyid null.
    const bundle = await buildBundle(certificateSigner(chains.email), statements[5]);
    bundle.verificationMaterial = {
      x509CertificateChain: {
        certificates: chains.email.certificates.map((c) => ({ rawBytes: b64(c) })),
      },
    };
    (bundle.dsseEnvelope.signatures[0] as Record<string, unknown>).keyid = null;
    bundleBodies.push({ bundle });
  }

  const artifact = utf8('an artifact');
  const p256Spki = b64(spkiDer(keys.p256.publicKeyPem));
  const inToto: Signed = {
    payload: utf8(JSON.stringify(statements[0])),
    payloadType: IN_TOTO,
    signer: 'p256',
  };
  const text: Signed = { payload: utf8('hello'), payloadType: 'text/plain', signer: 'certificate' };
  const rekorV1Entries: unknown[] = [rekorV1Entry(inToto), rekorV1Entry(text)];
  for (const [name, algorithm] of [
    ['p256', 'sha256'],
    ['p384', 'sha384'],
    ['p521', 'sha512'],
  ] as const) {
    rekorV1Entries.push({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm, value: createHash(algorithm).update(artifact).digest('hex') } },
        signature: {
          content: b64(sign(algorithm, artifact, keys[name].privateKey)),
          publicKey: { content: b64(utf8(keys[name].publicKeyPem)) },
        },
      },
    });
  }
  // Verifiers a hashedrekord cannot use (Ed25519 signs messages, RSA is not taken), and the
  // leaf certificate as verifier.
  const digestSignature = b64(sign('sha256', artifact, chains.email.leafKey));
  for (const [content, verifier] of [
    [b64(sign(null, artifact, keys.ed25519.privateKey)), keys.ed25519.publicKeyPem],
    [digestSignature, otherKeyPems[0]],
    [digestSignature, chains.email.leafPem],
  ]) {
    rekorV1Entries.push({
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: sha256(artifact).toString('hex') } },
        signature: { content, publicKey: { content: b64(utf8(verifier)) } },
      },
    });
  }
  const hashedRekordV2 = (content: string, verifier: Record<string, unknown>) => ({
    hashedRekordRequestV002: {
      digest: b64(sha256(artifact)),
      signature: { content, verifier: { ...verifier, keyDetails: 'PKIX_ECDSA_P256_SHA_256' } },
    },
  });
  const rekorV2Requests: unknown[] = [
    rekorV2Request(inToto),
    rekorV2Request(text),
    hashedRekordV2(b64(sign('sha256', artifact, keys.p256.privateKey)), {
      publicKey: { rawBytes: p256Spki },
    }),
    hashedRekordV2(digestSignature, { x509Certificate: { rawBytes: b64(leafDer) } }),
    hashedRekordV2(b64(sign(null, artifact, keys.ed25519.privateKey)), {
      publicKey: { rawBytes: b64(spkiDer(keys.ed25519.publicKeyPem)) },
    }),
  ];

  const signed: fc.Arbitrary<Signed> = fc.record({
    payload: fc.oneof(
      {
        arbitrary: jsonAround(statements).map((value) => utf8(JSON.stringify(value) ?? '')),
        weight: 8,
      },
      {
        arbitrary: fc
          .constantFrom(...statements)
          .chain((s) => mutatedString(JSON.stringify(s)))
          .map(utf8),
        weight: 1,
      },
      { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 1 },
    ),
    payloadType: fc.oneof(
      { arbitrary: fc.constant(IN_TOTO), weight: 9 },
      { arbitrary: anyString, weight: 1 },
    ),
    signer: fc.constantFrom('p256', 'ed25519', 'certificate'),
  });

  return {
    keys,
    chains,
    otherKeyPems,
    statements,
    bundleBodies,
    rekorV1Entries,
    rekorV2Requests,
    signed,
    envelope,
    bundleBody,
    rekorV1Entry,
    rekorV2Request,
  };
}
