// What a logged DSSE entry body commits to, in either shape the log writes: Rekor v1 `dsse` 0.0.1
// (hex hashes, the verifier as base64 PEM, the envelope's own hash) and Rekor v2 `dsse` 0.0.2
// (base64 digests, the verifier as DER, no envelope hash). Other kinds commit to no envelope.
import { fromBase64, fromUtf8, toHex } from '../../server/log/encoding.ts';

export interface DsseCommitments {
  /** Lowercase hex SHA-256 of the payload. */
  payloadHash: string;
  /** base64 of the one signature. */
  signature: string;
  /** Lowercase hex of the verifier's DER: an SPKI public key or a certificate. */
  verifier: string;
  /** Lowercase hex SHA-256 of the envelope bytes (v1 only). */
  envelopeHash?: string;
}

const hexOfBase64 = (value: unknown) => {
  const bytes = typeof value === 'string' ? fromBase64(value) : undefined;
  return bytes && toHex(bytes);
};

/** The DER inside base64 PEM text (one block). */
function derOfBase64Pem(value: unknown): string | undefined {
  const pem = typeof value === 'string' ? fromUtf8(fromBase64(value) ?? new Uint8Array()) : '';
  const body = /^-----BEGIN [A-Z ]+-----\n([A-Za-z0-9+/=\n]+)-----END [A-Z ]+-----\n?$/.exec(
    pem ?? '',
  );
  return body ? hexOfBase64(body[1].replaceAll('\n', '')) : undefined;
}

interface V1Spec {
  payloadHash?: { value?: unknown };
  envelopeHash?: { value?: unknown };
  signatures?: { signature?: unknown; verifier?: unknown }[];
}

interface V2Spec {
  dsseV002?: {
    payloadHash?: { digest?: unknown };
    signatures?: {
      content?: unknown;
      verifier?: { publicKey?: { rawBytes?: unknown }; x509Certificate?: { rawBytes?: unknown } };
    }[];
  };
}

function v1(spec: V1Spec): DsseCommitments | undefined {
  // Not destructuring: a body whose signatures are not an array must not throw a TypeError.
  const first = Array.isArray(spec.signatures) ? spec.signatures[0] : undefined;
  const { value: payloadHash } = spec.payloadHash ?? {};
  const { value: envelopeHash } = spec.envelopeHash ?? {};
  const verifier = derOfBase64Pem(first?.verifier);
  if (
    typeof payloadHash !== 'string' ||
    typeof first?.signature !== 'string' ||
    typeof envelopeHash !== 'string' ||
    verifier === undefined
  ) {
    return undefined;
  }
  return { payloadHash, signature: first.signature, verifier, envelopeHash };
}

function v2(spec: V2Spec): DsseCommitments | undefined {
  const signatures = spec.dsseV002?.signatures;
  const first = Array.isArray(signatures) ? signatures[0] : undefined;
  const payloadHash = hexOfBase64(spec.dsseV002?.payloadHash?.digest);
  const key = first?.verifier?.publicKey ?? first?.verifier?.x509Certificate;
  const verifier = hexOfBase64(key?.rawBytes);
  if (payloadHash === undefined || typeof first?.content !== 'string' || verifier === undefined) {
    return undefined;
  }
  return { payloadHash, signature: first.content, verifier };
}

export function dsseCommitments(body: Uint8Array): DsseCommitments | undefined {
  let parsed: { apiVersion?: unknown; kind?: unknown; spec?: unknown };
  try {
    parsed = JSON.parse(fromUtf8(body) ?? '');
  } catch {
    return undefined;
  }
  if (parsed?.kind !== 'dsse' || typeof parsed.spec !== 'object' || parsed.spec === null) {
    return undefined;
  }
  if (parsed.apiVersion === '0.0.1') return v1(parsed.spec);
  if (parsed.apiVersion === '0.0.2') return v2(parsed.spec);
  return undefined;
}

/** Whether two bodies log the same signature over the same payload by the same key. */
export function sameSignedEnvelope(a: Uint8Array, b: Uint8Array): boolean {
  const x = dsseCommitments(a);
  const y = dsseCommitments(b);
  return (
    x !== undefined &&
    y !== undefined &&
    x.payloadHash === y.payloadHash &&
    x.signature === y.signature &&
    x.verifier === y.verifier
  );
}
