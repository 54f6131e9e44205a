// Signing key pairs for `attestry keygen`: a PKCS #8 PEM private key readable by its owner only,
// and the SPKI PEM public key to hand to verifiers. An existing key is never overwritten.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  makeDirectoryDurably,
  syncDirectory,
  writeFileDurably,
} from '../../server/durable-file.ts';
import type { SignerKeyType } from '../../server/entries/signer-key.ts';
import { KeyError } from './errors.ts';

export type KeyType = SignerKeyType;

/** ECDSA P-256 first: every OpenSSF Model Signing verifier accepts it. */
export const KEY_TYPES: readonly KeyType[] = ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ed25519'];

export const PRIVATE_KEY_FILE = 'private-key.pem';
export const PUBLIC_KEY_FILE = 'public-key.pem';

const CURVES: Record<Exclude<KeyType, 'ed25519'>, string> = {
  'ecdsa-p256': 'P-256',
  'ecdsa-p384': 'P-384',
  'ecdsa-p521': 'P-521',
};

export interface WrittenKeyPair {
  type: KeyType;
  privateKeyPath: string;
  publicKeyPath: string;
  publicKeyPem: string;
}

function isKeyType(value: string): value is KeyType {
  return (KEY_TYPES as readonly string[]).includes(value);
}

/** Generates a key pair of `type` and writes it into `dir` (created if missing). */
export function writeKeyPair(dir: string, type: string): WrittenKeyPair {
  if (!isKeyType(type)) {
    throw new KeyError(
      'unknown-key-type',
      `unknown key type "${type}": choose one of ${KEY_TYPES.join(', ')}`,
    );
  }
  const privateKeyPath = join(dir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(dir, PUBLIC_KEY_FILE);
  for (const path of [privateKeyPath, publicKeyPath]) {
    if (existsSync(path)) {
      throw new KeyError(
        'key-exists',
        `${path} already exists: choose another directory, or move the old key pair away first`,
      );
    }
  }
  const { privateKey, publicKey } =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: CURVES[type] });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  makeDirectoryDurably(dir, 0o700);
  // Exclusive: fails rather than replace a key that appeared since the check above. Durable: a
  // key that signed something published must not vanish in a crash.
  writeFileDurably(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, {
    mode: 0o600,
    exclusive: true,
  });
  writeFileDurably(publicKeyPath, publicKeyPem, { mode: 0o644, exclusive: true });
  syncDirectory(dir);
  return { type, privateKeyPath, publicKeyPath, publicKeyPem };
}
