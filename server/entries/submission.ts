// Everything the log checks before it appends an attestation (DESIGN.md section 4): the request
// shape, the Sigstore bundle, the DSSE envelope, the signer's key or certificate, the signature,
// the in-toto statement and its predicate. The result carries the leaf (the canonical Rekor dsse
// body) and what the storage indexes.
//
// The bundle is read here rather than with @sigstore/bundle's bundleFromJSON: that one decodes
// base64 leniently, reports every failure as one "invalid bundle", and refuses v0.3 bundles with
// an x509CertificateChain, which OpenSSF Model Signing v1.0 writes. Tlog entries and timestamps in
// the bundle are ignored: a bundle is usually submitted before it has any.
import {
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
} from '@sigstore/bundle';
import { fromBase64, utf8 } from '../log/encoding.ts';
import { type CertificateIdentity, parseCertificateChain } from './certificate.ts';
import { type DsseEnvelopeJson, envelopeJson, parseEnvelope, verifyEnvelope } from './dsse.ts';
import { isObject } from './is-object.ts';
import { rekorDsseBody } from './rekor-dsse-body.ts';
import { checkHint, hintNames, parsePublicKeyPem } from './signer-key.ts';
import { type CheckedStatement, parseStatement } from './statement.ts';
import { SubmissionError } from './submission-error.ts';

export const MAX_PAYLOAD_BYTES = 1024 * 1024;
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

const MEDIA_TYPES = new Set([
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
]);

export type CheckedVerifier =
  | { kind: 'publicKey'; pem: string; identity: string }
  | { kind: 'certificate'; pemChain: string[]; identity: CertificateIdentity };

export interface CheckedSubmission {
  /** The canonical Rekor dsse 0.0.1 body: the bytes the log appends. */
  leaf: Uint8Array;
  envelope: DsseEnvelopeJson;
  /** The envelope's canonical JSON (JCS), whose SHA-256 is the body's envelopeHash. */
  envelopeBytes: Uint8Array;
  verifier: CheckedVerifier;
  statement: CheckedStatement;
  /** Signer identities to index: the key identity, or the certificate's SAN. */
  identities: string[];
}

type Material =
  | { kind: 'publicKey'; hint: string | undefined }
  | { kind: 'certificates'; ders: Uint8Array[] };

function readEnvelopeValue(bundle: Record<string, unknown>): unknown {
  if (typeof bundle.mediaType !== 'string') {
    throw new SubmissionError('bad-bundle', 'bundle.mediaType must be a string');
  }
  if (!MEDIA_TYPES.has(bundle.mediaType)) {
    throw new SubmissionError(
      'unsupported-bundle-version',
      `bundle.mediaType ${JSON.stringify(bundle.mediaType)} is not a Sigstore bundle v0.2 or v0.3`,
    );
  }
  if (bundle.messageSignature !== undefined) {
    throw new SubmissionError(
      'unsupported-bundle-content',
      'the log takes DSSE envelopes only, not messageSignature bundles',
    );
  }
  if (bundle.dsseEnvelope === undefined) {
    throw new SubmissionError('missing-envelope', 'bundle.dsseEnvelope is missing');
  }
  return bundle.dsseEnvelope;
}

function certificateDer(value: unknown, at: string): Uint8Array {
  const bytes = isObject(value) && typeof value.rawBytes === 'string' && fromBase64(value.rawBytes);
  if (!bytes) {
    throw new SubmissionError('bad-certificate', `${at}.rawBytes must be base64 DER`);
  }
  return bytes;
}

function readMaterial(value: unknown): Material {
  if (value === undefined) {
    throw new SubmissionError(
      'missing-verification-material',
      'bundle.verificationMaterial is missing',
    );
  }
  if (!isObject(value)) {
    throw new SubmissionError('bad-bundle', 'bundle.verificationMaterial must be an object');
  }
  const { publicKey, certificate, x509CertificateChain } = value;
  const given = [publicKey, certificate, x509CertificateChain].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw new SubmissionError(
      given.length === 0 ? 'missing-verification-material' : 'bad-bundle',
      'bundle.verificationMaterial needs exactly one of publicKey, certificate, x509CertificateChain',
    );
  }
  if (publicKey !== undefined) {
    // null is proto3 JSON for an unset hint.
    const hint = isObject(publicKey) ? (publicKey.hint ?? undefined) : null;
    if (hint !== undefined && typeof hint !== 'string') {
      throw new SubmissionError(
        'bad-bundle',
        'verificationMaterial.publicKey.hint must be a string',
      );
    }
    return { kind: 'publicKey', hint };
  }
  if (certificate !== undefined) {
    return {
      kind: 'certificates',
      ders: [certificateDer(certificate, 'verificationMaterial.certificate')],
    };
  }
  // Sigstore reserves x509CertificateChain for v0.2 bundles, but OMS v1.0 writes it in v0.3 ones.
  const chain = isObject(x509CertificateChain) ? x509CertificateChain.certificates : undefined;
  if (!Array.isArray(chain)) {
    throw new SubmissionError(
      'bad-certificate-chain',
      'verificationMaterial.x509CertificateChain.certificates must be an array',
    );
  }
  return {
    kind: 'certificates',
    ders: chain.map((cert, i) =>
      certificateDer(cert, `verificationMaterial.x509CertificateChain.certificates[${i}]`),
    ),
  };
}

