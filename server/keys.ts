// The log's keys live in a directory (default: keys/ beside the database). They are created on
// first start and reused after; a private key file is readable by its owner only.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectoryDurably, syncDirectory, writeFileDurably } from './durable-file.ts';
import { LogError } from './log/errors.ts';
import { generateNoteSigner, type NoteSigner, parseSignerKey } from './log/note-keys.ts';

export const NOTE_KEY_FILE = 'note.key';
export const NOTE_VERIFIER_FILE = 'note.pub';
export const ECDSA_KEY_FILE = 'ecdsa.key';
export const ECDSA_PUBLIC_KEY_FILE = 'ecdsa.pub';
export const TOKEN_ISSUER_KEY_FILE = 'token-issuer.key';
export const TOKEN_ISSUER_PUBLIC_KEY_FILE = 'token-issuer.pub';

/** The Ed25519 key that signs C2SP checkpoints. */
export interface NoteKeys {
  noteSigner: NoteSigner;
  /** The C2SP verifier key string of noteSigner. */
  noteVerifierKey: string;
}

/** The ECDSA P-256 key that signs the Sigstore compatibility material. */
export interface EcdsaKeys {
  ecdsaPrivateKey: KeyObject;
  /** SPKI PEM of the public key. */
  ecdsaPublicKeyPem: string;
  /** DER SPKI of the public key. */
  ecdsaPublicKeyDer: Uint8Array;
  /** The Sigstore log ID: lowercase hex SHA-256 of the DER SPKI of the public key. */
  logId: string;
}

export interface LogKeys extends NoteKeys, EcdsaKeys {
  /** The Ed25519 public key of the log's local token issuer (`attestry token`). */
  tokenIssuerPublicKey: KeyObject;
}

/** Writes a new key pair, durably, the private key for its owner only; never replaces a key. */
function writeKeyPair(
  dir: string,
  files: [string, string],
  pair: { privateKey: KeyObject; publicKey: KeyObject },
): void {
  writeFileDurably(
    join(dir, files[0]),
    pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    { mode: 0o600, exclusive: true },
  );
  writeFileDurably(
    join(dir, files[1]),
    pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    { mode: 0o644 },
  );
}

/**
 * Loads the keys in `dir`, first creating any that is missing (an older directory has no ECDSA or
 * token issuer key).
 */
export function loadOrCreateKeys(dir: string, origin: string): LogKeys {
  makeDirectoryDurably(dir, 0o700);
  let created = false;
  const signerPath = join(dir, NOTE_KEY_FILE);
  if (!existsSync(signerPath)) {
    const generated = generateNoteSigner(origin);
    writeFileDurably(signerPath, `${generated.signerKey}\n`, { mode: 0o600, exclusive: true });
    writeFileDurably(join(dir, NOTE_VERIFIER_FILE), `${generated.verifierKey}\n`, { mode: 0o644 });
    created = true;
  }
  // Refuse a directory that belongs to another log before writing anything into it.
  const noteKeys = loadKeys(dir, origin);
  if (!existsSync(join(dir, ECDSA_KEY_FILE))) {
    writeKeyPair(
      dir,
      [ECDSA_KEY_FILE, ECDSA_PUBLIC_KEY_FILE],
      generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    );
    created = true;
  }
  if (!existsSync(join(dir, TOKEN_ISSUER_KEY_FILE))) {
    writeKeyPair(
      dir,
      [TOKEN_ISSUER_KEY_FILE, TOKEN_ISSUER_PUBLIC_KEY_FILE],
      generateKeyPairSync('ed25519'),
    );
    created = true;
  }
  // Before anything is signed with them: the new files' names must be on disk too.
  if (created) syncDirectory(dir);
  return {
    ...noteKeys,
    ...loadEcdsaKeys(dir),
    tokenIssuerPublicKey: createPublicKey(loadTokenIssuerKey(dir)),
  };
}

/** A key file's text; a missing one is 'missing-keys', with what to do about it. */
function readKeyFile(path: string, what: string, hint: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new LogError('missing-keys', `no ${what} at ${path}: ${hint}`);
  }
}

/** The note key only: all that checking checkpoints (`attestry audit`) needs. */
export function loadKeys(dir: string, origin?: string): NoteKeys {
  const text = readKeyFile(
    join(dir, NOTE_KEY_FILE),
    'log key',
    'start the server once to create it',
  );
  const noteSigner = parseSignerKey(text.trim());
  if (origin !== undefined && noteSigner.name !== origin) {
    throw new LogError(
      'origin-mismatch',
      `the key in ${dir} signs for origin "${noteSigner.name}", not "${origin}": pass --origin ${noteSigner.name} or use another --keys directory`,
    );
  }
  return { noteSigner, noteVerifierKey: noteSigner.verifierKey };
}

export function loadEcdsaKeys(dir: string): EcdsaKeys {
  const path = join(dir, ECDSA_KEY_FILE);
  let ecdsaPrivateKey: KeyObject;
  try {
    ecdsaPrivateKey = createPrivateKey(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new LogError('bad-ecdsa-key', `cannot read the ECDSA key ${path}`, { cause });
  }
  if (
    ecdsaPrivateKey.asymmetricKeyType !== 'ec' ||
    ecdsaPrivateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
  ) {
    throw new LogError('bad-ecdsa-key', `${path} is not an ECDSA P-256 private key`);
  }
  // Derived from the private key, so a stale or edited ecdsa.pub cannot misstate the log ID.
  const publicKey = createPublicKey(ecdsaPrivateKey);
  const ecdsaPublicKeyDer = publicKey.export({ type: 'spki', format: 'der' });
  return {
    ecdsaPrivateKey,
    ecdsaPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    ecdsaPublicKeyDer,
    logId: createHash('sha256').update(ecdsaPublicKeyDer).digest('hex'),
  };
}

/** The private key of the log's local token issuer, which `attestry token` signs with. */
export function loadTokenIssuerKey(dir: string): KeyObject {
  const path = join(dir, TOKEN_ISSUER_KEY_FILE);
  const text = readKeyFile(
    path,
    'token issuer key',
    'start the server once with this --keys directory to create it',
  );
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (cause) {
    throw new LogError('bad-token-issuer-key', `cannot read the token issuer key ${path}`, {
      cause,
    });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new LogError('bad-token-issuer-key', `${path} is not an Ed25519 private key`);
  }
  return key;
}

/** The C2SP verifier key in `dir` (note.pub): what checking the log's checkpoints needs. */
export function readNoteVerifierKey(dir: string): string {
  return readKeyFile(
    join(dir, NOTE_VERIFIER_FILE),
    'log verifier key',
    `pass --keys with the directory holding ${NOTE_VERIFIER_FILE}`,
  ).trim();
}
