// The security headers of every answer, from helmet. Every answer is JSON or text, /docs included
// (the OpenAPI document, no HTML UI): nothing may load or frame it. The log is public: its tiles
// and checkpoints may be read from any origin (witnesses, monitors, verifiers in a browser).
//
// With these options (no CSP nonces, nothing read from the request) helmet's headers are the
// same for every answer, so they are computed once, at start-up. @fastify/helmet built the whole
// helmet middleware again on every request: about 7% of an append's time on the event loop.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** helmet's defaults, with these changes. */
export const SECURITY_HEADERS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  crossOriginResourcePolicy: { policy: 'cross-origin' },
};

/** The headers helmet sets with these options, as name (lowercase) to value. */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  // helmet 8 throws on bad options rather than passing them on: nothing comes to `next`.
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}

/** Adds the headers to every answer: the first onRequest hook, so 404s and errors get them too. */
export function addSecurityHeaders(app: FastifyInstance): void {
  const headers = helmetHeaders(SECURITY_HEADERS);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
