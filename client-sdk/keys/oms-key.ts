// OpenSSF Model Signing keys: ECDSA on P-256, P-384 or P-521, each signing with the digest its
// curve calls for (model_signing's get_ec_key_hash), and named in a bundle by a hint, the hex
// SHA-256 of the SPKI PEM text as Python's cryptography writes it (final newline included; Node's
// PEM export is byte for byte the same).
import { createHash, type KeyObject } from 'node:crypto';
import { type SignerKeyType, signerKeyType } from '../../server/entries/signer-key.ts';

export type OmsKeyType = Exclude<SignerKeyType, 'ed25519'>;

const DIGESTS: Record<OmsKeyType, string> = {
  'ecdsa-p256': 'sha256',
  'ecdsa-p384': 'sha384',
  'ecdsa-p521': 'sha512',
};

/** The OMS type of a key, or undefined for a key OMS does not sign with (Ed25519, RSA, ...). */
export function omsKeyType(key: KeyObject): OmsKeyType | undefined {
  let type: SignerKeyType;
  try {
    type = signerKeyType(key);
  } catch {
    return undefined;
  }
  return type === 'ed25519' ? undefined : type;
}

export function omsDigest(type: OmsKeyType): string {
  return DIGESTS[type];
}

/** `verificationMaterial.publicKey.hint` for a public key. */
export function omsKeyHint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'pem' }))
    .digest('hex');
}
