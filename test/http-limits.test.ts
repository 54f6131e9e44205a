// Abuse limits over real HTTP on a real SQLite file: a saturated sequencer sheds submissions
// (503 with Retry-After) and recovers as its queue drains, every answer carries the security
// headers, and slow or idle clients are dropped without holding up anyone else.
import { connect } from 'node:net';
import t, { type Test } from 'tap';
import { buildApp, timeoutCheckInterval } from '../server/app.ts';
import {
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_MAX_QUEUED_ENTRIES,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from '../server/defaults.ts';
import { SubmissionError } from '../server/entries/submission-error.ts';
import { PRE_ROUTING_HEADERS } from '../server/http/error-handler.ts';
import { SECURITY_HEADERS } from '../server/http/security-headers.ts';
import { type ChecksUnderWay, checked, refuseWhenSaturated } from '../server/http/submit.ts';
import { bearer, localToken } from './support/auth.ts';
import { expectError, serve } from './support/http.ts';
import { postEntry, submissionBody, TEST_PREDICATE_TYPE } from './support/submissions.ts';
import { openTempLog } from './support/temp-log.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds, failing the test after `ms`. */
async function until(t: Test, condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) {
      t.fail(`${what}: not within ${ms} ms`);
      return;
    }
    await sleep(5);
  }
}

