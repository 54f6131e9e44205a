// What a logged DSSE entry body commits to, in either shape the log writes: Rekor v1 `dsse` 0.0.1
// (hex hashes, the envelope's own hash) and Rekor v2 `dsse` 0.0.2 (base64 digests, no envelope
// hash). Other kinds (hashedrekord) commit to no envelope.
import { fromBase64, fromUtf8, toHex } from '../../server/log/encoding.ts';

export interface DsseCommitments {
  /** Lowercase hex SHA-256 of the payload. */
  payloadHash: string;
  /** base64 of the one signature. */
  signature: string;
  /** Lowercase hex SHA-256 of the envelope bytes (v1 only). */
  envelopeHash?: string;
}

const hexOfBase64 = (value: unknown) => {
  const bytes = typeof value === 'string' ? fromBase64(value) : undefined;
  return bytes && toHex(bytes);
};

export function dsseCommitments(body: Uint8Array): DsseCommitments | undefined {
  let parsed: {
    apiVersion?: unknown;
    kind?: unknown;
    spec?: Record<string, Record<string, unknown> | undefined>;
  };
  try {
    parsed = JSON.parse(fromUtf8(body) ?? '');
  } catch {
    return undefined;
  }
  if (parsed?.kind !== 'dsse') return undefined;
  const spec = parsed.spec;
  if (parsed.apiVersion === '0.0.1') {
    const signatures = spec?.signatures as { signature?: unknown }[] | undefined;
    const payloadHash = spec?.payloadHash?.value;
    const signature = signatures?.[0]?.signature;
    const envelopeHash = spec?.envelopeHash?.value;
    if (typeof payloadHash !== 'string' || typeof signature !== 'string') return undefined;
    return typeof envelopeHash === 'string'
      ? { payloadHash, signature, envelopeHash }
      : { payloadHash, signature };
  }
  if (parsed.apiVersion === '0.0.2') {
    const dsse = spec?.dsseV002 as
      | { payloadHash?: { digest?: unknown }; signatures?: { content?: unknown }[] }
      | undefined;
    const payloadHash = hexOfBase64(dsse?.payloadHash?.digest);
    const signature = dsse?.signatures?.[0]?.content;
    if (payloadHash === undefined || typeof signature !== 'string') return undefined;
    return { payloadHash, signature };
  }
  return undefined;
}
