// What a caller may ask of hashModel, and the checked settings with the reference's defaults.
import { availableParallelism } from 'node:os';
import { HashError } from './errors.ts';
import type { SerializationMethod } from './manifest.ts';

/** The reference implementation's default shard size (1 GB, decimal). */
export const DEFAULT_SHARD_SIZE = 1_000_000_000;

export interface HashOptions {
  /** Default `files`. */
  method?: SerializationMethod;
  /** Bytes per shard for `shards`; default 1,000,000,000. */
  shardSize?: number;
  /** Extra paths to leave out, absolute or relative to the model root (the signature file, say). */
  ignorePaths?: string[];
  /** Leave out `.git`, `.gitattributes`, `.github` and `.gitignore` at the model root; default true. */
  ignoreGitPaths?: boolean;
  /** Follow symbolic links inside the model and hash their targets; default false (refused). */
  allowSymlinks?: boolean;
  /**
   * With allowSymlinks, also follow links whose target is outside the model root, as the reference
   * implementation does (its symlink golden links out of the model). Default false: such a link is
   * refused, so hashing never reads a file the model does not contain.
   */
  allowSymlinksOutsideRoot?: boolean;
  /**
   * Threads hashing at once: the calling thread (between its other work) and `workers - 1` worker
   * threads; default os.availableParallelism().
   */
  workers?: number;
  /** Called with the bytes hashed so far, a few times a second, and once with done === total. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export type HashSettings = Required<Omit<HashOptions, 'onProgress'>> &
  Pick<HashOptions, 'onProgress'>;

export function hashSettings(options: HashOptions): HashSettings {
  const settings = {
    method: options.method ?? 'files',
    shardSize: options.shardSize ?? DEFAULT_SHARD_SIZE,
    ignorePaths: options.ignorePaths ?? [],
    ignoreGitPaths: options.ignoreGitPaths ?? true,
    allowSymlinks: options.allowSymlinks ?? false,
    allowSymlinksOutsideRoot: options.allowSymlinksOutsideRoot ?? false,
    workers: options.workers ?? availableParallelism(),
    onProgress: options.onProgress,
  };
  if (settings.method !== 'files' && settings.method !== 'shards') {
    throw new HashError(
      'invalid-option',
      `unknown method "${settings.method}": use files or shards`,
    );
  }
  // A safe integer: offsets stay exact, and the statement can print it as Python does (N.0).
  if (!Number.isSafeInteger(settings.shardSize) || settings.shardSize < 1) {
    throw new HashError(
      'invalid-option',
      `shard size must be a positive integer, not ${settings.shardSize}`,
    );
  }
  if (!Number.isSafeInteger(settings.workers) || settings.workers < 1) {
    throw new HashError(
      'invalid-option',
      `workers must be a positive integer, not ${settings.workers}`,
    );
  }
  return settings;
}
