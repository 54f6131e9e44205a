// Reads an OMS bundle (a Sigstore bundle with a DSSE envelope) into the parts verification needs.
// Every historical form model_signing wrote is read (OMS 11.2): publicKey.rawBytes instead of
// a hint, keyid null, empty or absent, tlogEntries absent, x509CertificateChain in a v0.3
// bundle (which @sigstore/bundle's bundleFromJSON refuses, hence this reader).
import { readFile } from 'node:fs/promises';
import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
} from '@sigstore/bundle';
import { type DsseEnvelope, parseEnvelope } from '../../server/entries/dsse.ts';
import { isObject } from '../../server/entries/is-object.ts';
import { fromBase64 } from '../../server/log/encoding.ts';
import { VerifyError } from './errors.ts';

const MEDIA_TYPES = new Set([
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
]);

// A manifest of a few hundred thousand files; far more than any real model has.
const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

export type BundleMaterial =
  /** Key method; before model_signing 1.1.0 the key itself instead of a hint. */
  | { kind: 'publicKey'; hint?: string; rawBytes?: Uint8Array }
  /** Certificate method: leaf first. */
  | { kind: 'x509CertificateChain'; certificates: Uint8Array[] }
  /** Keyless method: the Fulcio certificate. */
  | { kind: 'certificate'; certificate: Uint8Array };

export interface OmsBundle {
  /** The JSON as read, for @sigstore/bundle (keyless verification). */
  json: Record<string, unknown>;
  envelope: DsseEnvelope;
  material: BundleMaterial;
}

const bad = (message: string, cause?: unknown) =>
  new VerifyError('bad-bundle', message, cause === undefined ? undefined : { cause });

async function readJson(bundle: string | object): Promise<unknown> {
  if (typeof bundle !== 'string') return bundle;
  let text: string;
  try {
    text = await readFile(bundle, 'utf8');
  } catch (cause) {
    throw bad(`cannot read the bundle ${bundle}: ${(cause as Error).message}`, cause);
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw bad(`the bundle ${bundle} is not JSON (empty, truncated or not a bundle)`, cause);
  }
}

function base64Bytes(value: unknown, at: string): Uint8Array {
  const bytes = typeof value === 'string' ? fromBase64(value) : undefined;
  if (bytes === undefined) throw bad(`${at} must be base64`);
  return bytes;
}

function readMaterial(value: unknown): BundleMaterial {
  if (!isObject(value)) throw bad('the bundle has no verificationMaterial');
  const { publicKey, x509CertificateChain, certificate } = value;
  const given = [publicKey, x509CertificateChain, certificate].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw bad(
      'verificationMaterial must hold exactly one of publicKey, x509CertificateChain, certificate',
    );
  }
  if (publicKey !== undefined) {
    if (!isObject(publicKey)) throw bad('verificationMaterial.publicKey must be an object');
    // Proto3 JSON writes an unset field as null.
    const hint = publicKey.hint ?? undefined;
    if (hint !== undefined && typeof hint !== 'string') {
      throw bad('verificationMaterial.publicKey.hint must be a string');
    }
    const rawBytes =
      publicKey.rawBytes === undefined
        ? undefined
        : base64Bytes(publicKey.rawBytes, 'verificationMaterial.publicKey.rawBytes');
    return { kind: 'publicKey', hint, rawBytes };
  }
  if (x509CertificateChain !== undefined) {
    const certificates = isObject(x509CertificateChain)
      ? x509CertificateChain.certificates
      : undefined;
    if (!Array.isArray(certificates) || certificates.length === 0) {
      throw bad('verificationMaterial.x509CertificateChain.certificates must be a non-empty array');
    }
    return {
      kind: 'x509CertificateChain',
      certificates: certificates.map((cert, i) =>
        base64Bytes(
          isObject(cert) ? cert.rawBytes : undefined,
          `verificationMaterial.x509CertificateChain.certificates[${i}].rawBytes`,
        ),
      ),
    };
  }
  return {
    kind: 'certificate',
    certificate: base64Bytes(
      isObject(certificate) ? certificate.rawBytes : undefined,
      'verificationMaterial.certificate.rawBytes',
    ),
  };
}

function readEnvelope(value: unknown): DsseEnvelope {
  if (!isObject(value)) throw bad('the bundle has no dsseEnvelope');
  // DSSE allows several signatures; OMS writes one, and its verifiers read only that one.
  if (!Array.isArray(value.signatures) || value.signatures.length !== 1) {
    throw bad('dsseEnvelope.signatures must hold exactly one signature');
  }
  try {
    return parseEnvelope(value, MAX_PAYLOAD_BYTES);
  } catch (cause) {
    throw bad(`dsseEnvelope: ${(cause as Error).message}`, cause);
  }
}

/** The bundle at a path, or already parsed. */
export async function readBundle(bundle: string | object): Promise<OmsBundle> {
  const json = await readJson(bundle);
  if (!isObject(json)) throw bad('the bundle is not a JSON object');
  if (typeof json.mediaType !== 'string' || !MEDIA_TYPES.has(json.mediaType)) {
    throw new VerifyError(
      'unsupported-bundle',
      `mediaType ${JSON.stringify(json.mediaType)} is not a Sigstore bundle's (expected ${BUNDLE_V03_MEDIA_TYPE})`,
    );
  }
  // A bundle holds one content; @sigstore/verify would check a messageSignature where this code
  // reads the envelope, so one bundle must never carry both.
  if (json.messageSignature !== undefined) {
    throw bad('the bundle carries a messageSignature: a model signature is a dsseEnvelope only');
  }
  return {
    json,
    envelope: readEnvelope(json.dsseEnvelope),
    material: readMaterial(json.verificationMaterial),
  };
}
