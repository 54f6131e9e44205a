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

/** Cap on anonymous submissions (--allow-anonymous) per client address and minute. */
export const DEFAULT_ANONYMOUS_PER_MINUTE = 120;

/**
 * Cap on submissions per token subject and minute: above what one sequencer absorbs (a few
 * thousand a second), so that it never throttles an authenticated publisher below the log's own
 * pace, and still stops a leaked token from being used to flood the log for long.
 */
export const DEFAULT_TOKEN_PER_MINUTE = 300_000;

/**
 * Entries that may wait for the sequencer before submissions are refused (503 log-saturated).
 * The queue only grows while the event loop cannot get to sealing: each submitter waits for its
 * answer, so the depth is at most the submissions in flight, and every batch seals the whole
 * queue, 256 entries a transaction. 4096 waiting is 16 full batches, as many as the log benchmark
 * keeps in flight against the sequencer, and 64 times what the HTTP benchmark keeps in flight.
 */
export const DEFAULT_MAX_QUEUED_ENTRIES = 4096;

/**
 * Time to receive a whole request, headers and body (408 beyond): a 2 MiB body needs about
 * 560 kbit/s. It bounds how long a slow client (slow-loris) holds a connection.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** A connection idle this long (nothing received or sent) is closed. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 60_000;
