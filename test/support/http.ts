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
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
}

/**
 * Records every answer the app's routes give (method, route, status) and answers a check that
 * throws if /docs does not list one of them among its route's responses. HEAD answers count as
 * GET's; 500s (a fault no route promises) and routes without a response schema (a test's own) are
 * left out.
 */
function recordAnswers(app: FastifyInstance): () => void {
  const answered = new Set<string>();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions;
    if (route.url === undefined || route.schema?.response === undefined) return;
    if (reply.statusCode === 500) return;
    const method = request.method === 'HEAD' ? 'get' : request.method.toLowerCase();
    answered.add(`${method} ${openApiPath(route.url)} ${reply.statusCode}`);
  });
  return () => {
    const { paths } = app.swagger() as unknown as OpenApiDocument;
    const undocumented = [...answered].filter((answer) => {
      const [method, path, status] = answer.split(' ');
      return paths[path]?.[method]?.responses[status] === undefined;
    });
    if (undocumented.length > 0) {
      throw new Error(`answers /docs does not list: ${undocumented.join(', ')}`);
    }
  };
}

/**
 * Builds the app, lets `setup` add test routes or hooks, and listens on 127.0.0.1. When the test
 * ends, every status a route answered must be among that route's responses in /docs.
 */
export async function serve(
  t: Test,
  log: LogService,
  options: FastifyServerOptions = {},
  setup?: (app: FastifyInstance) => void,
  publishing: PublishingOptions = OPEN_PUBLISHING,
): Promise<Served> {
  const app = buildApp(log, options, publishing);
  const checkDocumented = recordAnswers(app);
  setup?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(async () => {
    try {
      checkDocumented();
    } finally {
      await app.close();
    }
  });
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
