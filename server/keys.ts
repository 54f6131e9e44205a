// The log's keys live in a directory (default: keys/ beside the database). They are created on
// first start and reused after; a private key file is readable by its owner only.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogError } from './log/errors.ts';
import { generateNoteSigner, type NoteSigner, parseSignerKey } from './log/note-keys.ts';

export const NOTE_KEY_FILE = 'note.key';
export const NOTE_VERIFIER_FILE = 'note.pub';

export interface LogKeys {
  noteSigner: NoteSigner;
  /** The C2SP verifier key string of noteSigner. */
  noteVerifierKey: string;
}

export function loadOrCreateKeys(dir: string, origin: string): LogKeys {
  const signerPath = join(dir, NOTE_KEY_FILE);
  if (!existsSync(signerPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const generated = generateNoteSigner(origin);
    writeFileSync(signerPath, `${generated.signerKey}\n`, { mode: 0o600, flag: 'wx' });
    writeFileSync(join(dir, NOTE_VERIFIER_FILE), `${generated.verifierKey}\n`, { mode: 0o644 });
  }
  return loadKeys(dir, origin);
}

export function loadKeys(dir: string, origin?: string): LogKeys {
  const signerPath = join(dir, NOTE_KEY_FILE);
  let text: string;
  try {
    text = readFileSync(signerPath, 'utf8');
  } catch {
    throw new LogError(
      'missing-keys',
      `no log key at ${signerPath}: start the server once to create it`,
    );
  }
  const noteSigner = parseSignerKey(text.trim());
  if (origin !== undefined && noteSigner.name !== origin) {
    throw new LogError(
      'origin-mismatch',
      `the key in ${dir} signs for origin "${noteSigner.name}", not "${origin}": pass --origin ${noteSigner.name} or use another --keys directory`,
    );
  }
  return { noteSigner, noteVerifierKey: noteSigner.verifierKey };
}
