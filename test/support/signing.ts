// Signing helpers for tests: keys of every supported type, Sigstore bundles built by the real
// @sigstore/sign DSSEBundleBuilder with key-based signers, and X.509 chains (root CA, optional
// intermediate, leaf with a SAN and the Fulcio issuer extension) made with @peculiar/x509.
// @peculiar/x509 needs a Reflect metadata polyfill loaded before it.
import 'reflect-metadata';
import { createHash, generateKeyPairSync, KeyObject, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder, type Signer } from '@sigstore/sign';

export type TestKeyType = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519';
export const KEY_TYPES: readonly TestKeyType[] = [
  'ecdsa-p256',
  'ecdsa-p384',
  'ecdsa-p521',
  'ed25519',
];

/** The digest each key type signs with by default (null: pure Ed25519). */
export const DEFAULT_DIGEST: Record<TestKeyType, string | null> = {
  'ecdsa-p256': 'sha256',
  'ecdsa-p384': 'sha384',
  'ecdsa-p521': 'sha512',
  ed25519: null,
};

const CURVES: Record<TestKeyType, string> = {
  'ecdsa-p256': 'P-256',
  'ecdsa-p384': 'P-384',
  'ecdsa-p521': 'P-521',
  ed25519: '',
};

export interface TestKey {
  type: TestKeyType;
  privateKey: KeyObject;
  /** PEM SPKI with its final newline. */
  publicKeyPem: string;
  /** `sha256:<hex SHA-256 of the DER SPKI>`, the log's key identity. */
  identity: string;
  /** OpenSSF Model Signing hint: hex SHA-256 of the PEM text. */
  omsHint: string;
}

const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

export function generateKey(type: TestKeyType): TestKey {
  const { privateKey, publicKey } =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: CURVES[type] });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  return {
    type,
    privateKey,
    publicKeyPem,
    identity: `sha256:${sha256Hex(publicKey.export({ type: 'spki', format: 'der' }))}`,
    omsHint: sha256Hex(publicKeyPem),
  };
}

/** A key-based @sigstore/sign Signer: the hint goes to publicKey.hint and the DSSE keyid. */
export function keySigner(
  key: TestKey,
  options: { hint?: string; digest?: string | null } = {},
): Signer {
  const digest = options.digest === undefined ? DEFAULT_DIGEST[key.type] : options.digest;
  return {
    sign: async (data) => ({
      signature: sign(digest, data, key.privateKey),
      key: { $case: 'publicKey', publicKey: key.publicKeyPem, hint: options.hint ?? key.identity },
    }),
  };
}

export interface TestChain {
  /** DER certificates, leaf first, root last. */
  certificates: Uint8Array[];
  leafPem: string;
  leafKey: KeyObject;
}

/** A Signer that signs with a chain's leaf key and puts the leaf certificate in the bundle. */
export function certificateSigner(chain: TestChain, digest: string | null = 'sha256'): Signer {
  return {
    sign: async (data) => ({
      signature: sign(digest, data, chain.leafKey),
      key: { $case: 'x509Certificate', certificate: chain.leafPem },
    }),
  };
}

/** The JSON form of a bundle, typed loosely enough for tests to break it on purpose. */
export interface BundleJson {
  mediaType: string;
  verificationMaterial: Record<string, unknown>;
  dsseEnvelope: {
    payload: string;
    payloadType: string;
    signatures: { sig: string; keyid?: string }[];
  };
  [field: string]: unknown;
}

export const IN_TOTO = 'application/vnd.in-toto+json';

export async function buildBundle(
  signer: Signer,
  payload: Uint8Array | object,
  options: { payloadType?: string; certificateChain?: boolean } = {},
): Promise<BundleJson> {
  const data =
    payload instanceof Uint8Array ? Buffer.from(payload) : Buffer.from(JSON.stringify(payload));
  const builder = new DSSEBundleBuilder({
    signer,
    witnesses: [],
    certificateChain: options.certificateChain ?? false,
  });
  const bundle = await builder.create({ data, type: options.payloadType ?? IN_TOTO });
  return JSON.parse(JSON.stringify(bundleToJSON(bundle)));
}

export const OMS_PREDICATE_TYPE = 'https://model_signing/signature/v1.0';

