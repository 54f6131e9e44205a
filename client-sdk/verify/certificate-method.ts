// The certificate method (OMS 4.1, 8.2): the bundle carries the leaf certificate and its CA chain;
// the verifier brings the CA certificates it trusts. Time semantics (OMS pitfall P8): the chain is
// checked at the time of verification, as OMS 8.2 asks ("the leaf certificate MUST be within its
// validity period"), not at the leaf's notBefore as model_signing does: nothing in a bare
// certificate bundle attests when it was signed.
import { X509Certificate } from 'node:crypto';
import { type CertificateChain, parseCertificateChain } from '../../server/entries/certificate.ts';
import { SubmissionError } from '../../server/entries/submission-error.ts';
import { readPemCertificates } from '../keys/pem-certificates.ts';
import { validateCertificatePath } from './certificate-path.ts';
import { verifyDsseSignature } from './dsse-signature.ts';
import { VerifyError } from './errors.ts';
import type { OmsBundle } from './read-bundle.ts';
import type { VerifiedSignature } from './verified-signer.ts';

/** The bundle's chain, each certificate issued by the next, as model_signing writes it. */
function readChain(ders: Uint8Array[]): CertificateChain {
  try {
    return parseCertificateChain(ders);
  } catch (cause) {
    const unsupported = cause instanceof SubmissionError && cause.code === 'unsupported-key-type';
    throw new VerifyError(
      unsupported ? 'unsupported-key-type' : 'bad-bundle',
      `the bundle's certificate chain: ${(cause as Error).message}`,
      { cause },
    );
  }
}

export async function verifyCertificateBundle(
  bundle: OmsBundle,
  trustedPem: string,
): Promise<VerifiedSignature> {
  const anchors = readPemCertificates(trustedPem);
  if (anchors === undefined) {
    throw new VerifyError(
      'bad-options',
      'the trusted certificate chain holds no readable PEM certificate',
    );
  }
  const { material } = bundle;
  if (material.kind !== 'x509CertificateChain') {
    throw new VerifyError(
      'method-mismatch',
      material.kind === 'publicKey'
        ? 'the bundle was signed with a bare key, not a certificate: verify it with the public key'
        : 'the bundle carries a keyless (Fulcio) certificate: verify it with the signer identity, issuer and trusted root',
    );
  }
  const chain = readChain(material.certificates);
  const { leaf, type } = chain;
  if (type === 'ed25519') {
    throw new VerifyError(
      'unsupported-key-type',
      'the signing certificate holds an Ed25519 key; OpenSSF Model Signing keys are ECDSA P-256, P-384 or P-521',
    );
  }
  const certificates = chain.pemChain.map((pem) => new X509Certificate(pem));
  const path = validateCertificatePath(certificates, anchors, new Date());
  const encoding = await verifyDsseSignature(bundle.envelope, leaf.publicKey, type);
  if (encoding === undefined) {
    throw new VerifyError(
      'signature-invalid',
      "the signature does not verify with the signing certificate's key: the bundle was changed after signing",
    );
  }
  return {
    signer: {
      method: 'certificate',
      subject: leaf.subject,
      subjectAlternativeName: leaf.subjectAltName,
      trustAnchor: path[path.length - 1].subject,
      fingerprint: leaf.fingerprint256,
    },
    legacy: encoding === 'model-signing-0.2' ? ['model_signing 0.2 signature encoding'] : [],
  };
}
