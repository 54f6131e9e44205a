// Rekor v2 create-entry requests (POST /api/v2/log/entries, protobuf JSON of
// dev.sigstore.rekor.v2.CreateEntryRequest): `dsseRequestV002` and `hashedRekordRequestV002`.
// The leaf is the JSON-canonical dev.sigstore.rekor.v2.Entry body, `dsse` or `hashedrekord` 0.0.2.
import { PublicKeyDetails, publicKeyDetailsFromJSON } from '@sigstore/protobuf-specs';
import canonicalize from 'canonicalize';
import { toBase64, utf8 } from '../log/encoding.ts';
import { sha256 } from '../log/hash.ts';
import { verifyDigestSignature } from './digest-signature.ts';
import { envelopeJson, parseEnvelope, verifyEnvelope } from './dsse.ts';
import { type CheckedRekorEntry, statementRecord } from './rekor-entry.ts';
import { badEntry, base64Field, objectField } from './rekor-fields.ts';
import { type RekorSigner, rekorSignerFromDer } from './rekor-signer.ts';
import type { SignerKeyType } from './signer-key.ts';
import { MAX_PAYLOAD_BYTES } from './submission.ts';
import { SubmissionError } from './submission-error.ts';

// The dev.sigstore.common.v1.PublicKeyDetails a key type may sign under, its default first, with
// the digest each names (Ed25519 signs the message itself). P-384 and P-521 keys also sign
// SHA-256, as sigstore-js signers do.
const KEY_DETAILS: Record<SignerKeyType, [string, string | null][]> = {
  'ecdsa-p256': [['PKIX_ECDSA_P256_SHA_256', 'sha256']],
  'ecdsa-p384': [
    ['PKIX_ECDSA_P384_SHA_384', 'sha384'],
    ['PKIX_ECDSA_P384_SHA_256', 'sha256'],
  ],
  'ecdsa-p521': [
    ['PKIX_ECDSA_P521_SHA_512', 'sha512'],
    ['PKIX_ECDSA_P521_SHA_256', 'sha256'],
  ],
  ed25519: [['PKIX_ED25519', null]],
};

/** The PublicKeyDetails of protobuf JSON (its name or its number); undefined for another value. */
function keyDetailsName(value: unknown): string | undefined {
  try {
    return PublicKeyDetails[publicKeyDetailsFromJSON(value)];
  } catch {
    return undefined;
  }
}

/** An algorithm of dev.sigstore.common.v1.PublicKeyDetails, and the digest it signs. */
type Algorithm = readonly [keyDetails: string, digest: string | null];

interface V2Verifier {
  signer: RekorSigner;
  /** What the signature may be made under: the algorithm the request names, else its key's. */
  algorithms: readonly Algorithm[];
}

/**
 * A dev.sigstore.rekor.v2.Verifier: DER bytes of a public key or certificate, and the algorithm,
 * which must be one of the key's when given (Rekor v2 requires it to match). Protobuf JSON's
 * default (null, 0, UNSPECIFIED) is no algorithm given.
 */
function readVerifier(value: unknown, at: string): V2Verifier {
  const verifier = objectField(value, at);
  const { publicKey, x509Certificate } = verifier;
  if ((publicKey === undefined) === (x509Certificate === undefined)) {
    throw badEntry(`${at} needs exactly one of publicKey and x509Certificate`);
  }
  const field = publicKey === undefined ? 'x509Certificate' : 'publicKey';
  const bytes = objectField(publicKey ?? x509Certificate, `${at}.${field}`).rawBytes;
  const signer = rekorSignerFromDer(base64Field(bytes, `${at}.${field}.rawBytes`));
  const algorithms = KEY_DETAILS[signer.type];
  const named = verifier.keyDetails ?? null;
  const name = named === null ? 'PUBLIC_KEY_DETAILS_UNSPECIFIED' : keyDetailsName(named);
  if (name === 'PUBLIC_KEY_DETAILS_UNSPECIFIED') return { signer, algorithms };
  const algorithm = algorithms.find(([keyDetails]) => keyDetails === name);
  if (algorithm === undefined) {
    throw new SubmissionError(
      'key-details-mismatch',
      `${at}.keyDetails ${JSON.stringify(named).slice(0, 100)} is not an algorithm of its ${field === 'publicKey' ? 'key' : "certificate's key"}: ${algorithms.map(([keyDetails]) => keyDetails).join(' or ')}`,
    );
  }
  return { signer, algorithms: [algorithm] };
}

