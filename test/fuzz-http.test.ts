// Property-based fuzzing of the HTTP API: the real server on a real SQLite file, over loopback,
// RUNS generated requests (FUZZ_RUNS, default 10,000), 32 in flight. Submissions to
// POST /api/v1/entries and the Rekor v1 and v2 routes (anonymous publishing on, no effective rate
// limit): fresh valid ones, resubmissions, mutated bundles and requests, edited statements signed
// afresh, broken JSON, odd content types. Reads: tile paths, entry indices, searches, inclusion
// and consistency proofs, Rekor UUIDs, model status and BOMs, unknown paths and methods. Every
// answer must be 2xx or 4xx (304 only to If-None-Match), never 5xx, and every 4xx the JSON
// {error: {code, message}}. Afterwards the log holds exactly the accepted submissions: its tree
// size is the number of 201s, their indices are 0..size-1, and the log audits clean.
import fc from 'fast-check';
import t from 'tap';
import { Pool } from 'undici';
import { checkRekorV1Entry } from '../server/entries/rekor-v1-entry.ts';
import { SubmissionError } from '../server/entries/submission-error.ts';
import { auditLog } from '../server/log/audit.ts';
import { toHex, utf8 } from '../server/log/encoding.ts';
import { leafHash } from '../server/log/hash.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import {
  anyString,
  jsonAround,
  mutatedString,
  outcomeAsync,
  RUNS,
  SEED,
  stringsAround,
} from './support/fuzz.ts';
import { type Signed, STATEMENTS, submissionSamples } from './support/fuzz-samples.ts';
import { serve } from './support/http.ts';
import { IN_TOTO } from './support/signing.ts';
import { openTempLog } from './support/temp-log.ts';

const CONCURRENCY = 32;

interface Request {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const log = openTempLog(t);
const { url } = await serve(t, log, {}, undefined, {
  allowAnonymous: true,
  anonymousPerMinute: 1e9,
});
const samples = await submissionSamples();

// ---------------------------------------------------------------------------------------------
// Submissions

type Route = 'native' | 'rekorV1' | 'rekorV2';

const ROUTES: Record<Route, { path: string; bases: unknown[]; make: (s: Signed) => unknown }> = {
  native: { path: '/api/v1/entries', bases: samples.bundleBodies, make: samples.bundleBody },
  rekorV1: {
    path: '/api/v1/log/entries',
    bases: samples.rekorV1Entries,
    make: samples.rekorV1Entry,
  },
  rekorV2: {
    path: '/api/v2/log/entries',
    bases: samples.rekorV2Requests,
    make: samples.rekorV2Request,
  },
};

const hex = (bytes: Uint8Array) => toHex(bytes);

/** A statement no one submitted before: a generated subject digest. */
const freshStatement = fc
  .record({
    statement: fc.constantFrom(...STATEMENTS),
    digest: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    name: fc.string({ minLength: 1, maxLength: 20 }),
  })
  .map(({ statement, digest, name }) =>
    utf8(JSON.stringify({ ...statement, subject: [{ name, digest: { sha256: hex(digest) } }] })),
  );

const signer = fc.constantFrom<Signed['signer']>('p256', 'ed25519', 'certificate');

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8'];
const contentType = fc.oneof(
  { arbitrary: fc.constantFrom(...JSON_TYPES), weight: 12 },
  {
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/JSON',
      'application/json; charset=latin1',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/json, text/plain',
    ),
    weight: 1,
  },
);

function submission(route: Route): fc.Arbitrary<Request> {
  const { path, bases, make } = ROUTES[route];
  const body = fc.oneof(
    // New, valid: 201.
    {
      arbitrary: fc
        .tuple(freshStatement, signer)
        .map(([payload, s]) => JSON.stringify(make({ payload, payloadType: IN_TOTO, signer: s }))),
      weight: 3,
    },
    // Samples as they are (the valid ones 201 once, then duplicates) and mutated.
    { arbitrary: jsonAround(bases).map((value) => JSON.stringify(value) ?? ''), weight: 8 },
    // Edited statements, signed afresh: they reach the statement and predicate checks.
    { arbitrary: samples.signed.map((s) => JSON.stringify(make(s))), weight: 4 },
    // Broken JSON.
    {
      arbitrary: fc.constantFrom(...bases).chain((base) => mutatedString(JSON.stringify(base))),
      weight: 2,
    },
    { arbitrary: anyString, weight: 1 },
  );
  return fc.record({
    method: fc.constant('POST'),
    path: fc.constant(path),
    headers: contentType.map((type) => ({ 'content-type': type })),
    body,
  });
}

