// A log's statement of its ECDSA key, a signed note by its note key:
//
//   attestry-log-keys/v1
//   <origin>
//   ecdsa-p256 <base64 DER SPKI>
//
// The ECDSA key signs entry timestamps and a second line of every checkpoint, but nothing a
// checkpoint says names it, and any key can sign a checkpoint's text: this note is what ties it
// to the note key a client pins. Its first line keeps it from ever reading as a checkpoint.
import { fromBase64, toBase64 } from './encoding.ts';
import { NoteError } from './errors.ts';
import { openNote, signNote } from './note.ts';
import type { NoteSigningKey, NoteVerifier } from './note-keys.ts';

const HEADER = 'attestry-log-keys/v1';
const ECDSA_LINE = 'ecdsa-p256 ';

/** The statement that `signer`'s log (named by the key) holds the ECDSA key `spki`. */
export function signKeyStatement(spki: Uint8Array, signer: NoteSigningKey): string {
  return signNote(`${HEADER}\n${signer.name}\n${ECDSA_LINE}${toBase64(spki)}\n`, [signer]);
}

/** The DER SPKI of the ECDSA key a statement names, once it verifies with the log's note key. */
export function openKeyStatement(note: string, verifier: NoteVerifier): Uint8Array {
  const lines = openNote(note, [verifier]).text.split('\n');
  const [header, origin, ecdsa] = lines;
  const spki = ecdsa?.startsWith(ECDSA_LINE)
    ? fromBase64(ecdsa.slice(ECDSA_LINE.length))
    : undefined;
  if (lines.length !== 4 || header !== HEADER || origin !== verifier.name || spki === undefined) {
    throw new NoteError(
      'malformed-key-statement',
      `a key statement is "${HEADER}", the log's origin and its ECDSA key, each on a line`,
    );
  }
  return spki;
}
