// The app on a real loopback port, for tests that go through HTTP.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Test } from 'tap';
import { buildApp, type PublishingOptions } from '../../server/app.ts';
import type { LogService } from '../../server/log-service.ts';

export interface Served {
  app: FastifyInstance;
  url: string;
}

/**
 * A log that takes submissions without a token, as if started with --allow-anonymous and a limit
 * no test reaches: for the tests of everything but publish authorization, which test/auth-*.test.ts
 * and the end-to-end tests cover with tokens. Name ownership applies as always.
 */
export const OPEN_PUBLISHING: PublishingOptions = {
  allowAnonymous: true,
  anonymousPerMinute: 1_000_000,
};

/** Fastify's `/a/:b` and `/tile/*` as OpenAPI writes them. */
export function openApiPath(url: string): string {
  return url.replaceAll(/:(\w+)/g, '{$1}').replace('*', '{*}');
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
  >;
}

/**
 * Fails `t` when a route answers a status, or a content type, that /docs does not list among its
 * responses. Checked
 * as each answer is sent, before the client reads it. HEAD answers count as GET's; 500s (a fault
 * no route promises) and routes without a response schema (a test's own) are left out, as are
 * answers given before routing (an unknown route, a path parameter over Fastify's length limit,
 * a request while the app closes).
 */
function failUndocumentedAnswers(t: Test, app: FastifyInstance): void {
  let paths: OpenApiDocument['paths'] | undefined;
  app.addHook('onSend', async (request, reply) => {
    const route = request.routeOptions;
    if (route.url === undefined || route.schema?.response === undefined) return;
    if (reply.statusCode === 500) return;
    paths ??= (app.swagger() as unknown as OpenApiDocument).paths;
    const method = request.method === 'HEAD' ? 'get' : request.method.toLowerCase();
    const path = openApiPath(route.url);
    const listed = paths[path]?.[method]?.responses[reply.statusCode];
    const answered = `${method.toUpperCase()} ${path} answered ${reply.statusCode}`;
    if (listed === undefined) {
      t.fail(`${answered}, which /docs does not list`);
      return;
    }
    const type = String(reply.getHeader('content-type') ?? '').split(';')[0];
    if (listed.content !== undefined && type !== '' && listed.content[type] === undefined) {
      t.fail(`${answered} as ${type}, which /docs does not list`);
    }
  });
}

/**
 * Builds the app, lets `setup` add test routes or hooks, and listens on 127.0.0.1. Every status and
 * content type a route answers must be among that route's responses in /docs, or the test fails.
 */
export async function serve(
  t: Test,
  log: LogService,
  options: FastifyServerOptions = {},
  setup?: (app: FastifyInstance) => void,
  publishing: PublishingOptions = OPEN_PUBLISHING,
): Promise<Served> {
  const app = buildApp(log, options, publishing);
  failUndocumentedAnswers(t, app);
  setup?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

/** Asserts the {error: {code, message}} shape and the status; returns the code. */
export async function expectError(
  t: Test,
  response: Response,
  status: number,
  code?: string,
): Promise<string> {
  t.equal(response.status, status, `status ${status}`);
  t.match(response.headers.get('content-type'), /^application\/json/);
  const body = await response.json();
  t.same(Object.keys(body), ['error'], 'only an error member');
  t.type(body.error.code, 'string');
  t.type(body.error.message, 'string');
  t.ok(body.error.message.length > 0, 'a message');
  if (code !== undefined) t.equal(body.error.code, code);
  return body.error.code;
}

/**
 * A fetch that passes requests to the real server and lets `alter` rewrite the answers' bodies
 * (JSON or text), by path: a log that lies, for the clients' tests.
 */
export function alteringFetch(alter: (path: string, body: string) => string): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const path = new URL(String(input)).pathname;
    const body = alter(path, await response.text());
    return new Response(body, { status: response.status, headers: response.headers });
  };
}
