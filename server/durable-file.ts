// Files that must outlive a crash or a power cut once written: the log's keys (a log whose
// checkpoints are durable, as SQLite's synchronous=FULL makes them, must keep the key that signed
// them) and a publisher's signing key. The data, then the directory entry, are flushed to disk.
import { closeSync, fsyncSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface DurableWrite {
  /** Permissions of a new file (before the umask). */
  mode: number;
  /** Fail rather than replace an existing file. */
  exclusive?: boolean;
}

/** Writes `text` to `path` and flushes it; call syncDirectory once the directory's files are made. */
export function writeFileDurably(path: string, text: string, options: DurableWrite): void {
  const fd = openSync(path, options.exclusive ? 'wx' : 'w', options.mode);
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes `dir` and any missing parent; each new directory's entry, in its parent, is flushed. Call
 * it before writing files in `dir`.
 */
export function makeDirectoryDurably(dir: string, mode: number): void {
  const first = mkdirSync(dir, { recursive: true, mode });
  if (first === undefined) return;
  const top = resolve(first);
  for (let made = resolve(dir); ; made = dirname(made)) {
    syncDirectory(dirname(made));
    if (made === top || made === dirname(made)) return;
  }
}

/** Flushes a directory's entries, so that files just created in it are found after a crash. */
export function syncDirectory(dir: string): void {
  // Windows cannot open a directory to flush it; NTFS journals its entries itself.
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
