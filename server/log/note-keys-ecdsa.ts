// ECDSA P-256 keys in C2SP signed notes (signature type 0x02), as Rekor v1 signs its checkpoints and
// as @sigstore/verify checks them: the key ID is the first four bytes of SHA-256 of the DER
// SubjectPublicKeyInfo, and the signature is ASN.1 DER ECDSA over SHA-256 of the note text.
// Verified with @noble/curves, so that it also runs in a browser.
import { p256 } from '@noble/curves/nist.js';
import { toHex } from './encoding.ts';
import { NoteError } from './errors.ts';
import { sha256 } from './hash.ts';
import { isValidKeyName, type NoteSigningKey, type NoteVerifier } from './note-keys.ts';

// DER SubjectPublicKeyInfo of a P-256 key, up to its 65-byte uncompressed point.
const P256_SPKI_PREFIX = '3059301306072a8648ce3d020106082a8648ce3d030107034200';
const P256_SPKI_SIZE = P256_SPKI_PREFIX.length / 2 + 65;

/** The uncompressed point of a DER SPKI P-256 public key; anything else is 'bad-key'. */
export function p256PointOfSpki(spkiDer: Uint8Array): Uint8Array {
  if (
    spkiDer.length !== P256_SPKI_SIZE ||
    toHex(spkiDer.subarray(0, P256_SPKI_PREFIX.length / 2)) !== P256_SPKI_PREFIX
  ) {
    throw new NoteError('bad-key', 'not a DER SPKI ECDSA P-256 public key (uncompressed point)');
  }
  return spkiDer.slice(P256_SPKI_PREFIX.length / 2);
}

/** An ECDSA note key ID: SHA-256(DER SPKI)[:4], big-endian; also the head of the Sigstore log ID. */
export function ecdsaNoteKeyId(spkiDer: Uint8Array): number {
  const digest = sha256(spkiDer);
  return new DataView(digest.buffer, digest.byteOffset).getUint32(0);
}

/** Verifies DER ECDSA P-256/SHA-256 signatures, high or low S (OpenSSL makes both). */
export function p256SignatureVerifier(
  spkiDer: Uint8Array,
): (message: Uint8Array, derSignature: Uint8Array) => boolean {
  const point = p256PointOfSpki(spkiDer);
  // noble answers false, not an exception, for a signature that is not DER.
  return (message, derSignature) =>
    p256.verify(derSignature, message, point, { format: 'der', lowS: false });
}

function checkName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new NoteError('invalid-key-name', 'a key name must be non-empty, without spaces or +');
  }
}

export function ecdsaNoteVerifier(name: string, spkiDer: Uint8Array): NoteVerifier {
  checkName(name);
  return { name, keyId: ecdsaNoteKeyId(spkiDer), verify: p256SignatureVerifier(spkiDer) };
}

/** A note signer around an ECDSA P-256 signing function (DER signature over SHA-256). */
export function ecdsaNoteSigner(
  name: string,
  spkiDer: Uint8Array,
  sign: (message: Uint8Array) => Uint8Array,
): NoteSigningKey {
  checkName(name);
  p256PointOfSpki(spkiDer);
  return { name, keyId: ecdsaNoteKeyId(spkiDer), sign };
}
