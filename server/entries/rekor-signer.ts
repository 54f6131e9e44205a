// The signer of a Rekor-API submission: a public key or a certificate, sent as PEM text (Rekor v1)
// or DER bytes (Rekor v2). Rekor takes the leaf certificate's key without judging its CA, as the
// log does for bundles; a certificate must still name an identity.
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { fromBase64 } from '../log/encoding.ts';
import { parseCertificateChain } from './certificate.ts';
import { parsePublicKeyPem, type SignerKeyType } from './signer-key.ts';
import { type CheckedVerifier, certificateIdentity } from './submission.ts';
import { SubmissionError } from './submission-error.ts';

export interface RekorSigner {
  key: KeyObject;
  type: SignerKeyType;
  /** PEM of the SPKI or of the leaf certificate: the verifier of a Rekor v1 body. */
  pem: string;
  /** DER of the SPKI or of the leaf certificate: the verifier of a Rekor v2 body. */
  der: Uint8Array;
  isCertificate: boolean;
  verifier: CheckedVerifier;
  /** What search finds the signer by: the key fingerprint or the certificate's SAN. */
  identity: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----/g;

function fromCertificates(ders: Uint8Array[]): RekorSigner {
  const chain = parseCertificateChain(ders);
  if (chain.identity === undefined) {
    throw new SubmissionError(
      'certificate-without-identity',
      'the leaf certificate has no email or URI subject alternative name',
    );
  }
  return {
    key: chain.leaf.publicKey,
    type: chain.type,
    pem: chain.pemChain[0],
    der: new Uint8Array(chain.leaf.raw),
    isCertificate: true,
    verifier: { kind: 'certificate', pemChain: chain.pemChain, identity: chain.identity },
    identity: certificateIdentity(chain.identity),
  };
}

function fromPublicKeyPem(pem: string): RekorSigner {
  const signer = parsePublicKeyPem(pem);
  return {
    key: signer.key,
    type: signer.type,
    pem: signer.pem,
    der: new Uint8Array(signer.key.export({ type: 'spki', format: 'der' })),
    isCertificate: false,
    verifier: { kind: 'publicKey', pem: signer.pem, identity: signer.identity },
    identity: signer.identity,
  };
}

/** A PEM public key or a PEM leaf certificate. */
export function rekorSignerFromPem(text: string): RekorSigner {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length > 0 && blocks.every((block) => block[1] === 'CERTIFICATE')) {
    // Rekor keeps a verifier's whole chain; sigstore-js and cosign send the leaf alone.
    if (blocks.length > 1) {
      throw new SubmissionError(
        'bad-certificate-chain',
        'the verifier holds one certificate, the leaf: the log does not judge its issuers',
      );
    }
    return fromCertificates(
      blocks.map((block, i) => {
        const der = fromBase64(block[2].replace(/\s+/g, ''));
        if (der === undefined) {
          throw new SubmissionError('bad-certificate', `PEM certificate ${i} is not base64`);
        }
        return der;
      }),
    );
  }
  return fromPublicKeyPem(text);
}

/**
 * DER bytes of a certificate or of an SPKI public key. sigstore-js's Rekor v2 client sends a
 * public key in the `x509Certificate` field, so the bytes decide, not the field they came in.
 */
export function rekorSignerFromDer(der: Uint8Array): RekorSigner {
  let isCertificate = true;
  try {
    new X509Certificate(der);
  } catch {
    isCertificate = false;
  }
  if (isCertificate) return fromCertificates([der]);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new SubmissionError(
      'bad-public-key',
      'the verifier is neither a DER certificate nor a DER SPKI public key',
      { cause },
    );
  }
  return fromPublicKeyPem(key.export({ type: 'spki', format: 'pem' }) as string);
}
