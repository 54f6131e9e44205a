// A signer certificate (and its chain) carried in a bundle. The log does not decide whether the CA
// is trusted, which is the verifier's policy; it checks that the chain hangs together, takes the
// signing key from the leaf, and reads the identity the way @sigstore/verify does.
import { type KeyObject, X509Certificate as NodeCertificate } from 'node:crypto';
import { X509Certificate as SigstoreCertificate } from '@sigstore/core';
import { type SignerKeyType, signerKeyType } from './signer-key.ts';
import { SubmissionError } from './submission-error.ts';

export interface CertificateIdentity {
  /** The URI or email subject alternative name. */
  san: string;
  /** The Fulcio OIDC issuer extension, when the certificate has one. */
  issuer?: string;
}

export interface CertificateChain {
  leaf: NodeCertificate;
  type: SignerKeyType;
  /** PEM of each certificate, leaf first. */
  pemChain: string[];
  /** Undefined when the leaf names no URI or email (checked after the signature). */
  identity: CertificateIdentity | undefined;
}

const MAX_CHAIN_LENGTH = 10;
const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

function parseOne(der: Uint8Array, position: string): NodeCertificate {
  try {
    const cert = new NodeCertificate(der);
    // Node also parses PEM; only DER that re-encodes to the same bytes is accepted.
    if (!cert.raw.equals(der)) throw new Error('not DER');
    return cert;
  } catch (cause) {
    throw new SubmissionError('bad-certificate', `${position} is not a DER X.509 certificate`, {
      cause,
    });
  }
}

function readIdentity(der: Uint8Array): CertificateIdentity | undefined {
  let san: string | undefined;
  let issuer: string | undefined;
  try {
    const cert = SigstoreCertificate.parse(Buffer.from(der));
    san = cert.subjectAltName;
    const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
    // v2 holds a DER UTF8String; the legacy v1 holds the bare string.
    issuer = v2
      ? v2.valueObj.subs[0]?.value.toString('utf8')
      : cert.extension(OID_FULCIO_ISSUER_V1)?.value.toString('utf8');
  } catch (cause) {
    throw new SubmissionError('bad-certificate', 'certificate extensions cannot be read', {
      cause,
    });
  }
  if (!san) return undefined;
  return issuer ? { san, issuer } : { san };
}

/** Node throws a plain Error for a key algorithm OpenSSL does not know: that is bad input. */
function publicKeyOf(cert: NodeCertificate, which: string): KeyObject {
  try {
    return cert.publicKey;
  } catch (cause) {
    throw new SubmissionError(
      'unsupported-key-type',
      `${which} holds a public key of an unknown algorithm`,
      {
        cause,
      },
    );
  }
}

/** Parses the leaf and the rest of the chain, and checks that each certificate is issued by the next. */
export function parseCertificateChain(ders: Uint8Array[]): CertificateChain {
  if (ders.length === 0 || ders.length > MAX_CHAIN_LENGTH) {
    throw new SubmissionError(
      'bad-certificate-chain',
      `a certificate chain holds 1 to ${MAX_CHAIN_LENGTH} certificates, not ${ders.length}`,
    );
  }
  const certs = ders.map((der, i) => parseOne(der, i === 0 ? 'the leaf' : `certificate ${i}`));
  for (let i = 0; i + 1 < certs.length; i++) {
    const issuer = certs[i + 1];
    if (
      !certs[i].checkIssued(issuer) ||
      !certs[i].verify(publicKeyOf(issuer, `certificate ${i + 1}`))
    ) {
      throw new SubmissionError(
        'bad-certificate-chain',
        `certificate ${i} is not issued and signed by certificate ${i + 1}`,
      );
    }
  }
  const leaf = certs[0];
  return {
    leaf,
    type: signerKeyType(publicKeyOf(leaf, 'the leaf')),
    pemChain: certs.map((cert) => cert.toString()),
    identity: readIdentity(ders[0]),
  };
}