const jsonPost = (body: string, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

t.test('a saturated log answers 503 with Retry-After, serves reads, and recovers', async (t) => {
  // A batch waits 1.5 s for more entries: what is submitted meanwhile stays queued.
  const log = openTempLog(t, { maxBatchDelayMs: 1500 });
  const { url } = await serve(t, log, {}, undefined, {
    allowAnonymous: true,
    maxQueuedEntries: 2,
  });
  const bodies = await Promise.all([0, 1, 2, 3].map((i) => submissionBody(i)));
  // An entry to read, sealed at once.
  const first = postEntry(url, bodies[0]);
  await until(t, () => log.sequencer.queueLength === 1, 'the first entry queued');
  log.sequencer.flush();
  t.equal((await first).status, 201, 'an entry to read');

  const waiting = [postEntry(url, bodies[1]), postEntry(url, bodies[2])];
  await until(t, () => log.sequencer.queueLength === 2, 'two entries queued');
  const refused = await postEntry(url, bodies[3]);
  t.equal(refused.headers.get('retry-after'), '1', 'Retry-After: 1');
  await expectError(t, refused, 503, 'log-saturated');
  // The Rekor routes are refused too, before their body is even looked at.
  for (const path of ['/api/v1/log/entries', '/api/v2/log/entries']) {
    const response = await fetch(`${url}${path}`, jsonPost('{}'));
    t.equal(response.headers.get('retry-after'), '1', `${path}: Retry-After`);
    await expectError(t, response, 503, 'log-saturated');
  }
  t.equal(log.sequencer.queueLength, 2, 'nothing refused joined the queue');

  // Reads go on while the queue is full.
  for (const path of [
    '/checkpoint',
    '/healthz',
    '/tile/0/000.p/1',
    '/tile/entries/000.p/1',
    '/api/v1/entries/0',
    `/api/v1/entries?predicateType=${encodeURIComponent(TEST_PREDICATE_TYPE)}`,
    '/api/v1/log/inclusion?index=0&size=1',
    '/api/v1/log/keys',
    '/api/v1/log',
  ]) {
    t.equal((await fetch(`${url}${path}`)).status, 200, `GET ${path} is served`);
  }

  // The batch seals, the queue drains, and the service takes submissions again.
  t.same(
    (await Promise.all(waiting)).map((r) => r.status),
    [201, 201],
    'the queued submissions are answered',
  );
  t.equal(log.sequencer.queueLength, 0);
  const again = await postEntry(url, bodies[3]);
  t.equal(again.status, 201, 'the refused submission is taken once the queue drained');
  t.equal((await again.json()).logIndex, 3, 'and nothing of the refused attempts was logged');
  const metrics = await (await fetch(`${url}/metrics`)).text();
  t.match(metrics, /^attestry_rejections_total\{code="log-saturated"\} 3$/m, 'refusals counted');
});

t.test('submissions whose checks are under way count toward the queue limit', async (t) => {
  const log = openTempLog(t);
  const checks: ChecksUnderWay = { count: 0 };
  const saturated = refuseWhenSaturated(log, 2, checks);
  const admit = () => saturated.call(null as never, null as never, null as never);
  let pass = (_: unknown) => {};
  let fail = (_: unknown) => {};
  const passing = checked(checks, new Promise((resolve) => (pass = resolve)));
  await t.resolves(admit(), 'one check under way: one more is admitted');
  const failing = checked(checks, new Promise((_, reject) => (fail = reject)));
  t.equal(checks.count, 2);
  await t.rejects(admit(), { statusCode: 503, code: 'log-saturated' }, 'two: the limit');
  pass('checked');
  fail(new SubmissionError('bad-signature', 'no'));
  t.equal(await passing, 'checked');
  await t.rejects(failing, { statusCode: 400, code: 'bad-signature' });
  t.equal(checks.count, 0, 'a check leaves the count whether it passes or fails');
  await t.resolves(admit());
});

t.test('the default queue limit does not throttle 300 submissions in flight', async (t) => {
  t.equal(DEFAULT_MAX_QUEUED_ENTRIES, 4096);
  // Batches seal only when full (or after 1 s): more than a whole batch waits at once.
  const log = openTempLog(t, { maxBatchDelayMs: 1000 });
  const { url } = await serve(t, log);
  const bodies = await Promise.all(Array.from({ length: 300 }, (_, i) => submissionBody(i)));
  let deepest = 0;
  const watch = setInterval(() => {
    deepest = Math.max(deepest, log.sequencer.queueLength);
  }, 1);
  const statuses = (await Promise.all(bodies.map((body) => postEntry(url, body)))).map(
    (r) => r.status,
  );
  clearInterval(watch);
  t.same(new Set(statuses), new Set([201]), 'every one is taken');
  t.ok(deepest > 0, `the queue was used (deepest seen: ${deepest})`);
  t.equal(log.sequencer.checkpoint.size, 300);
});

t.test('every answer carries the security headers; /docs still serves its document', async (t) => {
  const log = openTempLog(t);
  // Publishing needs a token here, as by default.
  const { url } = await serve(t, log, {}, undefined, {});
  const token = bearer(await localToken(log, ['*']));
  t.equal(
    (await fetch(`${url}/api/v1/entries`, jsonPost(await submissionBody(0), token))).status,
    201,
  );
  const expected = {
    'content-security-policy': "default-src 'none';frame-ancestors 'none'",
    'cross-origin-resource-policy': 'cross-origin',
    'cross-origin-opener-policy': 'same-origin',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'referrer-policy': 'no-referrer',
  };
  t.match(SECURITY_HEADERS, { crossOriginResourcePolicy: { policy: 'cross-origin' } });
  const answers: [string, RequestInit | undefined, number][] = [
    ['/checkpoint', undefined, 200],
    ['/tile/0/000.p/1', undefined, 200],
    ['/tile/entries/000.p/1', undefined, 200],
    ['/api/v1/entries/0', undefined, 200],
    ['/api/v1/log/keys', undefined, 200],
    ['/api/v1/trusted-root', undefined, 200],
    ['/healthz', undefined, 200],
    ['/metrics', undefined, 200],
    ['/docs', undefined, 200],
    ['/docs/json', undefined, 200],
    ['/tile/0/999', undefined, 404],
    ['/no/such/route', undefined, 404],
    ['/api/v1/entries', jsonPost('{"bundle": 1}', token), 400],
    ['/api/v1/entries', jsonPost('{"bundle": 1}'), 401],
    ['/api/v1/log/entries', jsonPost('{}'), 401],
  ];
  for (const [path, init, status] of answers) {
    const response = await fetch(`${url}${path}`, init);
    t.equal(response.status, status, `${path}: ${status}`);
    const headers = Object.fromEntries(response.headers);
    t.match(headers, expected, `${path}: the security headers`);
    t.notOk('x-powered-by' in headers, `${path}: no x-powered-by`);
    if (path.startsWith('/docs')) {
      t.match(await response.json(), { openapi: /^3\./, paths: { '/checkpoint': {} } });
    }
  }

  // Answers given before routing: a bad URL escape, and malformed HTTP on the socket.
  const badUrl = await fetch(`${url}/tile/%zz`);
  t.match(Object.fromEntries(badUrl.headers), PRE_ROUTING_HEADERS, 'a bad URL');
  await expectError(t, badUrl, 400, 'bad-request');
  t.equal(
    PRE_ROUTING_HEADERS['content-security-policy'],
    expected['content-security-policy'],
    'the same policy as the routed answers',
  );
  const raw = await rawExchange(url, ['NOT HTTP\r\n\r\n']);
  t.match(raw.received, /^HTTP\/1\.1 400 /);
  t.match(
    raw.received,
    /\r\ncontent-security-policy: default-src 'none';frame-ancestors 'none'\r\n/,
  );
  t.match(raw.received, /\r\nx-content-type-options: nosniff\r\n/);
});

interface Exchange {
  received: string;
  /** Milliseconds from connecting to the server closing the connection. */
  closedAfter: number;
}

/**
 * Sends `chunks` one every `everyMs` (repeating the last one for ever) until the server closes the
 * connection; gives up after `giveUpMs`, with closedAfter Infinity.
 */
function rawExchange(
  url: string,
  chunks: string[],
  everyMs = 50,
  giveUpMs = 5000,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let received = '';
    let sent = 0;
    const send = () => {
      if (!socket.destroyed && socket.writable)
        socket.write(chunks[Math.min(sent++, chunks.length - 1)]);
    };
    const ticker = setInterval(send, everyMs);
    const giveUp = setTimeout(() => {
      clearInterval(ticker);
      socket.destroy();
      resolve({ received, closedAfter: Number.POSITIVE_INFINITY });
    }, giveUpMs);
    socket.on('data', (chunk) => {
      received += chunk;
    });
    socket.on('close', () => {
      clearInterval(ticker);
      clearTimeout(giveUp);
      resolve({ received, closedAfter: performance.now() - started });
    });
    // The server may reset the connection while a chunk is on its way.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('connect', send);
  });
}

