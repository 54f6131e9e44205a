// The log's ECDSA P-256 key, which signs entry timestamps and a line of every checkpoint.
// Verified with @noble/curves so that the log client also runs in a browser.
import { fromBase64 } from '../../server/log/encoding.ts';
import { p256SignatureVerifier } from '../../server/log/note-keys-ecdsa.ts';
import { LogClientError } from './errors.ts';

export interface EcdsaVerifier {
  verify(message: Uint8Array, derSignature: Uint8Array): boolean;
}

/** The DER SPKI of a PEM P-256 public key. */
export function ecdsaPublicKeyDer(pem: string): Uint8Array {
  const body =
    /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----\s*$/.exec(
      pem.trim().concat('\n'),
    );
  const der = body && fromBase64(body[1].replace(/\s+/g, ''));
  if (!der) throw new LogClientError('bad-log-key', 'the log ECDSA key is not a PEM public key');
  return der;
}

/** The verifier of a DER SPKI P-256 public key. */
export function parseEcdsaSpki(spki: Uint8Array): EcdsaVerifier {
  try {
    return { verify: p256SignatureVerifier(spki) };
  } catch (cause) {
    throw new LogClientError(
      'bad-log-key',
      'the log ECDSA key is not a P-256 public key',
      undefined,
      { cause },
    );
  }
}
