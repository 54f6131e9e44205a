// Rekor v1 proposed entries (POST /api/v1/log/entries), as sigstore-js's RekorWitness and cosign
// send them: `dsse` 0.0.1 (an envelope as a JSON string, with the signer's PEM key or certificate)
// and `hashedrekord` 0.0.1 (a signature over a digest). The signature is verified before anything
// is logged, and the leaf is the canonical body Rekor v1 would store: for `dsse`, envelopeHash is
// SHA-256 of the envelope string exactly as sent, as Rekor computes it.
import canonicalize from 'canonicalize';
import { fromUtf8, toBase64, utf8 } from '../log/encoding.ts';
import { verifyDigestSignature } from './digest-signature.ts';
import { parseEnvelope, verifyEnvelope } from './dsse.ts';
import { rekorDsseBody } from './rekor-dsse-body.ts';
import { type CheckedRekorEntry, statementRecord } from './rekor-entry.ts';
import { badEntry, base64Field, objectField } from './rekor-fields.ts';
import { type RekorSigner, rekorSignerFromPem } from './rekor-signer.ts';
import { MAX_PAYLOAD_BYTES } from './submission.ts';
import { SubmissionError } from './submission-error.ts';

/** Hex digest lengths Rekor v1's hashedrekord takes. */
const DIGEST_HEX_LENGTHS = new Map<unknown, number>([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

function pemSigner(value: unknown, at: string): RekorSigner {
  const pem = fromUtf8(base64Field(value, at));
  if (pem === undefined) throw new SubmissionError('bad-public-key', `${at} is not PEM text`);
  return rekorSignerFromPem(pem);
}

async function checkDsse(spec: Record<string, unknown>): Promise<CheckedRekorEntry> {
  const content = objectField(spec.proposedContent, 'spec.proposedContent');
  if (typeof content.envelope !== 'string') {
    throw badEntry('spec.proposedContent.envelope must be the envelope as a JSON string');
  }
  const { verifiers } = content;
  if (!Array.isArray(verifiers) || verifiers.length !== 1) {
    throw badEntry('spec.proposedContent.verifiers must hold exactly one key or certificate');
  }
  let envelopeValue: unknown;
  try {
    envelopeValue = JSON.parse(content.envelope);
  } catch {
    throw new SubmissionError('bad-envelope', 'spec.proposedContent.envelope is not JSON');
  }
  const envelope = parseEnvelope(envelopeValue, MAX_PAYLOAD_BYTES);
  const signer = pemSigner(verifiers[0], 'spec.proposedContent.verifiers[0]');
  await verifyEnvelope(envelope, signer.key, signer.type);
  const envelopeBytes = utf8(content.envelope);
  return {
    kind: 'dsse',
    leaf: rekorDsseBody({
      envelopeBytes,
      payload: envelope.payload,
      signature: envelope.signature.sig,
      verifierPem: signer.pem,
    }),
    record: statementRecord(envelope.payloadType, envelope.payload, envelopeBytes, signer),
  };
}

function checkHashedRekord(spec: Record<string, unknown>): CheckedRekorEntry {
  const hash = objectField(objectField(spec.data, 'spec.data').hash, 'spec.data.hash');
  const { algorithm, value } = hash;
  const length = DIGEST_HEX_LENGTHS.get(algorithm);
  if (length === undefined) {
    throw new SubmissionError(
      'bad-digest',
      'spec.data.hash.algorithm must be sha256, sha384 or sha512',
    );
  }
  if (typeof value !== 'string' || !new RegExp(`^[0-9a-f]{${length}}$`).test(value)) {
    throw new SubmissionError(
      'bad-digest',
      `spec.data.hash.value must be ${length} lowercase hex digits`,
    );
  }
  const signature = objectField(spec.signature, 'spec.signature');
  const sig = base64Field(signature.content, 'spec.signature.content');
  const signer = pemSigner(
    objectField(signature.publicKey, 'spec.signature.publicKey').content,
    'spec.signature.publicKey.content',
  );
  verifyDigestSignature(signer.key, signer.type, Buffer.from(value, 'hex'), sig);
  const body = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm, value } },
      signature: { content: toBase64(sig), publicKey: { content: toBase64(utf8(signer.pem)) } },
    },
  };
  return { kind: 'hashedrekord', leaf: utf8(canonicalize(body) as string) };
}

export async function checkRekorV1Entry(body: unknown): Promise<CheckedRekorEntry> {
  const entry = objectField(body, 'the proposed entry');
  const { apiVersion, kind } = entry;
  if (apiVersion !== '0.0.1' || (kind !== 'dsse' && kind !== 'hashedrekord')) {
    throw new SubmissionError(
      'unsupported-entry-kind',
      `this log takes dsse and hashedrekord entries of version 0.0.1 here, not ${JSON.stringify(kind)} ${JSON.stringify(apiVersion)}`,
    );
  }
  const spec = objectField(entry.spec, 'spec');
  return kind === 'dsse' ? checkDsse(spec) : checkHashedRekord(spec);
}