function rawJson(response: string): unknown {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
}

t.test('slow-loris requests get 408 and are dropped; other clients are served', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log, { requestTimeout: 1000 });
  const body = await submissionBody(0);
  let closed = 0;
  const counted = (exchange: Promise<Exchange>) =>
    exchange.then((result) => {
      closed++;
      return result;
    });
  const slowHeaders = counted(
    rawExchange(url, [
      'POST /api/v1/entries HTTP/1.1\r\n',
      'Host: x\r\n',
      'Content-Type: application/json\r\n',
      'X-Slow: a\r\n',
    ]),
  );
  const slowBody = counted(
    rawExchange(url, [
      'POST /api/v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
      '{',
      ' ',
    ]),
  );
  const silent = counted(rawExchange(url, [''], 1000));
  // While they trickle, others are answered at once.
  await sleep(100);
  t.equal((await fetch(`${url}/healthz`)).status, 200, 'a read');
  t.equal((await postEntry(url, body)).status, 201, 'a submission');
  t.equal(closed, 0, 'answered while the slow requests still held their connections');

  for (const [name, exchange] of Object.entries({ slowHeaders, slowBody, silent })) {
    const { received, closedAfter } = await exchange;
    t.match(received, /^HTTP\/1\.1 408 Request Timeout\r\n/, `${name}: 408`);
    t.same(
      rawJson(received),
      { error: { code: 'request-timeout', message: 'Request Timeout' } },
      `${name}: the error shape`,
    );
    // Node looks for late requests every tenth of the timeout.
    t.ok(
      closedAfter >= 950 && closedAfter < 3000,
      `${name}: dropped after ${Math.round(closedAfter)} ms`,
    );
  }
  const metrics = await (await fetch(`${url}/metrics`)).text();
  t.match(metrics, /^attestry_rejections_total\{code="request-timeout"\} 3$/m);
  t.equal(log.sequencer.checkpoint.size, 1, 'only the complete submission was logged');
});

t.test('an idle connection is closed after connectionTimeout', async (t) => {
  // No request timeout: only the idle timer can end the connection.
  const { url } = await serve(t, openTempLog(t), { requestTimeout: 0, connectionTimeout: 300 });
  const { received, closedAfter } = await rawExchange(url, [''], 1000);
  t.equal(received, '', 'closed without an answer');
  t.ok(closedAfter >= 250 && closedAfter < 2500, `closed after ${Math.round(closedAfter)} ms`);
});

t.test('timeouts default to 30 s per request and 60 s idle; 0 turns them off', async (t) => {
  t.equal(DEFAULT_REQUEST_TIMEOUT_MS, 30_000);
  t.equal(DEFAULT_CONNECTION_TIMEOUT_MS, 60_000);
  const log = openTempLog(t);
  const byDefault = buildApp(log);
  t.teardown(() => byDefault.close());
  t.match(byDefault.server, {
    requestTimeout: 30_000,
    headersTimeout: 30_000,
    timeout: 60_000,
    connectionsCheckingInterval: 3000,
  });
  const off = buildApp(log, { requestTimeout: 0, connectionTimeout: 0 });
  t.teardown(() => off.close());
  t.match(off.server, {
    requestTimeout: 0,
    headersTimeout: 0,
    timeout: 0,
    connectionsCheckingInterval: 30_000,
  });
  t.equal(timeoutCheckInterval(500), 50);
  t.equal(timeoutCheckInterval(20), 10, 'at least every 10 ms');
  t.equal(timeoutCheckInterval(3_600_000), 30_000, "at most Node's 30 s");
});
