// The error answers a route lists in its response schema, and so in /docs: each is an ErrorBody
// ({error: {code, message}}). A test server checks every status a route answers is listed
// (test/support/http.ts).

import { STATUS_CODES } from 'node:http';

/** Response schema entries for `statuses`, each an ErrorBody described by its status text. */
export function errorResponses(
  ...statuses: number[]
): Record<number, { description: string; $ref: string }> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: STATUS_CODES[status] ?? 'Error', $ref: 'ErrorBody#' },
    ]),
  );
}

/**
 * What every route that reads the storage may answer besides its own errors: 503 while the
 * storage cannot be read (a disk fault, another process's lock), to be retried.
 */
export const STORAGE_UNAVAILABLE = 503;

/**
 * What a route with a path parameter (`/api/v1/entries/:index`) may answer: Fastify refuses a
 * parameter longer than its limit (100 characters) before routing, with 414.
 */
export const PARAMETER_TOO_LONG = 414;

/**
 * What a publishing route may answer besides a duplicate: a refused check (400), no token or a
 * refused one (401), a name the caller may not publish under (403), a body over the limit (413)
 * or of a content type the server does not parse (415), the caller's rate limit (429), a
 * saturated log or storage that cannot be written (503, with Retry-After).
 */
export const PUBLISHING_ERRORS = errorResponses(400, 401, 403, 413, 415, 429, 503);
