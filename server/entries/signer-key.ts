// The signer's public key when a bundle carries only a key hint: a PEM SPKI sent beside the
// bundle. Its identity, `sha256:<hex of the DER SPKI>`, is what search and authorization use.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { ImmutableCache } from '../immutable-cache.ts';
import { SubmissionError } from './submission-error.ts';

export type SignerKeyType = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519';

export interface SignerKey {
  key: KeyObject;
  type: SignerKeyType;
  /** The key re-encoded as a standard PEM SPKI (64-column base64, final newline). */
  pem: string;
  /** `sha256:<lowercase hex SHA-256 of the DER SPKI>` */
  identity: string;
}

const CURVES = new Map<string | undefined, SignerKeyType>([
  ['prime256v1', 'ecdsa-p256'],
  ['secp384r1', 'ecdsa-p384'],
  ['secp521r1', 'ecdsa-p521'],
]);

const PUBLIC_KEY_PEM =
  /^\s*-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\s*$/;

const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** The signature scheme of a key, or 'unsupported-key-type' (RSA, other curves, Ed448...). */
export function signerKeyType(key: KeyObject): SignerKeyType {
  const type =
    key.asymmetricKeyType === 'ed25519'
      ? 'ed25519'
      : key.asymmetricKeyType === 'ec'
        ? CURVES.get(key.asymmetricKeyDetails?.namedCurve)
        : undefined;
  if (type === undefined) {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    throw new SubmissionError(
      'unsupported-key-type',
      `signing keys must be ECDSA P-256, P-384, P-521 or Ed25519, not ${key.asymmetricKeyType}${curve ? ` ${curve}` : ''}`,
    );
  }
  return type;
}

export function keyIdentity(spkiDer: Uint8Array): string {
  return `sha256:${sha256Hex(spkiDer)}`;
}

// Publishers send the same few keys again and again; parsing one costs a few hundred µs.
const parsedKeys = new ImmutableCache<SignerKey>(256);

export function parsePublicKeyPem(text: string): SignerKey {
  const cached = parsedKeys.get(text);
  if (cached !== undefined) return cached;
  const parsed = parseUncached(text);
  parsedKeys.set(text, parsed);
  return parsed;
}

function parseUncached(text: string): SignerKey {
  if (text.includes('PRIVATE KEY')) {
    throw new SubmissionError('bad-public-key', 'publicKey is a private key: send the public key');
  }
  if (!PUBLIC_KEY_PEM.test(text)) {
    throw new SubmissionError('bad-public-key', 'publicKey must be one PEM "PUBLIC KEY" block');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch (cause) {
    throw new SubmissionError('bad-public-key', 'publicKey is not a valid SPKI public key', {
      cause,
    });
  }
  const type = signerKeyType(key);
  return Object.freeze({
    key,
    type,
    pem: key.export({ type: 'spki', format: 'pem' }) as string,
    identity: keyIdentity(key.export({ type: 'spki', format: 'der' })),
  });
}

/** Whether the hint names this key (an empty or absent hint names any key). */
export function hintNames(signer: SignerKey, hint: string | undefined): boolean {
  return (
    hint === undefined || hint === '' || hint === signer.identity || hint === sha256Hex(signer.pem)
  );
}

/**
 * A bundle's `publicKey.hint` must name the given key, or be empty. Two spellings are accepted:
 * ours (the key identity) and OpenSSF Model Signing's (hex SHA-256 of the PEM text, final newline
 * included).
 */
export function checkHint(signer: SignerKey, hint: string | undefined): void {
  if (hintNames(signer, hint)) return;
  throw new SubmissionError(
    'hint-mismatch',
    `bundle key hint ${JSON.stringify(hint)} does not name the given public key (${signer.identity})`,
  );
}
