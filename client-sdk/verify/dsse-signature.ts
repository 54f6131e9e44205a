// The DSSE signature of an OMS bundle. Besides the standard pre-authentication encoding (PAE),
// model_signing 0.2.0 signed a broken one, which its verifiers still accept (sign_sigstore_pb's
// pae_compat): `DSSEV1 <len> <type> <len> <payload>` with a capital V and the payload written as
// Python's repr of a bytes object, b'...'. Its certificate signer also hashed with SHA-256 whatever
// the curve, its key signer with the curve's digest; both are tried.
import { type KeyObject, verify } from 'node:crypto';
import { type DsseEnvelope, verifyEnvelope } from '../../server/entries/dsse.ts';
import { type OmsKeyType, omsDigest } from '../keys/oms-key.ts';
import { OMS_V01_PREDICATE_TYPE } from './signed-manifest.ts';

export type SignedEncoding = 'dsse' | 'model-signing-0.2';
const ESCAPES: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 92: '\\\\' };

/** Python's repr() of a bytes object. */
export function pythonBytesRepr(bytes: Uint8Array): string {
  // Python quotes with ' unless the bytes hold a ' and no ".
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let text = `b${quote}`;
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (ESCAPES[byte] !== undefined) text += ESCAPES[byte];
    else if (char === quote) text += `\\${quote}`;
    else if (byte >= 0x20 && byte < 0x7f) text += char;
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${text}${quote}`;
}

export function modelSigning02Pae(payloadType: string, payload: Uint8Array): Buffer {
  return Buffer.from(
    `DSSEV1 ${payloadType.length} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`,
  );
}

// model_signing 0.2 signed only its Digests/v0.1 predicate over that encoding. Accepted for any
// other payload, it would turn a plain signature the key once made over chosen bytes into a bundle.
function signsDigestsV01(payload: Uint8Array): boolean {
  try {
    return (
      JSON.parse(Buffer.from(payload).toString('utf8'))?.predicateType === OMS_V01_PREDICATE_TYPE
    );
  } catch {
    return false;
  }
}

/** Which encoding the signature verifies over, or undefined when it verifies over none. */
export async function verifyDsseSignature(
  envelope: DsseEnvelope,
  key: KeyObject,
  type: OmsKeyType,
): Promise<SignedEncoding | undefined> {
  try {
    await verifyEnvelope(envelope, key, type);
    return 'dsse';
  } catch {
    if (!signsDigestsV01(envelope.payload)) return undefined;
    const legacy = modelSigning02Pae(envelope.payloadType, envelope.payload);
    for (const digest of new Set([omsDigest(type), 'sha256'])) {
      if (verify(digest, legacy, key, envelope.signature.sig)) {
        return 'model-signing-0.2';
      }
    }
    return undefined;
  }
}
