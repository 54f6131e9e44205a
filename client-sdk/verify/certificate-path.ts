// X.509 path validation for the certificate method (OMS 8.2): from the leaf, through the
// intermediate CAs the bundle carries, to a certificate the verifier trusts; every certificate on
// the path valid at the verification time. The leaf must allow signing (model_signing: key usage
// digitalSignature or extended key usage codeSigning).
import type { X509Certificate } from 'node:crypto';
import { X509Certificate as SigstoreCertificate } from '@sigstore/core';
import { VerifyError } from './errors.ts';

const MAX_PATH_LENGTH = 10;
const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

// OpenSSL's check that `issuer` issued `cert` fails when it cannot load the issuer's key, so
// publicKey, which would throw then, is only read for a key that loads.
const issued = (issuer: X509Certificate, cert: X509Certificate) =>
  cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/** Leaf first, trust anchor last; throws untrusted-ca when no path reaches an anchor. */
function buildPath(
  leaf: X509Certificate,
  intermediates: X509Certificate[],
  anchors: X509Certificate[],
): X509Certificate[] {
  const path = [leaf];
  while (path.length <= MAX_PATH_LENGTH) {
    const current = path[path.length - 1];
    if (anchors.some((anchor) => anchor.raw.equals(current.raw))) return path;
    const next =
      anchors.find((anchor) => anchor.ca && issued(anchor, current)) ??
      intermediates.find((ca) => ca.ca && !path.includes(ca) && issued(ca, current));
    if (next === undefined) break;
    path.push(next);
  }
  throw new VerifyError(
    'untrusted-ca',
    `the signing certificate (${leaf.subject}, issued by ${leaf.issuer}) does not chain to a trusted CA: pass the root CA certificate that issued it`,
  );
}

function checkValidity(path: X509Certificate[], at: Date): void {
  for (const [i, cert] of path.entries()) {
    const which = i === 0 ? 'signing certificate' : 'CA certificate';
    if (at > cert.validToDate) {
      throw new VerifyError(
        'certificate-expired',
        `the ${which} ${cert.subject} expired on ${cert.validToDate.toISOString()}`,
      );
    }
    if (at < cert.validFromDate) {
      throw new VerifyError(
        'certificate-not-yet-valid',
        `the ${which} ${cert.subject} is not valid before ${cert.validFromDate.toISOString()}`,
      );
    }
  }
}

function checkSigningUsage(leaf: X509Certificate): void {
  const usage = SigstoreCertificate.parse(leaf.raw).extKeyUsage;
  if (usage?.digitalSignature || leaf.keyUsage?.includes(CODE_SIGNING)) return;
  throw new VerifyError(
    'certificate-not-for-signing',
    `the signing certificate ${leaf.subject} allows neither digital signatures (key usage) nor code signing (extended key usage)`,
  );
}

/** The validated path, leaf first. */
export function validateCertificatePath(
  chain: X509Certificate[],
  anchors: X509Certificate[],
  at: Date,
): X509Certificate[] {
  const path = buildPath(chain[0], chain.slice(1), anchors);
  checkValidity(path, at);
  checkSigningUsage(chain[0]);
  return path;
}
