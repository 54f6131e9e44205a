// Opens a log: its storage, its keys and its sequencer, with the origin fixed at creation.
import { hostname } from 'node:os';
import { defaultKeysDir } from './defaults.ts';
import { type LogKeys, loadOrCreateKeys } from './keys.ts';
import { LogError } from './log/errors.ts';
import { isValidKeyName } from './log/note-keys.ts';
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
  storage: LogStorage;
  sequencer: Sequencer;
  metrics: LogMetrics;
  close(): void;
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
    const keys = loadOrCreateKeys(options.keysDir ?? defaultKeysDir(options.dbPath), origin);
    storage.transaction(() => storage.setMeta('origin', origin));
    const metrics = createLogMetrics({ treeSize: () => sequencer.checkpoint.size });
    const sequencer = new Sequencer({
      storage,
      origin,
      signer: keys.noteSigner,
      maxBatchSize: options.maxBatchSize,
      maxBatchDelayMs: options.maxBatchDelayMs,
      onBatch: (size, seconds) => metrics.recordBatch(size, seconds),
    });
    return {
      origin,
      keys,
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
