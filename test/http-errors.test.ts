import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { DEFAULT_BODY_LIMIT } from '../server/app.ts';
import { ApiError } from '../server/http/api-error.ts';
import { MAX_JSON_DEPTH } from '../server/http/error-handler.ts';
import { LogError, NoteError, ProofError, TileError } from '../server/log/errors.ts';
import { expectError, serve } from './support/http.ts';
import {
  buildBundle,
  certificateSigner,
  makeCertificateChain,
  omsStatement,
} from './support/signing.ts';
import { openTempLog } from './support/temp-log.ts';

/** Test-only routes: a JSON echo with a body schema, and routes that throw. */
function testRoutes(app: FastifyInstance): void {
  app.post(
    '/test/echo',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' } },
        },
      },
    },
    async (request) => request.body,
  );
  app.post('/test/any', async () => ({ ok: true }));
  app.get('/test/api-error', async () => {
    throw new ApiError(409, 'duplicate', 'already in the log');
  });
  app.get('/test/proof-error', async () => {
    throw new ProofError('root-mismatch', 'the proof does not lead to the root');
  });
  app.get('/test/tile-error', async () => {
    throw new TileError('bad-tile', 'no such tile');
  });
  app.get('/test/note-error', async () => {
    throw new NoteError('malformed-checkpoint', 'not a checkpoint');
  });
  app.get('/test/log-error', async () => {
    throw new LogError('checkpoint-conflict', 'secret detail /var/lib/attestry.db');
  });
  app.get('/test/teapot', async () => {
    throw Object.assign(new Error(''), { statusCode: 418 });
  });
  app.get('/test/odd-status', async () => {
    throw Object.assign(new Error('odd'), { statusCode: 499 });
  });
  app.get('/test/crash', async () => {
    throw new TypeError("Cannot read properties of undefined (reading 'secret')");
  });
}

const json = (body: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body,
});

t.test('unknown routes answer 404 JSON', async (t) => {
  const { url } = await serve(t, openTempLog(t));
  await expectError(t, await fetch(`${url}/nope`), 404, 'not-found');
  await expectError(t, await fetch(`${url}/api/v1/nope?x=1`), 404, 'not-found');
  await expectError(t, await fetch(`${url}/checkpoint`, { method: 'DELETE' }), 404, 'not-found');
  await expectError(t, await fetch(`${url}/healthz`, json('{}')), 404, 'not-found');
});

/** Sends raw bytes on a new connection; resolves with everything read until the server closes. */
function rawRequest(url: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk;
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.write(request);
  });
}

function rawBody(response: string): unknown {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
}

t.test('a body over the default 2 MiB limit is 413', async (t) => {
  const { url } = await serve(t, openTempLog(t), {}, testRoutes);
  t.equal(DEFAULT_BODY_LIMIT, 2 * 1024 * 1024);
  const fits = JSON.stringify({ name: 'x'.repeat(DEFAULT_BODY_LIMIT - 100) });
  t.equal((await fetch(`${url}/test/echo`, json(fits))).status, 200, 'just under the limit');
  // The declared length alone is refused, before any byte of the body is read. (Sending the body
  // through fetch would race the early answer against the upload.)
  const response = await rawRequest(
    url,
    `POST /test/any HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${DEFAULT_BODY_LIMIT + 1}\r\nConnection: close\r\n\r\n`,
  );
  t.match(response, /^HTTP\/1\.1 413 /);
  t.same(rawBody(response), {
    error: { code: 'body-too-large', message: 'Request body is too large' },
  });
});

t.test('the body limit is configurable and applies to every POST route', async (t) => {
  const { url } = await serve(t, openTempLog(t), { bodyLimit: 1024 }, testRoutes);
  const body = JSON.stringify({ name: 'x'.repeat(4096) });
  await expectError(t, await fetch(`${url}/test/echo`, json(body)), 413, 'body-too-large');
  await expectError(t, await fetch(`${url}/test/any`, json(body)), 413, 'body-too-large');
  // Also when no length is declared and the limit is only crossed while reading.
  const chunked = await fetch(`${url}/test/any`, {
    ...json(''),
    body: new Blob([body]).stream(),
    duplex: 'half',
  } as RequestInit);
  await expectError(t, chunked, 413, 'body-too-large');
  t.equal((await fetch(`${url}/test/echo`, json('{"name":"a"}'))).status, 200);
});

t.test('an entry whose verification material cannot fit in a log entry is 413', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  // A leaf certificate with a 70 kB extension: the request is far under the body limit, but the
  // canonical body, which carries the certificate, would pass an entry's 65,535 bytes.
  const chain = await makeCertificateChain({
    extensions: [{ oid: '1.3.6.1.4.1.57264.99', value: new Uint8Array(70_000) }],
  });
  const bundle = await buildBundle(certificateSigner(chain), omsStatement());
  const response = await fetch(`${url}/api/v1/entries`, json(JSON.stringify({ bundle })));
  t.match(
    (await response.clone().json()).error.message,
    /^the entry's verification material is too large/,
  );
  await expectError(t, response, 413, 'entry-too-large');
  t.equal(log.sequencer.checkpoint.size, 0, 'nothing appended');
});