// ---------------------------------------------------------------------------------------------
// Reads

/** Small numbers (near the tree size), big ones and junk, as query or path text. */
const numberText = fc.oneof(
  { arbitrary: fc.nat({ max: 300 }).map(String), weight: 6 },
  { arbitrary: fc.maxSafeNat().map(String), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '-1',
      '1.5',
      '1e3',
      '0x10',
      '01',
      '',
      '9007199254740992',
      '99999999999999999999999',
      'NaN',
      'Infinity',
      '-Infinity',
      ' 1',
    ),
    weight: 2,
  },
  { arbitrary: anyString, weight: 1 },
);

/** Path text: characters outside what HTTP carries raw are percent-encoded (as UTF-8). */
function escapePath(path: string): string {
  let out = '';
  for (const c of path) {
    const code = c.codePointAt(0) as number;
    out +=
      code >= 0x21 && code <= 0x7e
        ? c
        : [...Buffer.from(c)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
  return out;
}

/** Percent-encodes all but unreserved characters, as UTF-8 (a lone surrogate as U+FFFD). */
function component(text: string): string {
  return [...Buffer.from(text)]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

function query(params: [string, string][]): string {
  if (params.length === 0) return '';
  return `?${params.map(([k, v]) => `${component(k)}=${component(v)}`).join('&')}`;
}

// The Rekor UUIDs (leaf hashes) of the valid sample entries, which the run logs early on.
const loggedUuids: string[] = [];
for (const entry of samples.rekorV1Entries) {
  const checked = await outcomeAsync(() => checkRekorV1Entry(entry), [SubmissionError]);
  if (checked.ok) loggedUuids.push(hex(leafHash(checked.value.leaf)));
}

const knownDigests = ['ab'.repeat(32), 'ef'.repeat(48), '01'.repeat(64)];
const digestText = fc.oneof(
  fc.constantFrom(
    `sha256:${knownDigests[0]}`,
    `sha384:${knownDigests[1]}`,
    `sha512:${knownDigests[2]}`,
  ),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `sha256:${hex(b)}`),
  stringsAround([`sha256:${knownDigests[0]}`]),
);
const identityText = fc.oneof(
  fc.constantFrom(
    samples.keys.p256.identity,
    samples.keys.ed25519.identity,
    'dev@example.com',
    'https://github.com/acme/repo/.github/workflows/r.yml@main',
  ),
  anyString,
);
const searchParam: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constant('digest'), digestText),
  fc.tuple(fc.constant('name'), fc.oneof(fc.constantFrom('model', 'a'), anyString)),
  fc.tuple(fc.constant('identity'), identityText),
  fc.tuple(
    fc.constant('predicateType'),
    fc.oneof(fc.constantFrom(...STATEMENTS.map((s) => s.predicateType as string)), anyString),
  ),
  fc.tuple(fc.constant('cursor'), numberText),
  fc.tuple(fc.constant('limit'), numberText),
  fc.tuple(fc.oneof(anyString, fc.constantFrom('admin', 'signer', 'format')), anyString),
);

const tileText = fc.oneof(
  fc.stringMatching(/^(entries|[0-9]|6[34])\/(x00[0-9]\/)?00[0-3](\.p\/([1-9]|1[0-9]|25[56]))?$/),
  stringsAround([
    '0/000',
    '0/000.p/3',
    'entries/000.p/5',
    '1/000.p/1',
    'entries/000',
    '0/x001/002',
  ]),
);

const modelDigest = fc.oneof(
  fc.constant(`sha256:${knownDigests[0]}`),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `sha256:${hex(b)}`),
  stringsAround([`sha256:${knownDigests[0]}`]),
);

