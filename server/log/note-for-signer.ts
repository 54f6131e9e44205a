// A note as the holder of one key reads it: only that key's signature line. Rekor clients get the
// log's checkpoints this way, signed by its ECDSA key alone, because some of them (sigstore-python)
// refuse a checkpoint with a line by any other key. A checkpoint signed before the key signed
// checkpoints (an older log) is signed by it here: the same tree head, so no second history.
import { parseNote, signNote } from './note.ts';
import type { NoteSigningKey } from './note-keys.ts';

export function noteForSigner(note: string, signer: NoteSigningKey): string {
  const { text, signatures } = parseNote(note);
  const own = signatures.filter((s) => s.name === signer.name && s.keyId === signer.keyId);
  if (own.length === 0) return signNote(text, [signer]);
  return `${text}\n${own.map((s) => `\u2014 ${s.name} ${s.base64}\n`).join('')}`;
}
