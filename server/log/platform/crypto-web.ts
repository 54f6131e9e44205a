// Pure-JavaScript SHA-256 and Ed25519 signing for browsers and other runtimes without node:crypto,
// chosen through the "#platform-crypto" import condition (see crypto-node.ts).
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

export function ed25519Signer(seed: Uint8Array): (message: Uint8Array) => Uint8Array {
  return (message) => ed25519.sign(message, seed);
}
