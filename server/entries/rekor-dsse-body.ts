// The leaf: the canonical Rekor v1 `dsse` 0.0.1 entry body, the bytes sigstore-js finds in a
// tlog entry's canonicalizedBody (it checks the signature and payloadHash against the bundle).
import { toBase64, toHex, utf8 } from '../log/encoding.ts';
import { sha256 } from '../log/hash.ts';

export interface RekorDsseBodyInput {
  /** The canonical JSON bytes of the envelope, as stored beside the leaf. */
  envelopeBytes: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
  /** PEM public key or PEM leaf certificate that verifies the signature. */
  verifierPem: string;
}

export function rekorDsseBody(input: RekorDsseBodyInput): Uint8Array {
  // Keys in sorted order, only strings for values: JSON.stringify gives the RFC 8785 canonical
  // form that Rekor hashes (test/submission.test.ts checks it against canonicalize).
  const body = {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: toHex(sha256(input.envelopeBytes)) },
      payloadHash: { algorithm: 'sha256', value: toHex(sha256(input.payload)) },
      signatures: [
        { signature: toBase64(input.signature), verifier: toBase64(utf8(input.verifierPem)) },
      ],
    },
  };
  return utf8(JSON.stringify(body));
}
