// Who signed a bundle, as each verification method establishes it.
export type VerifiedSigner =
  | {
      method: 'key';
      /** OMS hint of the key: hex SHA-256 of its SPKI PEM. */
      keyHint: string;
      /** `sha256:<hex SHA-256 of the DER SPKI>`, the log's identity of the key. */
      keyIdentity: string;
    }
  | {
      method: 'certificate';
      /** The leaf certificate's subject and subject alternative name, when it has one. */
      subject: string;
      subjectAlternativeName: string | undefined;
      /** The trust anchor the chain ends at. */
      trustAnchor: string;
      /** SHA-256 fingerprint of the leaf, colon-separated hex as OpenSSL prints it. */
      fingerprint: string;
    }
  | {
      method: 'sigstore';
      /** The SAN of the Fulcio certificate and its OIDC issuer, as checked. */
      identity: string;
      issuer: string;
    };

export interface VerifiedSignature {
  signer: VerifiedSigner;
  /** Key method: the key as PEM, which a log needs beside a bundle that only hints at it. */
  publicKey?: string;
  /** Old forms the bundle needed to be read (model_signing releases before 1.1.0). */
  legacy: string[];
}
