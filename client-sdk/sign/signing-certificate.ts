// The certificate method (OMS §4.1): the bundle carries the leaf certificate of the signing key
// followed by the CA certificates that chain it to a root, each as DER, in
// verificationMaterial.x509CertificateChain, as model_signing's certificate signer writes it.
import { parseCertificateChain } from '../../server/entries/certificate.ts';
import { toBase64 } from '../../server/log/encoding.ts';
import { readPemCertificates } from '../keys/pem-certificates.ts';
import { SignError } from './errors.ts';
import type { SigningKey } from './signing-key.ts';

export interface SigningCertificate {
  leafPem: string;
  /** Leaf first. */
  ders: Uint8Array[];
}

export function loadSigningCertificate(
  leafPem: string,
  chainPems: string[],
  key: SigningKey,
): SigningCertificate {
  const leaf = readPemCertificates(leafPem);
  if (leaf?.length !== 1) {
    throw new SignError('bad-certificate', 'the signing certificate must be one PEM certificate');
  }
  const chain = chainPems.map((pem, i) => {
    const certificates = readPemCertificates(pem);
    if (certificates === undefined) {
      throw new SignError(
        'bad-certificate',
        `certificate chain file ${i + 1} holds no readable PEM certificate`,
      );
    }
    return certificates;
  });
  const ders = [leaf[0], ...chain.flat()].map((cert) => new Uint8Array(cert.raw));
  try {
    // Each certificate must be issued by the next: verifiers rebuild the path in this order.
    parseCertificateChain(ders);
  } catch (cause) {
    throw new SignError(
      'bad-certificate',
      `the certificate chain does not hang together (${(cause as Error).message}): give the chain leaf first, then each issuer`,
      { cause },
    );
  }
  const certified = leaf[0].publicKey.export({ type: 'spki', format: 'der' });
  if (!certified.equals(key.publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new SignError(
      'certificate-key-mismatch',
      'the signing certificate certifies another key than the private key given',
    );
  }
  return { leafPem: leaf[0].toString(), ders };
}

/** What model_signing's certificate signer puts in the verification material. */
export function certificateChainMaterial(certificate: SigningCertificate) {
  return {
    x509CertificateChain: {
      certificates: certificate.ders.map((der) => ({ rawBytes: toBase64(der) })),
    },
  };
}
