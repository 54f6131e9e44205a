// DSSE envelopes (secure-systems-lab/dsse v1): strict parsing of the JSON form, and signature
// verification over the pre-authentication encoding (PAE).
import { type KeyObject, verify } from 'node:crypto';
import { promisify } from 'node:util';
import { dsse } from '@sigstore/core';
import { fromBase64, toBase64 } from '../log/encoding.ts';
import { isObject } from './is-object.ts';
import type { SignerKeyType } from './signer-key.ts';
import { SubmissionError } from './submission-error.ts';

export interface DsseEnvelope {
  payloadType: string;
  payload: Uint8Array;
  /** The log accepts exactly one signature per envelope. */
  signature: { sig: Uint8Array; keyid?: string };
}

/** The envelope's JSON form, as stored beside the leaf and hashed into it. */
export interface DsseEnvelopeJson {
  payload: string;
  payloadType: string;
  signatures: [{ keyid?: string; sig: string }];
}

function base64Field(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string') {
    throw new SubmissionError('bad-envelope', `dsseEnvelope.${field} must be a base64 string`);
  }
  const bytes = fromBase64(value);
  if (bytes === undefined) {
    throw new SubmissionError('bad-base64', `dsseEnvelope.${field} is not standard padded base64`);
  }
  return bytes;
}

export function parseEnvelope(value: unknown, maxPayloadBytes: number): DsseEnvelope {
  if (!isObject(value)) throw new SubmissionError('bad-envelope', 'dsseEnvelope must be an object');
  if (typeof value.payloadType !== 'string') {
    throw new SubmissionError('bad-envelope', 'dsseEnvelope.payloadType must be a string');
  }
  if (!Array.isArray(value.signatures)) {
    throw new SubmissionError('bad-envelope', 'dsseEnvelope.signatures must be an array');
  }
  if (value.signatures.length !== 1) {
    throw new SubmissionError(
      'unsupported-signature-count',
      `the log takes envelopes with exactly one signature, not ${value.signatures.length}`,
    );
  }
  const signature: unknown = value.signatures[0];
  if (!isObject(signature)) {
    throw new SubmissionError('bad-envelope', 'dsseEnvelope.signatures[0] must be an object');
  }
  // Proto3 JSON spells an unset field as null (older OMS releases write `"keyid": null`).
  const keyid = signature.keyid ?? undefined;
  if (keyid !== undefined && typeof keyid !== 'string') {
    throw new SubmissionError('bad-envelope', 'dsseEnvelope.signatures[0].keyid must be a string');
  }
  const sig = base64Field(signature.sig, 'signatures[0].sig');
  if (sig.length === 0) {
    throw new SubmissionError('bad-envelope', 'dsseEnvelope.signatures[0].sig is empty');
  }
  const payload = base64Field(value.payload, 'payload');
  if (payload.length > maxPayloadBytes) {
    throw new SubmissionError(
      'payload-too-large',
      `the payload is ${payload.length} bytes; the limit is ${maxPayloadBytes}`,
    );
  }
  return {
    payloadType: value.payloadType,
    payload,
    signature: keyid ? { sig, keyid } : { sig },
  };
}

/** The JSON form, spelled as sigstore-js's envelopeToJSON spells it (an empty keyid is left out). */
export function envelopeJson(envelope: DsseEnvelope): DsseEnvelopeJson {
  const { sig, keyid } = envelope.signature;
  const sigBase64 = toBase64(sig);
  return {
    payload: toBase64(envelope.payload),
    payloadType: envelope.payloadType,
    signatures: [keyid === undefined ? { sig: sigBase64 } : { keyid, sig: sigBase64 }],
  };
}

export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  return dsse.preAuthEncoding(payloadType, Buffer.from(payload));
}

// Digests tried per key type, preferred first. ECDSA P-384 and P-521 are signed with SHA-384 and
// SHA-512 by the OpenSSF Model Signing reference (checked against its v1.0 test bundles), while
// @sigstore/verify 4 calls crypto.verify without a digest, which OpenSSL 3 treats as SHA-256 for
// every EC key: a sigstore-js-compatible signer of such a key uses SHA-256, so both are accepted.
const DIGESTS: Record<SignerKeyType, (string | null)[]> = {
  'ecdsa-p256': ['sha256'],
  'ecdsa-p384': ['sha384', 'sha256'],
  'ecdsa-p521': ['sha512', 'sha256'],
  ed25519: [null],
};

// The callback form of crypto.verify runs on libuv's thread pool: the event loop goes on parsing,
// sequencing and answering other requests while OpenSSL checks this signature (about 55 µs for
// P-256 here). The server sizes the pool to leave the event loop a CPU (server/thread-pool.ts).
const verifyOnThreadPool = promisify(verify);

/**
 * Checks the envelope's signature (DER ECDSA or Ed25519) with the signer's key, made over one of
 * `digests` (by default, those its key type may sign with); answers the digest it is made over.
 */
export async function verifyEnvelope(
  envelope: DsseEnvelope,
  key: KeyObject,
  type: SignerKeyType,
  digests: readonly (string | null)[] = DIGESTS[type],
): Promise<string | null> {
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  for (const digest of digests) {
    if (await verifyOnThreadPool(digest, pae, key, envelope.signature.sig)) return digest;
  }
  throw new SubmissionError(
    'bad-signature',
    'the envelope signature does not verify with the given key or certificate',
  );
}
