// The signer for the key and certificate methods: an ECDSA private key from PEM, signing the DSSE
// pre-authentication encoding with its curve's digest, as @sigstore/sign's DSSEBundleBuilder asks.
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import type { Signer } from '@sigstore/sign';
import { type OmsKeyType, omsDigest, omsKeyHint, omsKeyType } from '../keys/oms-key.ts';
import { SignError } from './errors.ts';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  type: OmsKeyType;
  /** SPKI PEM of the public key. */
  publicKeyPem: string;
}

export function loadSigningKey(pem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new SignError(
      'bad-private-key',
      'the private key is not an unencrypted PEM private key (PKCS #8 or SEC 1)',
      { cause },
    );
  }
  const publicKey = createPublicKey(privateKey);
  const type = omsKeyType(publicKey);
  if (type === undefined) {
    throw new SignError(
      'unsupported-key-type',
      `OpenSSF Model Signing needs an ECDSA P-256, P-384 or P-521 key, not ${privateKey.asymmetricKeyType}${privateKey.asymmetricKeyDetails?.namedCurve ? ` ${privateKey.asymmetricKeyDetails.namedCurve}` : ''}: make one with \`attestry keygen --type ecdsa-p256\``,
    );
  }
  return {
    privateKey,
    publicKey,
    type,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/**
 * A @sigstore/sign Signer. Without a certificate the bundle names the key by its OMS hint;
 * with one it carries the certificate (the caller then replaces it with the whole chain).
 */
export function keySigner(key: SigningKey, certificatePem?: string): Signer {
  const digest = omsDigest(key.type);
  return {
    sign: async (data) => ({
      signature: sign(digest, data, key.privateKey),
      key:
        certificatePem === undefined
          ? { $case: 'publicKey', publicKey: key.publicKeyPem, hint: omsKeyHint(key.publicKey) }
          : { $case: 'x509Certificate', certificate: certificatePem },
    }),
  };
}