/** A valid in-toto Statement v1 with an OMS v1.0 predicate; `predicate` replaces its predicate. */
export function omsStatement(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'model', digest: { sha256: 'ab'.repeat(32) } }],
    predicateType: OMS_PREDICATE_TYPE,
    predicate: {
      resources: [{ name: 'weights.safetensors', digest: 'cd'.repeat(32), algorithm: 'sha256' }],
      serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false },
    },
    ...overrides,
  };
}

// DER UTF8String, short form: enough for test issuer URLs.
function derUtf8String(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > 127) throw new Error('issuer too long for this helper');
  return Uint8Array.from([0x0c, bytes.length, ...bytes]);
}

export interface SanOption {
  type: 'email' | 'url';
  value: string;
}

export interface ChainOptions {
  /** Default: email dev@example.com; null: no SAN extension. */
  san?: SanOption | null;
  /** Fulcio issuer, v2 extension (1.3.6.1.4.1.57264.1.8). */
  issuer?: string;
  /** Fulcio issuer, legacy v1 extension (1.3.6.1.4.1.57264.1.1). */
  legacyIssuer?: string;
  intermediate?: boolean;
  /** Issuer name written in the leaf instead of its CA's subject (the CA still signs it). */
  leafIssuerName?: string;
  /** Extra raw leaf extensions (extnValue bytes), e.g. deliberately malformed ones. */
  extensions?: { oid: string; value: Uint8Array<ArrayBuffer> }[];
}

const EC_P384: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-384' };
const EC_P256: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN_P384: EcdsaParams = { name: 'ECDSA', hash: 'SHA-384' };

async function caCertificate(
  name: string,
  keys: CryptoKeyPair,
  issuer?: { name: string; keys: CryptoKeyPair },
): Promise<x509.X509Certificate> {
  const extensions = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
  if (issuer === undefined) {
    return x509.X509CertificateGenerator.createSelfSigned({
      name,
      keys,
      signingAlgorithm: SIGN_P384,
      extensions,
    });
  }
  return x509.X509CertificateGenerator.create({
    subject: name,
    issuer: issuer.name,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: SIGN_P384,
    extensions,
  });
}

/** root CA (P-384) → [intermediate CA (P-384)] → leaf (P-256, SAN, Fulcio issuer extension). */
export async function makeCertificateChain(options: ChainOptions = {}): Promise<TestChain> {
  const subtle = webcrypto.subtle;
  const rootKeys = (await subtle.generateKey(EC_P384, true, ['sign', 'verify'])) as CryptoKeyPair;
  const root = await caCertificate('CN=Test Root CA', rootKeys);
  let issuer = { name: 'CN=Test Root CA', keys: rootKeys };
  const cas = [root];
  if (options.intermediate) {
    const keys = (await subtle.generateKey(EC_P384, true, ['sign', 'verify'])) as CryptoKeyPair;
    cas.unshift(await caCertificate('CN=Test Intermediate CA', keys, issuer));
    issuer = { name: 'CN=Test Intermediate CA', keys };
  }
  const leafKeys = (await subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const san: SanOption | null =
    options.san === undefined ? { type: 'email', value: 'dev@example.com' } : options.san;
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ...(san ? [new x509.SubjectAlternativeNameExtension([san], true)] : []),
    ...(options.issuer === undefined
      ? []
      : [new x509.Extension('1.3.6.1.4.1.57264.1.8', false, derUtf8String(options.issuer))]),
    ...(options.legacyIssuer === undefined
      ? []
      : [
          new x509.Extension(
            '1.3.6.1.4.1.57264.1.1',
            false,
            new TextEncoder().encode(options.legacyIssuer),
          ),
        ]),
    ...(options.extensions ?? []).map(({ oid, value }) => new x509.Extension(oid, false, value)),
  ];
  const leaf = await x509.X509CertificateGenerator.create({
    subject: '',
    issuer: options.leafIssuerName ?? issuer.name,
    publicKey: leafKeys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: SIGN_P384,
    extensions,
  });
  return {
    certificates: [leaf, ...cas].map((cert) => new Uint8Array(cert.rawData)),
    leafPem: leaf.toString('pem'),
    leafKey: KeyObject.from(leafKeys.privateKey),
  };
}
