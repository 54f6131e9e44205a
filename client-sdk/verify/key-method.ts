// The key method (OMS 4.1, 8.2): the bundle names its key by a hint (or, before model_signing
// 1.1.0, carries the key itself in rawBytes); the verifier brings the key.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { hintNames, parsePublicKeyPem, type SignerKey } from '../../server/entries/signer-key.ts';
import { SubmissionError } from '../../server/entries/submission-error.ts';
import { fromUtf8 } from '../../server/log/encoding.ts';
import { omsKeyHint, omsKeyType } from '../keys/oms-key.ts';
import { pemPublicKeyBlock } from '../keys/pem-public-key.ts';
import { verifyDsseSignature } from './dsse-signature.ts';
import { VerifyError } from './errors.ts';
import type { OmsBundle } from './read-bundle.ts';
import type { VerifiedSignature } from './verified-signer.ts';

function readKey(text: string): SignerKey {
  const block = pemPublicKeyBlock(text);
  if (block === undefined) {
    throw new VerifyError(
      'bad-options',
      "no PEM public key (-----BEGIN PUBLIC KEY-----) in the key given: pass the signer's public key",
    );
  }
  try {
    return parsePublicKeyPem(block);
  } catch (cause) {
    const unsupported = cause instanceof SubmissionError && cause.code === 'unsupported-key-type';
    throw new VerifyError(
      unsupported ? 'unsupported-key-type' : 'bad-options',
      unsupported
        ? `${(cause as Error).message}; OpenSSF Model Signing keys are ECDSA P-256, P-384 or P-521`
        : `the public key is not usable: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** The key a pre-1.1.0 bundle carries: the PEM text (model_signing) or DER SPKI (Sigstore). */
function embeddedKey(rawBytes: Uint8Array): KeyObject {
  const pem = fromUtf8(rawBytes);
  try {
    return pem?.includes('-----BEGIN')
      ? createPublicKey({ key: pem, format: 'pem' })
      : createPublicKey({ key: Buffer.from(rawBytes), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new VerifyError('bad-bundle', 'verificationMaterial.publicKey.rawBytes is not a key', {
      cause,
    });
  }
}

const sameKey = (a: KeyObject, b: KeyObject) =>
  a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));

export async function verifyKeyBundle(
  bundle: OmsBundle,
  publicKeyPem: string,
): Promise<VerifiedSignature> {
  const signer = readKey(publicKeyPem);
  const type = omsKeyType(signer.key);
  if (type === undefined) {
    throw new VerifyError(
      'unsupported-key-type',
      `OpenSSF Model Signing keys are ECDSA P-256, P-384 or P-521, not ${signer.type}`,
    );
  }
  const { material } = bundle;
  if (material.kind !== 'publicKey') {
    throw new VerifyError(
      'method-mismatch',
      'the bundle was signed with a certificate, not a bare key: verify it with the certificate chain (certificate method) or the signer identity (keyless)',
    );
  }
  const legacy: string[] = [];
  const named =
    material.rawBytes === undefined || sameKey(embeddedKey(material.rawBytes), signer.key);
  if (material.rawBytes !== undefined) legacy.push('publicKey.rawBytes instead of a key hint');
  if (!named || !hintNames(signer, material.hint)) {
    throw new VerifyError(
      'wrong-key',
      `the bundle was signed with another key than the one given (${signer.identity}): check that you have the signer's public key`,
    );
  }
  const encoding = await verifyDsseSignature(bundle.envelope, signer.key, type);
  if (encoding === undefined) {
    throw new VerifyError(
      'signature-invalid',
      'the signature does not verify with the given key: the bundle was changed after signing, or made with another key',
    );
  }
  if (encoding === 'model-signing-0.2') legacy.push('model_signing 0.2 signature encoding');
  return {
    signer: { method: 'key', keyHint: omsKeyHint(signer.key), keyIdentity: signer.identity },
    publicKey: signer.pem,
    legacy,
  };
}
