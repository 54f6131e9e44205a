// C2SP signed notes: a text ending in a newline, a blank line, then one or more signature lines
// `— <key name> base64(4-byte big-endian key ID || signature)`. The text is split from its
// signatures at the LAST blank line, since the text itself may contain blank lines.
import { fromBase64, fromUtf8, toBase64, utf8 } from './encoding.ts';
import { NoteError } from './errors.ts';
import { isValidKeyName, type NoteSigningKey, type NoteVerifier } from './note-keys.ts';

/** The spec requires accepting at least 16 signatures; 100 is Go x/mod's cap. */
export const MAX_SIGNATURES = 100;

const SIGNATURE_PREFIX = '\u2014 ';
const KEY_ID_SIZE = 4;

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The signature bytes after the key ID. */
  signature: Uint8Array;
  /** The signature field as written in the note: base64(key ID || signature). */
  base64: string;
}

export interface ParsedNote {
  /** The signed text, including its final newline. */
  text: string;
  /** Every signature line, in note order, none verified. */
  signatures: NoteSignature[];
}

export interface OpenedNote {
  text: string;
  /** One signature per known key, every one verified. */
  verifiedSignatures: NoteSignature[];
  /** Signatures by keys not among the verifiers (exact duplicates dropped). */
  unverifiedSignatures: NoteSignature[];
}

/** Note text: well-formed Unicode ending in a newline, no control characters but newline. */
export function isNoteText(text: string): boolean {
  return text.endsWith('\n') && hasOnlyNoteCharacters(text);
}

/** Signs `text` with each signer, in order. */
export function signNote(text: string, signers: readonly NoteSigningKey[]): string {
  if (!isNoteText(text)) {
    throw new NoteError('malformed-note', 'note text must end with a newline and have no controls');
  }
  if (signers.length === 0) throw new NoteError('no-signers', 'a note needs a signature');
  if (signers.length > MAX_SIGNATURES) {
    throw new NoteError('too-many-signatures', `a note has at most ${MAX_SIGNATURES} signatures`);
  }
  const message = utf8(text);
  let lines = '';
  for (const signer of signers) {
    if (!isValidKeyName(signer.name)) {
      throw new NoteError('invalid-key-name', 'a key name must be non-empty, without spaces or +');
    }
    const signature = signer.sign(message);
    const field = new Uint8Array(KEY_ID_SIZE + signature.length);
    new DataView(field.buffer).setUint32(0, signer.keyId);
    field.set(signature, KEY_ID_SIZE);
    lines += `${SIGNATURE_PREFIX}${signer.name} ${toBase64(field)}\n`;
  }
  return `${text}\n${lines}`;
}

/**
 * Splits a note into its text and signature lines without verifying anything, for callers that
 * only relay or re-sign a note. Anything off the grammar is rejected as 'malformed-note'.
 */
export function parseNote(note: string | Uint8Array): ParsedNote {
  const message = typeof note === 'string' ? note : fromUtf8(note);
  if (message === undefined || !hasOnlyNoteCharacters(message)) {
    throw malformed('a note is UTF-8 without control characters other than newline');
  }
  const split = message.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const block = message.slice(split + 2);
  if (!block.endsWith('\n')) throw malformed('a note ends with a newline-terminated signature');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) {
    throw new NoteError('too-many-signatures', `a note has at most ${MAX_SIGNATURES} signatures`);
  }
  return { text: message.slice(0, split + 1), signatures: lines.map(parseSignatureLine) };
}

/**
 * Opens a note: every signature by a known (name, key ID) must verify and at least one must;
 * signatures by other keys are returned unverified, as the spec requires them to be ignored.
 */
export function openNote(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
): OpenedNote {
  const known = new Map<string, NoteVerifier>();
  for (const verifier of verifiers) {
    const identity = keyIdentity(verifier);
    if (known.has(identity)) {
      throw new NoteError('ambiguous-verifier', `two verifiers for the key ${identity}`);
    }
    known.set(identity, verifier);
  }
  const { text, signatures } = parseNote(note);
  const message = utf8(text);
  const verified = new Map<string, NoteSignature>();
  const unverified = new Map<string, NoteSignature>();
  for (const signature of signatures) {
    const identity = keyIdentity(signature);
    const verifier = known.get(identity);
    if (verifier === undefined) {
      unverified.set(`${identity} ${signature.base64}`, signature);
    } else if (!verifier.verify(message, signature.signature)) {
      throw new NoteError('invalid-signature', `the signature by ${identity} does not verify`);
    } else {
      verified.set(identity, signature);
    }
  }
  if (verified.size === 0) {
    throw new NoteError('unverified-note', 'no signature by a known key');
  }
  return {
    text,
    verifiedSignatures: [...verified.values()],
    unverifiedSignatures: [...unverified.values()],
  };
}

function parseSignatureLine(line: string): NoteSignature {
  const space = line.indexOf(' ', SIGNATURE_PREFIX.length);
  if (!line.startsWith(SIGNATURE_PREFIX) || space < 0) {
    throw malformed('a signature line is "— <name> <base64>"');
  }
  const name = line.slice(SIGNATURE_PREFIX.length, space);
  const base64 = line.slice(space + 1);
  const bytes = fromBase64(base64);
  if (!isValidKeyName(name) || bytes === undefined || bytes.length <= KEY_ID_SIZE) {
    throw malformed('a signature line has a key name and canonical base64 of ID and signature');
  }
  return {
    name,
    keyId: new DataView(bytes.buffer, bytes.byteOffset).getUint32(0),
    signature: bytes.subarray(KEY_ID_SIZE),
    base64,
  };
}

function hasOnlyNoteCharacters(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return text.isWellFormed() && !/[\x00-\x09\x0b-\x1f]/.test(text);
}

/** `<name>+<decimal key ID>`: the ID has no `+`, so the last `+` always separates the two. */
function keyIdentity(key: { name: string; keyId: number }): string {
  return `${key.name}+${key.keyId}`;
}

function malformed(message: string): NoteError {
  return new NoteError('malformed-note', message);
}
