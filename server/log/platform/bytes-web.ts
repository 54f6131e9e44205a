// Base64 and hex in plain JavaScript for browsers and other runtimes without Buffer, chosen
// through the "#platform-bytes" import condition (see bytes-node.ts).
import { base64, hex } from '@scure/base';

export function encodeBase64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

export function decodeBase64(text: string): Uint8Array {
  return base64.decode(text);
}

export function encodeHex(bytes: Uint8Array): string {
  return hex.encode(bytes);
}

export function decodeHex(text: string): Uint8Array {
  return hex.decode(text);
}
