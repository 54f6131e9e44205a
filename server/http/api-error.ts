// Every API error answers {error: {code, message}} with its HTTP status. Routes throw ApiError;
// the app's error handler (server/http/error-handler.ts) turns it, and Fastify's own errors, into
// that shape.
export interface ApiErrorOptions extends ErrorOptions {
  /** Seconds after which the request may be tried again: sent as `Retry-After`. */
  retryAfter?: number;
  /** More response headers (`WWW-Authenticate` on a 401). */
  headers?: Record<string, string>;
}

export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly retryAfter: number | undefined;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, code: string, message: string, options?: ApiErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.code = code;
    this.retryAfter = options?.retryAfter;
    this.headers = options?.headers ?? {};
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export const errorBodySchema = {
  $id: 'ErrorBody',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;
