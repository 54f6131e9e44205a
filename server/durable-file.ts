// Files that must outlive a crash or a power cut once written: the log's keys (a log whose
// checkpoints are durable, as SQLite's synchronous=FULL makes them, must keep the key that signed
// them) and a publisher's signing key. The data, then the directory entry, are flushed to disk.
import { closeSync, fsyncSync, openSync, writeFileSync } from 'node:fs';

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

/** Flushes a directory's entries, so that files just created in it are found after a crash. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
