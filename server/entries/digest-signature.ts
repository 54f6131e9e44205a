// A signature over a SHA-256 digest rather than over the data (Rekor's hashedrekord): ECDSA
// verification of a given hash, which node:crypto does not offer, with @noble/curves.
import type { KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { SignerKeyType } from './signer-key.ts';
import { SubmissionError } from './submission-error.ts';

const CURVES = { 'ecdsa-p256': p256, 'ecdsa-p384': p384, 'ecdsa-p521': p521 };

function uncompressedPoint(key: KeyObject): Uint8Array {
  const { x, y } = key.export({ format: 'jwk' });
  const xBytes = Buffer.from(x as string, 'base64url');
  const yBytes = Buffer.from(y as string, 'base64url');
  const point = new Uint8Array(1 + xBytes.length + yBytes.length);
  point[0] = 0x04;
  point.set(xBytes, 1);
  point.set(yBytes, 1 + xBytes.length);
  return point;
}

/** Throws 'bad-signature' unless `signature` (DER ECDSA) signs `digest` under `key`. */
export function verifyDigestSignature(
  key: KeyObject,
  type: SignerKeyType,
  digest: Uint8Array,
  signature: Uint8Array,
): void {
  if (type === 'ed25519') {
    throw new SubmissionError(
      'unsupported-key-type',
      'an Ed25519 key signs messages, not digests: log it as a dsse entry',
    );
  }
  // noble answers false, not an exception, for a signature that is not DER.
  const valid = CURVES[type].verify(signature, digest, uncompressedPoint(key), {
    prehash: false,
    format: 'der',
    lowS: false,
  });
  if (!valid) {
    throw new SubmissionError(
      'bad-signature',
      'the signature does not verify over the digest with the given key or certificate',
    );
  }
}
