// Node's native SHA-256 and Ed25519 signing, chosen through the "#platform-crypto" import
// condition: the same results as crypto-web.ts, several times faster on the server's hot paths.
import { createPrivateKey, hash, sign } from 'node:crypto';

// PKCS#8 DER of an Ed25519 private key, up to the 32-byte seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

export function sha256(data: Uint8Array): Uint8Array {
  // A plain Uint8Array view, so that slice() copies as callers expect (Buffer's slice shares).
  const digest = hash('sha256', data, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

export function ed25519Signer(seed: Uint8Array): (message: Uint8Array) => Uint8Array {
  const der = new Uint8Array(ED25519_PKCS8_PREFIX.length + seed.length);
  der.set(ED25519_PKCS8_PREFIX);
  der.set(seed, ED25519_PKCS8_PREFIX.length);
  const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  return (message) => {
    const signature = sign(null, message, key);
    return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
  };
}
