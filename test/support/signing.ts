// Signing helpers for tests: keys of every supported type, Sigstore bundles built by the real
// @sigstore/sign DSSEBundleBuilder with key-based signers, X.509 chains (root CA, optional
// intermediate, leaf with a SAN and the Fulcio issuer extension) made with @peculiar/x509, and
// @sigstore/mock's Fulcio and TSA served over HTTP for keyless signing.
// @peculiar/x509 needs a Reflect metadata polyfill loaded before it.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, KeyObject, sign, webcrypto } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import * as x509 from '@peculiar/x509';
import { bundleToJSON } from '@sigstore/bundle';
import {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTSA,
  tsaHandler,
} from '@sigstore/mock';
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
  /** The leaf's key (default ECDSA P-256). */
  leafKey?: LeafKeyType;
  /**
   * What the leaf may do: key usage digitalSignature (the default), extended key usage
   * codeSigning only, or neither (key usage keyEncipherment).
   */
  leafUsage?: 'digitalSignature' | 'codeSigning' | 'none';
  leafValidity?: Validity;
  rootValidity?: Validity;
  /** false: the CA certificates lack the CA basic constraint. */
  caBasicConstraints?: boolean;
}

export type LeafKeyType = 'P-256' | 'P-384' | 'Ed25519' | 'RSA';

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

const LEAF_KEYS: Record<LeafKeyType, EcKeyGenParams | RsaHashedKeyGenParams | Algorithm> = {
  'P-256': { name: 'ECDSA', namedCurve: 'P-256' },
  'P-384': { name: 'ECDSA', namedCurve: 'P-384' },
  Ed25519: { name: 'Ed25519' },
  RSA: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
};

function leafUsageExtensions(usage: ChainOptions['leafUsage']): x509.Extension[] {
  switch (usage) {
    case 'codeSigning':
      return [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning])];
    case 'none':
      return [new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyEncipherment, true)];
    default:
      return [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)];
  }
}

const EC_P384: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-384' };
const SIGN_P384: EcdsaParams = { name: 'ECDSA', hash: 'SHA-384' };