/** The verifier as the entry body records it: the bytes named by what they are, the algorithm. */
function bodyVerifier(signer: RekorSigner, [keyDetails]: Algorithm) {
  const rawBytes = { rawBytes: toBase64(signer.der) };
  return {
    ...(signer.isCertificate ? { x509Certificate: rawBytes } : { publicKey: rawBytes }),
    keyDetails,
  };
}

function body(kind: string, spec: Record<string, unknown>): Uint8Array {
  return utf8(canonicalize({ apiVersion: '0.0.2', kind, spec }) as string);
}

async function checkDsse(request: Record<string, unknown>): Promise<CheckedRekorEntry> {
  const envelope = parseEnvelope(request.envelope, MAX_PAYLOAD_BYTES);
  const { verifiers } = request;
  if (!Array.isArray(verifiers) || verifiers.length !== 1) {
    throw badEntry('dsseRequestV002.verifiers must hold exactly one key or certificate');
  }
  const { signer, algorithms } = readVerifier(verifiers[0], 'dsseRequestV002.verifiers[0]');
  // The body records the algorithm the signature is made under.
  const digest = await verifyEnvelope(
    envelope,
    signer.key,
    signer.type,
    algorithms.map(([, digest]) => digest),
  );
  const algorithm = algorithms.find(([, candidate]) => candidate === digest) as Algorithm;
  const dsseV002 = {
    payloadHash: { algorithm: 'SHA2_256', digest: toBase64(sha256(envelope.payload)) },
    signatures: [
      { content: toBase64(envelope.signature.sig), verifier: bodyVerifier(signer, algorithm) },
    ],
  };
  // Beside the leaf, the envelope in the same canonical JSON the bundle API stores.
  const envelopeBytes = utf8(JSON.stringify(envelopeJson(envelope)));
  return {
    kind: 'dsse',
    leaf: body('dsse', { dsseV002 }),
    record: statementRecord(envelope.payloadType, envelope.payload, envelopeBytes, signer),
  };
}

function checkHashedRekord(request: Record<string, unknown>): CheckedRekorEntry {
  const digest = base64Field(request.digest, 'hashedRekordRequestV002.digest');
  if (digest.length !== 32) {
    throw new SubmissionError(
      'bad-digest',
      'hashedRekordRequestV002.digest must be a SHA-256 digest',
    );
  }
  const signature = objectField(request.signature, 'hashedRekordRequestV002.signature');
  const sig = base64Field(signature.content, 'hashedRekordRequestV002.signature.content');
  const at = 'hashedRekordRequestV002.signature.verifier';
  const { signer, algorithms } = readVerifier(signature.verifier, at);
  verifyDigestSignature(signer.key, signer.type, digest, sig);
  // The digest is SHA-256: so must the algorithm's be.
  const algorithm = algorithms.find(([, candidate]) => candidate === 'sha256');
  if (algorithm === undefined) {
    throw new SubmissionError(
      'key-details-mismatch',
      `${at}.keyDetails names an algorithm over another digest than the request's SHA-256`,
    );
  }
  const hashedRekordV002 = {
    data: { algorithm: 'SHA2_256', digest: toBase64(digest) },
    signature: { content: toBase64(sig), verifier: bodyVerifier(signer, algorithm) },
  };
  return { kind: 'hashedrekord', leaf: body('hashedrekord', { hashedRekordV002 }) };
}

export async function checkRekorV2Request(value: unknown): Promise<CheckedRekorEntry> {
  const request = objectField(value, 'the request');
  const { dsseRequestV002, hashedRekordRequestV002 } = request;
  if ((dsseRequestV002 === undefined) === (hashedRekordRequestV002 === undefined)) {
    throw new SubmissionError(
      'unsupported-entry-kind',
      'a request holds exactly one of dsseRequestV002 and hashedRekordRequestV002',
    );
  }
  return dsseRequestV002 === undefined
    ? checkHashedRekord(objectField(hashedRekordRequestV002, 'hashedRekordRequestV002'))
    : checkDsse(objectField(dsseRequestV002, 'dsseRequestV002'));
}