const readPath: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: tileText.map((p) => `/tile/${p}`), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      '/checkpoint',
      '/healthz',
      '/api/v1/log',
      '/api/v1/log/keys',
      '/api/v1/log/publicKey',
      '/api/v1/trusted-root',
      '/metrics',
      '/docs/json',
    ),
    weight: 1,
  },
  { arbitrary: numberText.map((n) => `/api/v1/entries/${n}`), weight: 3 },
  {
    arbitrary: fc.array(searchParam, { maxLength: 4 }).map((p) => `/api/v1/entries${query(p)}`),
    weight: 4,
  },
  {
    // Mostly two sizes within the tree (it grows to about a thousand entries), else anything.
    arbitrary: fc
      .tuple(
        fc.constantFrom(['inclusion', 'index', 'size'], ['consistency', 'from', 'to']),
        fc.oneof(
          {
            arbitrary: fc
              .tuple(fc.nat({ max: 600 }), fc.nat({ max: 600 }))
              .map(([a, b]) => [String(Math.min(a, b)), String(Math.max(a, b))]),
            weight: 2,
          },
          { arbitrary: fc.tuple(numberText, numberText), weight: 1 },
        ),
        fc.array(fc.tuple(fc.constantFrom('index', 'size', 'from', 'to', 'x'), numberText), {
          maxLength: 1,
        }),
      )
      .map(([[proof, first, second], [a, b], extra]) => {
        const params: [string, string][] = [[first, a], [second, b], ...extra];
        return `/api/v1/log/${proof}${query(params)}`;
      }),
    weight: 4,
  },
  {
    arbitrary: fc
      .oneof(
        fc.constantFrom(...loggedUuids),
        fc.constantFrom(...loggedUuids).map((uuid) => `${'0'.repeat(15)}1${uuid}`),
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex),
        fc.uint8Array({ minLength: 40, maxLength: 40 }).map(hex),
        anyString,
      )
      .map((uuid) => `/api/v1/log/entries/${uuid}`),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(
        modelDigest,
        fc.constantFrom('status', 'bom'),
        fc.array(
          fc.oneof(
            fc.tuple(fc.constant('signer'), identityText),
            fc.tuple(fc.constant('format'), fc.constantFrom('cyclonedx', 'spdx', 'x')),
            fc.tuple(fc.constant('specVersion'), fc.constantFrom('1.6', '1.7', '2')),
          ),
          { maxLength: 3 },
        ),
      )
      .map(([digest, what, params]) => `/api/v1/models/${digest}/${what}${query(params)}`),
    weight: 2,
  },
  { arbitrary: fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)), weight: 1 },
  { arbitrary: anyString.map((s) => `/${s}`), weight: 1 },
);

const read: fc.Arbitrary<Request> = fc.record({
  method: fc.oneof(
    { arbitrary: fc.constant('GET'), weight: 12 },
    { arbitrary: fc.constantFrom('HEAD', 'DELETE', 'PUT', 'OPTIONS', 'PATCH'), weight: 1 },
  ),
  path: readPath.map(escapePath),
  headers: fc.oneof(
    { arbitrary: fc.constant({}), weight: 8 },
    {
      arbitrary: fc.constantFrom('*', '"x"', 'W/"x"').map((tag) => ({ 'if-none-match': tag })),
      weight: 1,
    },
  ),
});

/** Requests that once failed, sent before the generated ones. */
const FOUND: Request[] = [
  // 500: ajv coerced 'Infinity' to a number and skipped the limit's minimum and maximum.
  ...['Infinity', '-Infinity'].map((limit) => ({
    method: 'GET',
    path: `/api/v1/entries?name=a&limit=${limit}`,
    headers: {},
  })),
];

const requestArbitrary: fc.Arbitrary<Request> = fc.oneof(
  { arbitrary: submission('native'), weight: 4 },
  { arbitrary: submission('rekorV1'), weight: 2 },
  { arbitrary: submission('rekorV2'), weight: 2 },
  { arbitrary: read, weight: 8 },
);

// ---------------------------------------------------------------------------------------------
// Sending and checking

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** What is wrong with an answer, or undefined; the log index of an accepted submission. */
function judge(request: Request, answer: Answer): { problem?: string; index?: number } {
  const { status } = answer;
  if (status === 304 && request.headers['if-none-match'] !== undefined) return {};
  if (status >= 500) return { problem: `a ${status}` };
  if (status < 200 || (status >= 300 && status < 400)) return { problem: `a ${status}` };
  if (status >= 400) {
    if (request.method === 'HEAD') return {};
    if (!answer.contentType.startsWith('application/json')) return { problem: 'a non-JSON error' };
    let body: { error?: { code?: unknown; message?: unknown } };
    try {
      body = JSON.parse(answer.text);
    } catch {
      return { problem: 'an error body that is not JSON' };
    }
    const { error } = body;
    const extra = Object.keys(body).filter(
      (k) => k !== 'error' && !(status === 409 && k === 'entry'),
    );
    if (
      typeof error?.code !== 'string' ||
      error.code === '' ||
      typeof error.message !== 'string' ||
      error.message === '' ||
      extra.length > 0
    ) {
      return { problem: 'an error body not of the {error: {code, message}} shape' };
    }
    return {};
  }
  if (status === 201 && request.method === 'POST') {
    const body = JSON.parse(answer.text);
    const index =
      request.path === '/api/v1/log/entries'
        ? (Object.values(body)[0] as { logIndex: number }).logIndex
        : Number(body.logIndex);
    return { index };
  }
  return {};
}

