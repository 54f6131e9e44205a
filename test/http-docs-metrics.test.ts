import { STATUS_CODES } from 'node:http';
import t from 'tap';
import { openApiPath, serve } from './support/http.ts';
import { entryBody, openTempLog } from './support/temp-log.ts';

type Operations = Record<
  string,
  {
    responses: Record<
      string,
      { description: string; content?: Record<string, { schema: unknown }> }
    >;
  }
>;

t.test('/docs is an OpenAPI 3 document covering every route', async (t) => {
  const routes: { method: string; url: string; schema: unknown }[] = [];
  const { url } = await serve(t, openTempLog(t), {}, (app) => {
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD') routes.push({ method, url: route.url, schema: route.schema });
      }
    });
  });
  const response = await fetch(`${url}/docs`);
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /^application\/json/);
  const doc = await response.json();
  t.match(doc.openapi, /^3\./);
  t.equal(doc.info.title, 'attestry');
  t.same(await (await fetch(`${url}/docs/json`)).json(), doc, '/docs/json is the same document');

  t.ok(routes.length >= 9, `${routes.length} routes registered`);
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
  t.same(
    documented.sort(),
    routes.map((route) => `${route.method} ${openApiPath(route.url)}`).sort(),
    'the document lists exactly the registered routes',
  );
  for (const route of routes) {
    const operation = doc.paths[openApiPath(route.url)][route.method.toLowerCase()];
    t.ok(route.schema, `${route.method} ${route.url} has a schema`);
    const success = Object.keys(operation.responses).find((status) => status.startsWith('2'));
    t.ok(
      success && operation.responses[success].content,
      `${route.method} ${route.url}: its success answer is described`,
    );
  }
  for (const path of [
    '/checkpoint',
    '/tile/{*}',
    '/api/v1/log/inclusion',
    '/api/v1/log/consistency',
    '/api/v1/log/keys',
    '/healthz',
    '/metrics',
    '/docs',
  ]) {
    t.ok(doc.paths[path], `${path} is documented`);
  }
  const inclusion = doc.paths['/api/v1/log/inclusion'].get;
  t.same(
    inclusion.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort(),
    ['query:index', 'query:size'],
  );
  t.same(inclusion.responses['400'].content['application/json'].schema, {
    $ref: '#/components/schemas/ErrorBody',
  });
  // Every error answer is described by its status; each body is an ErrorBody, but the entries
  // API's 409, which carries the entry the log already holds. Routes with a path parameter list
  // the 414 Fastify answers, before routing, for one over its length limit.
  let errorAnswers = 0;
  for (const [path, operations] of Object.entries(doc.paths as Record<string, Operations>)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (/\{\w+\}/.test(path)) {
        t.ok(operation.responses['414'], `${method.toUpperCase()} ${path} lists 414`);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        errorAnswers++;
        const where = `${method.toUpperCase()} ${path} ${status}`;
        t.match(
          response.description,
          new RegExp(`^${STATUS_CODES[status]}`),
          `${where} is described`,
        );
        if (path === '/api/v1/entries' && status === '409') continue;
        t.same(
          response.content?.['application/json'].schema,
          { $ref: '#/components/schemas/ErrorBody' },
          `${where} is an ErrorBody`,
        );
      }
    }
  }
  t.ok(errorAnswers >= 40, `${errorAnswers} error answers listed`);
  t.ok(doc.components.schemas.ErrorBody, 'the shared error body is a component');
});

t.test('/metrics exposes the log metrics in Prometheus text format', async (t) => {
  const log = openTempLog(t);
  await Promise.all([0, 1, 2].map((i) => log.sequencer.submit(entryBody(i))));
  const { url } = await serve(t, log);
  await fetch(`${url}/nope`);
  const response = await fetch(`${url}/metrics`);
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  for (const name of [
    'attestry_log_entries',
    'attestry_batch_size',
    'attestry_batch_latency_seconds',
    'attestry_rejections_total',
    'process_cpu_user_seconds_total',
    'nodejs_heap_size_used_bytes',
  ]) {
    t.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  t.match(text, /^attestry_log_entries 3$/m, 'the tree size');
  t.match(text, /^attestry_rejections_total\{code="not-found"\} 1$/m);
  await log.sequencer.submit(entryBody(3));
  t.match(await (await fetch(`${url}/metrics`)).text(), /^attestry_log_entries 4$/m, 'live');
});

t.test("the sequencer's batches are measured", async (t) => {
  const log = openTempLog(t, { maxBatchSize: 4, maxBatchDelayMs: 1000 });
  const { url } = await serve(t, log);
  // Ten entries queued at once are sealed in batches of at most 4: 4, 4 and 2.
  await Promise.all(Array.from({ length: 10 }, (_, i) => log.sequencer.submit(entryBody(i))));
  const text = await (await fetch(`${url}/metrics`)).text();
  t.match(text, /^attestry_batch_size_count 3$/m);
  t.match(text, /^attestry_batch_size_sum 10$/m);
  t.match(text, /^attestry_batch_size_bucket\{le="2"\} 1$/m);
  t.match(text, /^attestry_batch_size_bucket\{le="4"\} 3$/m);
  t.match(text, /^attestry_batch_latency_seconds_count 3$/m);
  t.match(text, /^attestry_log_entries 10$/m);
});

t.test('apps have separate registries', async (t) => {
  const first = await serve(t, openTempLog(t));
  const second = await serve(t, openTempLog(t));
  await fetch(`${first.url}/nope`);
  t.match(await (await fetch(`${first.url}/metrics`)).text(), /code="not-found"\} 1$/m);
  t.notMatch(await (await fetch(`${second.url}/metrics`)).text(), /code="not-found"/);
});
