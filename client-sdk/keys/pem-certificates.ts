// X.509 certificates from PEM text: a file may hold several (a CA bundle, a chain).
import { X509Certificate } from 'node:crypto';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

/** Every certificate in `text`, in order; undefined when there is none or one does not parse. */
export function readPemCertificates(text: string): X509Certificate[] | undefined {
  const blocks = text.match(CERTIFICATE_BLOCK);
  if (blocks === null) return undefined;
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch {
    return undefined;
  }
}