const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
t.teardown(() => pool.close());

async function send(request: Request): Promise<Answer> {
  const response = await pool.request({
    method: request.method as 'GET',
    path: request.path,
    headers: request.headers,
    body: request.body,
  });
  return {
    status: response.statusCode,
    contentType: String(response.headers['content-type'] ?? ''),
    text: await response.body.text(),
  };
}

const ROUTE_PREFIXES = [
  '/tile/entries/',
  '/tile/',
  '/api/v1/entries/',
  '/api/v1/log/entries/',
  '/api/v1/models/',
];
const ROUTE_PATHS = new Set([
  '/checkpoint',
  '/healthz',
  '/metrics',
  '/docs/json',
  '/api/v1/entries',
  '/api/v1/log',
  '/api/v1/log/keys',
  '/api/v1/log/publicKey',
  '/api/v1/log/inclusion',
  '/api/v1/log/consistency',
  '/api/v1/log/entries',
  '/api/v2/log/entries',
  '/api/v1/trusted-root',
]);

/** The route a path goes to, for the tally. */
function routeOf(path: string): string {
  const [bare] = path.split('?');
  if (ROUTE_PATHS.has(bare)) return bare;
  const prefix = ROUTE_PREFIXES.find((p) => bare.startsWith(p));
  return prefix === undefined ? '(other)' : `${prefix}…`;
}

function describe(request: Request, answer: Answer): string {
  const body =
    request.body === undefined ? '' : ` body ${JSON.stringify(request.body.slice(0, 400))}`;
  return `${request.method} ${request.path.slice(0, 300)} ${JSON.stringify(request.headers)}${body} → ${answer.status} ${answer.text.slice(0, 300)}`;
}

t.test('generated requests get 2xx or 4xx; the log holds exactly the accepted ones', async (t) => {
  const before = log.sequencer.checkpoint.size;
  const seed = SEED ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  t.comment(`seed ${seed} (FUZZ_SEED=${seed} replays this run)`);
  const indices: number[] = [];
  const problems: string[] = [];
  const statuses = new Map<string, Map<number, number>>();
  const started = performance.now();
  // Generated a thousand at a time, each batch from its own seed, so memory stays flat.
  const BATCH = 1000;
  for (let done = 0; done < RUNS; done += BATCH) {
    const numRuns = Math.min(BATCH, RUNS - done);
    const requests = [
      ...(done === 0 ? FOUND : []),
      ...fc.sample(requestArbitrary, { numRuns, seed: seed + done }),
    ];
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const request = requests[next++];
        const answer = await send(request);
        const { method } = request;
        const route = ['GET', 'HEAD', 'POST'].includes(method)
          ? `${method} ${routeOf(request.path)}`
          : 'other methods';
        const byStatus = statuses.get(route) ?? new Map<number, number>();
        byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
        statuses.set(route, byStatus);
        const { problem, index } = judge(request, answer);
        if (problem !== undefined) problems.push(`${problem}: ${describe(request, answer)}`);
        if (index !== undefined) indices.push(index);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  t.comment(`${RUNS} generated requests (and ${FOUND.length} found before) in ${seconds} s`);
  for (const [route, byStatus] of [...statuses].sort()) {
    const counts = [...byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`);
    t.comment(`${route}: ${counts.join(' ')}`);
  }
  t.same(problems.slice(0, 10), [], 'no 5xx and no malformed error');
  t.equal(problems.length, 0, `${problems.length} bad answers`);

  const accepted = indices.length;
  t.ok(accepted > 0, `${accepted} submissions accepted`);
  t.equal(log.sequencer.checkpoint.size, before + accepted, 'the tree grew by the 201s only');
  t.equal(log.storage.entryCount(), before + accepted, 'the storage holds them only');
  t.same(
    indices.sort((a, b) => a - b),
    Array.from({ length: accepted }, (_, i) => before + i),
    'each 201 names its own new index',
  );
  const report = auditLog({
    storage: log.storage,
    verifier: parseVerifierKey(log.keys.noteVerifierKey),
  });
  t.equal(report.entries, before + accepted, 'the log audits clean');
});
