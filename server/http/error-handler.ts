// Makes every error answer {error: {code, message}} with its HTTP status: the routes' ApiErrors
// (with Retry-After when they say when to retry), proof and tile errors, Fastify's own errors
// (validation, 413, 415, bad JSON, unknown routes, bad URLs, malformed HTTP, 408 for a request
// not received in time), storage that cannot be read now (503, logged), and anything unexpected,
// which answers a generic 500 and is logged.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import { NoteError, ProofError, TileError } from '../log/errors.ts';
import { unavailableStorage } from '../storage/sqlite-storage.ts';
import { ApiError, type ErrorBody } from './api-error.ts';
import { STORAGE_RETRY_AFTER } from './submit.ts';

/** Deeper JSON than any API body needs; it would overflow recursive code (validation, stringify). */
export const MAX_JSON_DEPTH = 64;

/** Called with the code of every error answer (for the rejection metrics). */
export type RejectionListener = (code: string) => void;

// Fastify errors whose API code is not the kebab-case name of their status.
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad-json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad-json',
};

// Connection-level errors (before any request exists) and the status they answer.
const CONNECTION_STATUSES: Record<string, number> = {
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADER_OVERFLOW: 431,
};

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** 'Payload Too Large' → 'payload-too-large'. */
function statusCode(status: number): string {
  return statusText(status)
    .toLowerCase()
    .replaceAll(/[^a-z0-9]+/g, '-');
}

/** The answer for an error; undefined for an unexpected one (a 500 that must not leak). */
function toApiError(error: Partial<FastifyError>): ApiError | undefined {
  if (error instanceof ApiError) return error;
  // Bad input to proof building, tile paths and notes: the caller asked for something invalid.
  if (error instanceof ProofError || error instanceof TileError || error instanceof NoteError) {
    return new ApiError(400, error.code, error.message);
  }
  // A read the storage could not serve now (a disk fault, another process's lock): the request
  // was sound and may be retried; the SQLite error is logged as the cause.
  const unavailable = unavailableStorage(error);
  if (unavailable !== undefined) {
    return new ApiError(
      503,
      unavailable.code,
      `${unavailable.message}: retry in ${STORAGE_RETRY_AFTER} s`,
      { retryAfter: STORAGE_RETRY_AFTER, cause: error },
    );
  }
  const status = error.statusCode;
  // Fastify's client errors (validation, body parsing, bad URLs) carry safe messages.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = error.validation
      ? 'bad-request'
      : (FASTIFY_CODES[String(error.code)] ?? statusCode(status));
    return new ApiError(status, code, error.message || statusText(status));
  }
  return undefined;
}

function body(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

function errorHandler(onRejection: RejectionListener) {
  // The server-side faults behind 5xx answers, logged once each: a failed batch rejects every
  // submission in it with the one error.
  const logged = new WeakSet<Error>();
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const api = toApiError(error);
    if (api === undefined) {
      request.log.error({ err: error }, 'internal error');
      onRejection('internal');
      return reply.code(500).send(body('internal', 'internal server error'));
    }
    onRejection(api.code);
    if (api.statusCode >= 500 && api.cause instanceof Error && !logged.has(api.cause)) {
      logged.add(api.cause);
      request.log.error({ err: api.cause }, api.message);
    }
    if (api.retryAfter !== undefined) reply.header('retry-after', String(api.retryAfter));
    reply.headers(api.headers);
    return reply.code(api.statusCode).send(body(api.code, api.message));
  };
}

/**
 * The security headers of the answers given before any route or hook runs (below). Their bodies
 * are fixed JSON; these are the headers that matter for them, as the app's helmet sets them on
 * every other answer (server/http/security-headers.ts).
 */
export const PRE_ROUTING_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

const rawHeaders = Object.entries(PRE_ROUTING_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/**
 * Fastify constructor options that route errors raised before routing (bad URL encoding, over-long
 * parameters) and malformed HTTP on the socket (including a request not received in time) into
 * the same shape.
 */
export function errorServerOptions(
  onRejection: RejectionListener,
): Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> {
  const handle = errorHandler(onRejection);
  return {
    frameworkErrors: (error, request, reply) => {
      reply.headers(PRE_ROUTING_HEADERS);
      handle(error, request, reply);
    },
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      // A reset or closed connection has no one left to answer.
      if (socket.writable) {
        const status = CONNECTION_STATUSES[String(error.code)] ?? 400;
        const code = statusCode(status);
        onRejection(code);
        const json = JSON.stringify(body(code, statusText(status)));
        socket.write(
          `HTTP/1.1 ${status} ${statusText(status)}\r\nContent-Length: ${Buffer.byteLength(json)}\r\nContent-Type: application/json; charset=utf-8\r\n${rawHeaders}Connection: close\r\n\r\n${json}`,
        );
      }
      socket.destroy(error);
    },
  };
}

/** True when valid JSON `text` nests arrays and objects deeper than `max`. */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character.
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * Installs the error and not-found handlers and a depth-limited JSON parser on the root instance,
 * before any route plugin is registered, so that every route inherits them.
 */
export function installErrorHandling(app: FastifyInstance, onRejection: RejectionListener): void {
  app.setErrorHandler(errorHandler(onRejection));
  app.setNotFoundHandler((request, reply) => {
    onRejection('not-found');
    return reply
      .code(404)
      .send(body('not-found', `no route for ${request.method} ${request.url.split('?')[0]}`));
  });
  // Every body the API takes is JSON: a text body gets 415 like any other type, not a 400 from
  // validating a string where an object was due.
  app.removeContentTypeParser('text/plain');
  // Fastify's own JSON parser (with its prototype-poisoning checks), behind a nesting-depth check.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    if (jsonDeeperThan(text as string, MAX_JSON_DEPTH)) {
      done(new ApiError(400, 'bad-json', `JSON nests deeper than ${MAX_JSON_DEPTH} levels`));
      return;
    }
    parseJson(request, text as string, done);
  });
}
