// Opens a log: its storage, its keys and its sequencer, with the origin fixed at creation.

import { sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { defaultKeysDir } from './defaults.ts';
import { ECDSA_KEY_FILE, type LogKeys, loadOrCreateKeys, NOTE_KEY_FILE } from './keys.ts';
import { openCheckpoint } from './log/checkpoint.ts';
import { LogError } from './log/errors.ts';
import { type OpenedNote, parseNote } from './log/note.ts';
import { isValidKeyName, type NoteSigningKey, parseVerifierKey } from './log/note-keys.ts';
import { ecdsaNoteSigner, ecdsaNoteVerifier } from './log/note-keys-ecdsa.ts';
import { Sequencer } from './log/sequencer.ts';
import { createLogMetrics, type LogMetrics } from './metrics.ts';
import { openSqliteStorage } from './storage/sqlite-storage.ts';
import type { LogStorage } from './storage/storage.ts';

export interface LogServiceOptions {
  dbPath: string;
  /** Default: keys/ beside the database file. */
  keysDir?: string;
  /** Default: the origin the log was created with, else this machine's host name. */
  origin?: string;
  maxBatchSize?: number;
  maxBatchDelayMs?: number;
}

export interface LogService {
  origin: string;
  keys: LogKeys;
  /** The ECDSA key's signer of checkpoints: the signature Sigstore clients check. */
  checkpointCosigner: NoteSigningKey;
  storage: LogStorage;
  sequencer: Sequencer;
  metrics: LogMetrics;
  close(): void;
}

/**
 * The log's latest checkpoint must verify under the keys it is about to sign the next with: its
 * note key, and its ECDSA key where the checkpoint carries other lines (a log's ECDSA key is its
 * log ID, which clients and bundles hold: a lost ecdsa.key must not be replaced by a new one).
 */
function checkSignedBy(
  note: string,
  keys: LogKeys,
  origin: string,
  dbPath: string,
  keysDir: string,
): void {
  const noteKey = parseVerifierKey(keys.noteVerifierKey);
  // Opened with both keys: a line by either must verify, and any other line is by another key.
  let opened: OpenedNote | undefined;
  try {
    opened = openCheckpoint(note, [
      noteKey,
      ecdsaNoteVerifier(origin, keys.ecdsaPublicKeyDer),
    ]).note;
  } catch {
    // verifies under neither key: refused below
  }
  if (!opened?.verifiedSignatures.some((signature) => signature.keyId === noteKey.keyId)) {
    throw new LogError(
      'key-mismatch',
      `the checkpoints of ${dbPath} are not signed by the key in ${keysDir} (${keys.noteVerifierKey}): pass --keys with this log's own keys`,
    );
  }
  if (opened.unverifiedSignatures.length > 0) {
    throw new LogError(
      'key-mismatch',
      `the checkpoints of ${dbPath} are cosigned by another ECDSA key than the one in ${keysDir} (log ID ${keys.logId}): pass --keys with this log's own ${ECDSA_KEY_FILE}`,
    );
  }
}

export function openLogService(options: LogServiceOptions): LogService {
  const storage = openSqliteStorage(options.dbPath);
  try {
    const stored = storage.getMeta('origin');
    const origin = options.origin ?? stored ?? hostname();
    if (stored !== undefined && stored !== origin) {
      throw new LogError(
        'origin-mismatch',
        `${options.dbPath} is the log "${stored}"; it cannot be served as "${origin}"`,
      );
    }
    if (!isValidKeyName(origin)) {
      throw new LogError(
        'bad-origin',
        `origin "${origin}" must be non-empty, without spaces or "+"`,
      );
    }
    const keysDir = options.keysDir ?? defaultKeysDir(options.dbPath);
    const latest = storage.latestCheckpoint();
    // New keys may only be made for a new log: a log's checkpoints are signed by its key for life.
    if (latest !== undefined && !existsSync(join(keysDir, NOTE_KEY_FILE))) {
      throw new LogError(
        'missing-keys',
        `${options.dbPath} is a log whose key is not in ${keysDir}: pass --keys with the folder holding its ${NOTE_KEY_FILE} and ${ECDSA_KEY_FILE}`,
      );
    }
    // Nor a new ECDSA key for a log whose checkpoints its own cosigned: it is the log's ID.
    if (
      latest !== undefined &&
      !existsSync(join(keysDir, ECDSA_KEY_FILE)) &&
      parseNote(latest.note).signatures.length > 1
    ) {
      throw new LogError(
        'missing-keys',
        `${options.dbPath} is a log whose ECDSA key is not in ${keysDir}: restore its ${ECDSA_KEY_FILE}, which cosigns its checkpoints and is its log ID`,
      );
    }
    const keys = loadOrCreateKeys(keysDir, origin);
    if (latest !== undefined) checkSignedBy(latest.note, keys, origin, options.dbPath, keysDir);
    storage.transaction(() => storage.setMeta('origin', origin));
    const metrics = createLogMetrics({ treeSize: () => sequencer.checkpoint.size });
    // The ECDSA line is the one @sigstore/verify checks; C2SP readers check the Ed25519 one.
    const checkpointCosigner = ecdsaNoteSigner(origin, keys.ecdsaPublicKeyDer, (message) =>
      sign('sha256', message, keys.ecdsaPrivateKey),
    );
    const sequencer = new Sequencer({
      storage,
      origin,
      signer: keys.noteSigner,
      cosigners: [checkpointCosigner],
      maxBatchSize: options.maxBatchSize,
      maxBatchDelayMs: options.maxBatchDelayMs,
      onBatch: (size, seconds) => metrics.recordBatch(size, seconds),
    });
    return {
      origin,
      keys,
      checkpointCosigner,
      storage,
      sequencer,
      metrics,
      close() {
        sequencer.close();
        storage.close();
      },
    };
  } catch (error) {
    storage.close();
    throw error;
  }
}
