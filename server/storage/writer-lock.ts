// A log has one writer. A second server on the same database would append under indexes the first
// also takes (the database refuses them, as failed batches) and sign checkpoints of its own. Each
// writer holds an exclusive SQLite lock on `<database>.lock` while it is open: the operating
// system drops the lock when the process ends, however it ends, so a crash leaves none behind.
// Readers (audits, read-only opens) take no part in it. The locks are POSIX advisory locks, as
// SQLite's own: file systems that do not share them between machines (NFS without locking) do
// not share this one either.
import { realpathSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StorageError } from './errors.ts';

export interface WriterLock {
  release(): void;
}

/**
 * Takes the writer lock of the log database at `path` (which exists), or throws StorageError:
 * 'log-in-use' while another writer holds it, 'open-failed' when the lock file cannot be used.
 */
export function takeWriterLock(path: string): WriterLock {
  // Named after the file itself, not as spelled: a symbolic link to the database meets the lock.
  const file = `${realpathSync(path)}.lock`;
  let lock: Database.Database;
  try {
    // No busy timeout: a lock held by a running writer is not about to be released.
    lock = new Database(file, { timeout: 0 });
  } catch (cause) {
    throw new StorageError(
      'open-failed',
      `cannot open the lock file ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
  try {
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StorageError(
        'log-in-use',
        `${path} is already open for writing (a server holds ${file}): stop it, or give this one another database`,
      );
    }
    throw new StorageError('open-failed', `cannot lock ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { release: () => lock.close() };
}
