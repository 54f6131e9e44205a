// C2SP tlog-checkpoint: the note text `<origin>\n<tree size>\n<base64 root hash>\n[extension lines]`,
// signed as a C2SP signed note by a key named after the origin.
import { fromBase64, toBase64 } from './encoding.ts';
import { NoteError } from './errors.ts';
import { HASH_SIZE } from './hash.ts';
import { isNoteText, type OpenedNote, openNote, signNote } from './note.ts';
import type { NoteSigningKey, NoteVerifier } from './note-keys.ts';

export interface Checkpoint {
  /** The log's identity; also the name of the key that signs it. */
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** Opaque extension lines (NOT RECOMMENDED by C2SP; kept for interoperability). */
  extensions: string[];
}

export interface CheckpointInput {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions?: readonly string[];
}

/** The checkpoint note text; throws 'malformed-checkpoint' for anything parse would refuse. */
export function formatCheckpoint(checkpoint: CheckpointInput): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  if ([origin, ...extensions].some((line) => line.includes('\n'))) {
    throw malformed('checkpoint lines cannot contain a newline');
  }
  const text = `${[origin, String(size), toBase64(rootHash), ...extensions].join('\n')}\n`;
  // Parsing the result back applies every other rule, so no body is emitted that parse refuses.
  parseCheckpoint(text);
  return text;
}

/** Parses checkpoint note text (already opened: this checks no signature). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!isNoteText(text)) throw malformed('a checkpoint is note text ending in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((line) => line === '')) {
    throw malformed('a checkpoint has at least three lines, none empty');
  }
  const [origin, sizeText, rootText, ...extensions] = lines;
  const size = Number(sizeText);
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(size)) {
    throw malformed('the tree size is a decimal safe integer without leading zeros');
  }
  const rootHash = fromBase64(rootText);
  if (rootHash?.length !== HASH_SIZE) {
    throw malformed('the root hash is canonical base64 of 32 bytes');
  }
  return { origin, size, rootHash, extensions };
}

/** Signs a checkpoint; one signer must be the log's key, named after the origin. */
export function signCheckpoint(
  checkpoint: CheckpointInput,
  signers: readonly NoteSigningKey[],
): string {
  if (!signers.some((signer) => signer.name === checkpoint.origin)) {
    throw new NoteError(
      'no-log-signer',
      `no signer is named after the origin ${checkpoint.origin}`,
    );
  }
  return signNote(formatCheckpoint(checkpoint), signers);
}

/**
 * Opens a signed checkpoint. Besides the signed-note rules, a verified signature must come from a
 * key named after the origin (C2SP says the log key name SHOULD match the origin; attestry logs
 * always do, so a note verified only by, say, witnesses is not a checkpoint of the log).
 */
export function openCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  expectedOrigin?: string,
): { checkpoint: Checkpoint; note: OpenedNote } {
  const opened = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (expectedOrigin !== undefined && checkpoint.origin !== expectedOrigin) {
    throw new NoteError('origin-mismatch', `checkpoint origin is not ${expectedOrigin}`);
  }
  if (!opened.verifiedSignatures.some((signature) => signature.name === checkpoint.origin)) {
    throw new NoteError(
      'no-log-signature',
      'no verified signature by a key named after the origin',
    );
  }
  return { checkpoint, note: opened };
}

function malformed(message: string): NoteError {
  return new NoteError('malformed-checkpoint', message);
}
