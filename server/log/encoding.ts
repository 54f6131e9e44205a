// Byte encodings shared by the log, the SDK and browsers, native where the runtime has them
// ("#platform-bytes"). Decoding is strict: a value that does not re-encode to exactly the same
// text is rejected, so no two spellings of one value are accepted.
import { decodeBase64, decodeHex, encodeBase64, encodeHex } from '#platform-bytes';

export function toBase64(bytes: Uint8Array): string {
  return encodeBase64(bytes);
}

/** Standard base64 with padding; returns undefined for anything non-canonical. */
export function fromBase64(text: string): Uint8Array | undefined {
  try {
    const bytes = decodeBase64(text);
    return encodeBase64(bytes) === text ? bytes : undefined;
  } catch {
    return undefined;
  }
}

export function toHex(bytes: Uint8Array): string {
  return encodeHex(bytes);
}

/** Lowercase hex; returns undefined for anything else. */
export function fromHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) return undefined;
  return decodeHex(text);
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Decodes UTF-8, returning undefined for invalid sequences. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
