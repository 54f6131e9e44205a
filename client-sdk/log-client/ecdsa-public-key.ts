// The log's ECDSA P-256 key, which signs entry timestamps. Verified with @noble/curves so that
// the log client also runs in a browser.
import { p256 } from '@noble/curves/nist.js';
import { fromBase64 } from '../../server/log/encoding.ts';
import { LogClientError } from './errors.ts';

// DER SubjectPublicKeyInfo of a P-256 key, up to its 65-byte uncompressed point.
const P256_SPKI_PREFIX = '3059301306072a8648ce3d020106082a8648ce3d030107034200';

export interface EcdsaVerifier {
  verify(message: Uint8Array, derSignature: Uint8Array): boolean;
}

export function parseEcdsaPublicKey(pem: string): EcdsaVerifier {
  const body =
    /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----\s*$/.exec(
      pem.trim().concat('\n'),
    );
  const der = body && fromBase64(body[1].replace(/\s+/g, ''));
  const prefix = P256_SPKI_PREFIX.length / 2;
  if (
    !der ||
    der.length !== prefix + 65 ||
    Array.from(der.subarray(0, prefix), (b) => b.toString(16).padStart(2, '0')).join('') !==
      P256_SPKI_PREFIX
  ) {
    throw new LogClientError('bad-log-key', 'the log ECDSA key is not a PEM P-256 public key');
  }
  const point = der.subarray(prefix);
  return {
    verify: (message, derSignature) => {
      try {
        return p256.verify(derSignature, message, point, { format: 'der', lowS: false });
      } catch {
        return false;
      }
    },
  };
}