t.test('an unsupported media type is 415', async (t) => {
  const { url } = await serve(t, openTempLog(t), {}, testRoutes);
  for (const type of ['application/xml', 'application/x-www-form-urlencoded', 'text/plain']) {
    const response = await fetch(`${url}/test/echo`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: 'name=a',
    });
    await expectError(t, response, 415, 'unsupported-media-type');
  }
});

t.test('bad JSON is 400 bad-json', async (t) => {
  const { url } = await serve(t, openTempLog(t), {}, testRoutes);
  for (const body of ['{"name":', 'not json', '{"name":"a"} trailing', '']) {
    await expectError(t, await fetch(`${url}/test/echo`, json(body)), 400, 'bad-json');
  }
  // Prototype poisoning stays refused, as by Fastify's own parser.
  const poisoned = '{"name":"a","__proto__":{"admin":true}}';
  await expectError(t, await fetch(`${url}/test/echo`, json(poisoned)), 400, 'bad-json');
});

t.test('deeply nested JSON is 400, not a stack overflow', async (t) => {
  const { url } = await serve(t, openTempLog(t), {}, testRoutes);
  for (const depth of [10_000, 1_000_000, MAX_JSON_DEPTH + 1]) {
    const body = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    await expectError(t, await fetch(`${url}/test/any`, json(body)), 400, 'bad-json');
  }
  const objects = `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`;
  await expectError(t, await fetch(`${url}/test/any`, json(objects)), 400, 'bad-json');
  // At the limit it parses; brackets and escaped quotes inside strings do not count.
  const atLimit = `{"name":"[[[\\"[[{{","x":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`;
  const echoed = await fetch(`${url}/test/echo`, json(atLimit));
  t.equal(echoed.status, 200);
  t.equal((await echoed.json()).name, '[[["[[{{');
});

t.test('schema validation errors are 400 naming the field', async (t) => {
  const { url } = await serve(t, openTempLog(t), {}, testRoutes);
  let response = await fetch(`${url}/test/echo`, json('{"name":{"first":"a"}}'));
  await expectError(t, response.clone(), 400, 'bad-request');
  t.match((await response.json()).error.message, /name/);
  response = await fetch(`${url}/test/echo`, json('{}'));
  t.match((await response.json()).error.message, /name/);
});

t.test('thrown errors map to their status and code; others are a generic 500', async (t) => {
  const { url } = await serve(t, openTempLog(t), {}, testRoutes);
  await expectError(t, await fetch(`${url}/test/api-error`), 409, 'duplicate');
  await expectError(t, await fetch(`${url}/test/proof-error`), 400, 'root-mismatch');
  await expectError(t, await fetch(`${url}/test/tile-error`), 400, 'bad-tile');
  await expectError(t, await fetch(`${url}/test/note-error`), 400, 'malformed-checkpoint');
  // Other errors carrying a 4xx status keep it, named after it.
  const teapot = await fetch(`${url}/test/teapot`);
  t.same(await teapot.clone().json(), {
    error: { code: 'i-m-a-teapot', message: "I'm a Teapot" },
  });
  await expectError(t, teapot, 418);
  await expectError(t, await fetch(`${url}/test/odd-status`), 499, 'error');
  for (const path of ['/test/log-error', '/test/crash']) {
    const response = await fetch(`${url}${path}`);
    const text = await response.clone().text();
    await expectError(t, response, 500, 'internal');
    t.notMatch(text, /secret|Cannot read|TypeError|attestry\.db/, 'no internals leak');
  }
});

t.test('errors before routing and malformed HTTP get the same shape', async (t) => {
  const { url } = await serve(t, openTempLog(t));
  await expectError(t, await fetch(`${url}/tile/%zz`), 400, 'bad-request');
  const raw = await rawRequest(url, 'NOT A REQUEST\r\n\r\n');
  t.match(raw, /^HTTP\/1\.1 400 /);
  t.same(rawBody(raw), { error: { code: 'bad-request', message: 'Bad Request' } });
  const huge = await rawRequest(
    url,
    `GET /healthz HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  );
  t.match(huge, /^HTTP\/1\.1 431 /);
  t.same(rawBody(huge), {
    error: { code: 'request-header-fields-too-large', message: 'Request Header Fields Too Large' },
  });
});

t.test('a connection reset mid-request is not answered or counted', async (t) => {
  const { url } = await serve(t, openTempLog(t));
  await new Promise<void>((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n', () => {
      setTimeout(() => {
        socket.resetAndDestroy();
        resolve();
      }, 20);
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const metrics = await (await fetch(`${url}/metrics`)).text();
  t.notMatch(metrics, /attestry_rejections_total\{/, 'no rejection');
});

t.test('rejections are counted by code', async (t) => {
  const { url } = await serve(t, openTempLog(t), {}, testRoutes);
  await fetch(`${url}/nope`);
  await fetch(`${url}/nope`);
  await fetch(`${url}/test/crash`);
  await fetch(`${url}/test/echo`, json('{'));
  const metrics = await (await fetch(`${url}/metrics`)).text();
  t.match(metrics, /^attestry_rejections_total\{code="not-found"\} 2$/m);
  t.match(metrics, /^attestry_rejections_total\{code="internal"\} 1$/m);
  t.match(metrics, /^attestry_rejections_total\{code="bad-json"\} 1$/m);
});