/**
 * A certificate's SAN is indexed beside key fingerprints: one that looks like a fingerprint
 * would let any self-made certificate be found as that key's signer.
 */
export function certificateIdentity(identity: CertificateIdentity): string {
  if (/^sha256:/i.test(identity.san)) {
    throw new SubmissionError(
      'bad-certificate',
      `the certificate's subject alternative name "${identity.san}" looks like a key fingerprint`,
    );
  }
  return identity.san;
}

export async function checkSubmission(body: unknown): Promise<CheckedSubmission> {
  if (!isObject(body)) {
    throw new SubmissionError('bad-request', 'the request must be a JSON object');
  }
  const { bundle, publicKey } = body;
  if (bundle === undefined) {
    throw new SubmissionError('missing-bundle', 'the request has no bundle');
  }
  if (!isObject(bundle)) throw new SubmissionError('bad-bundle', 'bundle must be a JSON object');
  if (publicKey !== undefined && typeof publicKey !== 'string') {
    throw new SubmissionError('bad-request', 'publicKey must be a PEM string');
  }

  const envelope = parseEnvelope(readEnvelopeValue(bundle), MAX_PAYLOAD_BYTES);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new SubmissionError(
      'unsupported-payload-type',
      `payloadType must be ${IN_TOTO_PAYLOAD_TYPE}, not ${JSON.stringify(envelope.payloadType)}`,
    );
  }

  const material = readMaterial(bundle.verificationMaterial);
  let verifier: CheckedVerifier;
  let verifierPem: string;
  if (material.kind === 'publicKey') {
    if (publicKey === undefined) {
      throw new SubmissionError(
        'missing-public-key',
        'the bundle carries a key hint only: send the PEM public key as publicKey',
      );
    }
    const signer = parsePublicKeyPem(publicKey);
    // Signature first, so the code says what is wrong: a signature that fails with a key the
    // hint does not name means the wrong key was sent; one that verifies under a hint naming
    // another key means a wrong hint; one that fails under a matching hint, a changed payload.
    try {
      await verifyEnvelope(envelope, signer.key, signer.type);
    } catch (error) {
      if (error instanceof SubmissionError && !hintNames(signer, material.hint)) {
        throw new SubmissionError(
          'wrong-key',
          `the signature was not made with the given public key (${signer.identity}), and the bundle's key hint names another key`,
        );
      }
      throw error;
    }
    checkHint(signer, material.hint);
    verifier = { kind: 'publicKey', pem: signer.pem, identity: signer.identity };
    verifierPem = signer.pem;
  } else {
    if (publicKey !== undefined) {
      throw new SubmissionError(
        'unexpected-public-key',
        'the bundle carries a certificate: publicKey must not be sent',
      );
    }
    const chain = parseCertificateChain(material.ders);
    await verifyEnvelope(envelope, chain.leaf.publicKey, chain.type);
    if (chain.identity === undefined) {
      throw new SubmissionError(
        'certificate-without-identity',
        'the leaf certificate has no email or URI subject alternative name',
      );
    }
    verifier = { kind: 'certificate', pemChain: chain.pemChain, identity: chain.identity };
    verifierPem = chain.pemChain[0];
  }

  const statement = parseStatement(envelope.payload);
  const envelopeObject = envelopeJson(envelope);
  // envelopeJson spells its keys in sorted order and holds only strings: JSON.stringify of it is
  // already the RFC 8785 canonical form (test/submission.test.ts checks it against canonicalize).
  const envelopeBytes = utf8(JSON.stringify(envelopeObject));
  const leaf = rekorDsseBody({
    envelopeBytes,
    payload: envelope.payload,
    signature: envelope.signature.sig,
    verifierPem,
  });
  return {
    leaf,
    envelope: envelopeObject,
    envelopeBytes,
    verifier,
    statement,
    identities: [
      verifier.kind === 'publicKey' ? verifier.identity : certificateIdentity(verifier.identity),
    ],
  };
}