async function caCertificate(
  name: string,
  keys: CryptoKeyPair,
  issuer?: { name: string; keys: CryptoKeyPair },
  options: { validity?: Validity; basicConstraints?: boolean } = {},
): Promise<x509.X509Certificate> {
  const extensions = [
    ...(options.basicConstraints === false
      ? []
      : [new x509.BasicConstraintsExtension(true, undefined, true)]),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
  if (issuer === undefined) {
    return x509.X509CertificateGenerator.createSelfSigned({
      name,
      keys,
      signingAlgorithm: SIGN_P384,
      extensions,
      ...options.validity,
    });
  }
  return x509.X509CertificateGenerator.create({
    subject: name,
    issuer: issuer.name,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: SIGN_P384,
    extensions,
    ...options.validity,
  });
}

/** root CA (P-384) → [intermediate CA (P-384)] → leaf (P-256 by default, SAN, Fulcio issuer extension). */
export async function makeCertificateChain(options: ChainOptions = {}): Promise<TestChain> {
  const subtle = webcrypto.subtle;
  const rootKeys = (await subtle.generateKey(EC_P384, true, ['sign', 'verify'])) as CryptoKeyPair;
  const basicConstraints = options.caBasicConstraints;
  const root = await caCertificate('CN=Test Root CA', rootKeys, undefined, {
    validity: options.rootValidity,
    basicConstraints,
  });
  let issuer = { name: 'CN=Test Root CA', keys: rootKeys };
  const cas = [root];
  if (options.intermediate) {
    const keys = (await subtle.generateKey(EC_P384, true, ['sign', 'verify'])) as CryptoKeyPair;
    cas.unshift(await caCertificate('CN=Test Intermediate CA', keys, issuer, { basicConstraints }));
    issuer = { name: 'CN=Test Intermediate CA', keys };
  }
  const leafKeys = (await subtle.generateKey(LEAF_KEYS[options.leafKey ?? 'P-256'], true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const san: SanOption | null =
    options.san === undefined ? { type: 'email', value: 'dev@example.com' } : options.san;
  const extensions: x509.Extension[] = [
    ...leafUsageExtensions(options.leafUsage),
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
    ...options.leafValidity,
  });
  return {
    certificates: [leaf, ...cas].map((cert) => new Uint8Array(cert.rawData)),
    leafPem: leaf.toString('pem'),
    leafKey: KeyObject.from(leafKeys.privateKey),
  };
}

/** An unsigned JWT with these claims: all the @sigstore/mock Fulcio reads (`sub` becomes the SAN). */
export function identityToken(claims: {
  sub: string;
  iss: string;
  [claim: string]: unknown;
}): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, aud: 'sigstore' })}.`;
}

export interface SigstoreFakes {
  fulcioURL: string;
  tsaURL: string;
  /** A Sigstore TrustedRoot (protobuf JSON) listing this Fulcio, its CT log and this TSA. */
  trustedRoot: Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * @sigstore/mock's Fulcio (with its CT log) and timestamp authority served over real HTTP on
 * 127.0.0.1, so that in-process signers and `attestry` child processes can both reach them.
 * Fulcio issues its 10-minute certificates at `clock`, and the TSA stamps `clock`: a whole second,
 * since @sigstore/core reads only three-digit fractions in timestamps, and the mock writes the
 * shortest one (`.12Z`).
 */
export async function startSigstoreFakes(
  options: { clock?: Date; tsaClock?: Date } = {},
): Promise<SigstoreFakes> {
  const clock = options.clock ?? new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
  const ctlog = await initializeCTLog(generateKeyPairSync('ec', { namedCurve: 'P-256' }), clock);
  const ca = await initializeCA(generateKeyPairSync('ec', { namedCurve: 'P-256' }), ctlog, clock);
  const tsa = await initializeTSA(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    options.tsaClock ?? clock,
  );
  const handlers = [fulcioHandler(ca), tsaHandler(tsa)];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const handler = handlers.find((candidate) => candidate.path === request.url);
    if (handler === undefined) {
      response.writeHead(404).end();
      return;
    }
    const result = await handler.fn(Buffer.concat(chunks).toString());
    response
      .writeHead(result.statusCode, { 'content-type': result.contentType ?? 'text/plain' })
      .end(result.response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const b64 = (bytes: ArrayBufferView) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const validFor = { start: new Date(clock.getTime() - 86_400_000).toISOString() };
  return {
    fulcioURL: url,
    tsaURL: url,
    trustedRoot: {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      certificateAuthorities: [
        {
          subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
          uri: url,
          certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
          validFor,
        },
      ],
      ctlogs: [
        {
          baseUrl: 'https://ctfe.sigstore.mock',
          hashAlgorithm: 'SHA2_256',
          publicKey: {
            rawBytes: b64(ctlog.publicKey),
            keyDetails: 'PKIX_ECDSA_P256_SHA_256',
            validFor,
          },
          logId: { keyId: b64(ctlog.logID) },
        },
      ],
      timestampAuthorities: [
        {
          subject: { organization: 'sigstore.mock', commonName: 'tsa' },
          uri: url,
          certChain: {
            certificates: [
              { rawBytes: b64(tsa.intCertificate) },
              { rawBytes: b64(tsa.rootCertificate) },
            ],
          },
          validFor,
        },
      ],
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const BIN = resolve(import.meta.dirname, '../../client-sdk/cli/bin.ts');

/**
 * Runs the attestry command like runCli (test/support/cli.ts), but without blocking this process:
 * the Sigstore fakes and logs a test serves must go on answering the command.
 */
export function runCliAsync(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        encoding: 'utf8',
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        done({ status: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}
