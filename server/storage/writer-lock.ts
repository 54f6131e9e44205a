// A log has one writer. A second server on the same database would append under indexes the first
// also takes (the database refuses them, as failed batches) and sign checkpoints of its own. Each
// writer holds an exclusive SQLite lock on `<database>.lock` while it is open: the operating
// system drops the lock when the process ends, however it ends, so a crash leaves none behind.
// Readers (audits, read-only opens) take no part in it.
import Database from 'better-sqlite3';
import { StorageError } from './errors.ts';

export interface WriterLock {
  release(): void;
}

/** Takes the writer lock of the log database at `path`, or throws StorageError 'log-in-use'. */
export function takeWriterLock(path: string): WriterLock {
  const file = `${path}.lock`;
  // No busy timeout: a lock held by a running writer is not about to be released.
  const lock = new Database(file, { timeout: 0 });
  try {
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StorageError(
        'log-in-use',
        `${path} is open for writing by another process (an attestry server holds ${file}): stop it, or give this one another database`,
      );
    }
    throw error;
  }
  return { release: () => lock.close() };
}
