import { dirname, join } from 'node:path';

// Where `npm start` and `attestry server` put the log unless told otherwise. Kept apart from
// server.ts so that the CLI can show them without loading the server.
export const DEFAULT_DB_PATH = 'data/attestry.db';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

/** The keys of the log whose database is dbPath: `keys/` beside it. */
export function defaultKeysDir(dbPath: string): string {
  return join(dirname(dbPath), 'keys');
}

/** Cap on anonymous Rekor-API submissions per client address and minute. */
export const DEFAULT_ANONYMOUS_PER_MINUTE = 120;
