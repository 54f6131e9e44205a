// Ed25519 keys for C2SP signed notes, in the key-string forms of golang.org/x/mod/sumdb/note:
//   verifier key  <name>+<8 hex key ID>+base64(0x01 || 32-byte public key)
//   signer key    PRIVATE+KEY+<name>+<8 hex key ID>+base64(0x01 || 32-byte seed)
// Parsing is strict (lowercase hex, canonical base64, exact lengths, matching key ID) so one key has
// exactly one accepted spelling.
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed25519Signer } from '#platform-crypto';
import { fromBase64, toBase64, utf8 } from './encoding.ts';
import { NoteError } from './errors.ts';
import { sha256 } from './hash.ts';

/** Signature type byte of plain Ed25519 note signatures (C2SP signed-note). */
export const ED25519_SIGNATURE_TYPE = 0x01;

const ED25519_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;

/** What signing a note takes: a key name, its ID and a signing function. */
export interface NoteSigningKey {
  readonly name: string;
  /** uint32 key ID, written big-endian in front of each signature. */
  readonly keyId: number;
  sign(message: Uint8Array): Uint8Array;
}

/** An Ed25519 note key, which also has a C2SP verifier key string. */
export interface NoteSigner extends NoteSigningKey {
  /** The verifier key string of this signer. */
  readonly verifierKey: string;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * Key names must be non-empty, without Unicode white space or `+` (signed-note). Control
 * characters are refused too: a note carrying them is malformed, so such a key could never sign one.
 */
export function isValidKeyName(name: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return name !== '' && name.isWellFormed() && !/[\p{White_Space}+\x00-\x1f]/u.test(name);
}

/** key ID = SHA-256(name || 0x0A || signature type || public key)[:4], big-endian. */
export function computeKeyId(name: string, signatureType: number, publicKey: Uint8Array): number {
  const nameBytes = utf8(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = signatureType;
  input.set(publicKey, nameBytes.length + 2);
  const digest = sha256(input);
  return new DataView(digest.buffer, digest.byteOffset).getUint32(0);
}

/** A verifier for a raw 32-byte Ed25519 public key (for example from a log's SPKI). */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  checkName(name);
  checkKeySize(publicKey);
  const key = publicKey.slice(); // a private copy: the caller's buffer may change later
  return {
    name,
    keyId: computeKeyId(name, ED25519_SIGNATURE_TYPE, key),
    // Strict RFC 8032 verification (not ZIP-215), so no second encoding of a signature passes.
    verify: (message, signature) =>
      signature.length === ED25519_SIGNATURE_SIZE &&
      ed25519.verify(signature, message, key, { zip215: false }),
  };
}

/** The verifier key string for an Ed25519 public key. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  checkName(name);
  checkKeySize(publicKey);
  return formatKey(name, computeKeyId(name, ED25519_SIGNATURE_TYPE, publicKey), publicKey);
}

/** A new random Ed25519 key pair as signer and verifier key strings. */
export function generateNoteSigner(name: string): { signerKey: string; verifierKey: string } {
  checkName(name);
  const seed = crypto.getRandomValues(new Uint8Array(ED25519_KEY_SIZE));
  const publicKey = ed25519.getPublicKey(seed);
  const keyId = computeKeyId(name, ED25519_SIGNATURE_TYPE, publicKey);
  return {
    signerKey: `PRIVATE+KEY+${formatKey(name, keyId, seed)}`,
    verifierKey: formatKey(name, keyId, publicKey),
  };
}

export function parseVerifierKey(text: string): NoteVerifier {
  const [name, idHex, keyBase64] = splitKey(text, 2);
  const { keyId, key: publicKey } = decodeKey(name, idHex, keyBase64);
  checkKeyId(name, keyId, publicKey);
  return ed25519Verifier(name, publicKey);
}

export function parseSignerKey(text: string): NoteSigner {
  const [private1, private2, name, idHex, seedBase64] = splitKey(text, 4);
  if (private1 !== 'PRIVATE' || private2 !== 'KEY') {
    throw new NoteError('malformed-key', 'a signer key starts with PRIVATE+KEY+');
  }
  const { keyId, key: seed } = decodeKey(name, idHex, seedBase64);
  // The ID names the public key, so it can only be checked once that is derived from the seed.
  const publicKey = ed25519.getPublicKey(seed);
  checkKeyId(name, keyId, publicKey);
  return {
    name,
    keyId,
    sign: ed25519Signer(seed),
    verifierKey: formatKey(name, keyId, publicKey),
  };
}

/** Splits on the first `count` plus signs only: the base64 part may itself contain `+`. */
function splitKey(text: string, count: number): string[] {
  const parts: string[] = [];
  let rest = text;
  for (let i = 0; i < count; i++) {
    const plus = rest.indexOf('+');
    if (plus < 0) throw new NoteError('malformed-key', `a key string has ${count + 1} + fields`);
    parts.push(rest.slice(0, plus));
    rest = rest.slice(plus + 1);
  }
  parts.push(rest);
  return parts;
}

/** Checks the name, hex ID and `base64(0x01 || 32-byte key)` fields of a key string. */
function decodeKey(
  name: string,
  idHex: string,
  keyBase64: string,
): { keyId: number; key: Uint8Array } {
  checkName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) {
    throw new NoteError('malformed-key', 'a key ID is 8 lowercase hex digits');
  }
  const bytes = fromBase64(keyBase64);
  if (bytes === undefined || bytes.length === 0) {
    throw new NoteError('malformed-key', 'the key is not canonical standard base64');
  }
  if (bytes[0] !== ED25519_SIGNATURE_TYPE) {
    throw new NoteError('unsupported-key-type', `unsupported note key type ${bytes[0]}`);
  }
  const key = bytes.subarray(1);
  checkKeySize(key);
  return { keyId: Number.parseInt(idHex, 16), key };
}

function checkKeyId(name: string, keyId: number, publicKey: Uint8Array): void {
  if (computeKeyId(name, ED25519_SIGNATURE_TYPE, publicKey) !== keyId) {
    throw new NoteError('key-id-mismatch', 'the key ID does not match the key');
  }
}

function checkName(name: string): void {
  if (!isValidKeyName(name)) {
    throw new NoteError('invalid-key-name', 'a key name must be non-empty, without spaces or +');
  }
}

function checkKeySize(key: Uint8Array): void {
  if (key.length !== ED25519_KEY_SIZE) {
    throw new NoteError('malformed-key', 'an Ed25519 note key is 32 bytes');
  }
}

/** `<name>+<8 hex ID>+base64(0x01 || key)` */
function formatKey(name: string, keyId: number, key: Uint8Array): string {
  const typed = new Uint8Array(1 + key.length);
  typed[0] = ED25519_SIGNATURE_TYPE;
  typed.set(key, 1);
  return `${name}+${keyId.toString(16).padStart(8, '0')}+${toBase64(typed)}`;
}
