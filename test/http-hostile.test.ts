// A corpus of malformed and hostile requests: each gets a 4xx JSON error, never a 5xx, and the
// log is exactly as it was afterwards.
import t from 'tap';
import { auditLog } from '../server/log/audit.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import { serve } from './support/http.ts';
import { buildBundle, generateKey, keySigner, omsStatement } from './support/signing.ts';
import { openTempLog } from './support/temp-log.ts';

interface Probe {
  name: string;
  method?: string;
  path: string;
  body?: string;
  contentType?: string;
}

const json = 'application/json';

t.test('malformed and hostile requests get 4xx and change nothing', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const key = generateKey('ecdsa-p256');
  const logged = await buildBundle(keySigner(key), omsStatement());
  // The probes edit a bundle the log has not seen, so that a probe the log wrongly accepted
  // shows as a 201, not as a 409 duplicate.
  const bundle = await buildBundle(
    keySigner(key),
    omsStatement({ subject: [{ name: 'other', digest: { sha256: 'ef'.repeat(32) } }] }),
  );
  const good = JSON.stringify({ bundle, publicKey: key.publicKeyPem });
  // One real entry first, so that reads and proofs have something to refuse beyond.
  const first = await fetch(`${url}/api/v1/entries`, {
    method: 'POST',
    headers: { 'content-type': json },
    body: JSON.stringify({ bundle: logged, publicKey: key.publicKeyPem }),
  });
  t.equal(first.status, 201);

  const withBundle = (edit: (b: typeof bundle) => void, publicKey: unknown = key.publicKeyPem) => {
    const copy = structuredClone(bundle);
    edit(copy);
    return JSON.stringify({ bundle: copy, publicKey });
  };
  const post = (name: string, body: string, contentType = json): Probe => ({
    name,
    method: 'POST',
    path: '/api/v1/entries',
    body,
    contentType,
  });
  const get = (name: string, path: string): Probe => ({ name, path });

  const probes: Probe[] = [
    // Truncated JSON, cut at several places.
    ...[1, 10, 100, Math.floor(good.length / 2), good.length - 1].map((n) =>
      post(`truncated at ${n}`, good.slice(0, n)),
    ),
    post('empty body', ''),
    post('deeply nested arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
    post('deeply nested objects', `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`),
    post('nested inside the bundle', `{"bundle":${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}}`),
    post('JSON null', 'null'),
    post('JSON number', '42'),
    post('JSON string', '"bundle"'),
    post('JSON array', '[]'),
    post('bundle is a number', JSON.stringify({ bundle: 1 })),
    post('bundle is a string', JSON.stringify({ bundle: 'x' })),
    post('bundle is an array', JSON.stringify({ bundle: [] })),
    post('bundle is null', JSON.stringify({ bundle: null })),
    post('no bundle', JSON.stringify({ publicKey: key.publicKeyPem })),
    post(
      'extra top-level field',
      JSON.stringify({ bundle, publicKey: key.publicKeyPem, admin: true }),
    ),
    post(
      'publicKey is a number',
      withBundle(() => {}, 5),
    ),
    post(
      'publicKey is not PEM',
      withBundle(() => {}, 'not a key'),
    ),
    post(
      'publicKey is truncated PEM',
      withBundle(() => {}, key.publicKeyPem.slice(0, 60)),
    ),
    post(
      'publicKey PEM with a bad body',
      withBundle(() => {}, '-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n'),
    ),
    post(
      'publicKey is a private key',
      withBundle(() => {}, key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    ),
    post(
      'publicKey is huge',
      withBundle(() => {}, 'A'.repeat(100_000)),
    ),
    post(
      'payload is bad base64',
      withBundle((b) => {
        b.dsseEnvelope.payload = '@@@not base64@@@';
      }),
    ),
    post(
      'payload base64 without padding',
      withBundle((b) => {
        b.dsseEnvelope.payload = `${b.dsseEnvelope.payload.replace(/=+$/, '')}A`;
      }),
    ),
    post(
      'signature is bad base64',
      withBundle((b) => {
        b.dsseEnvelope.signatures[0].sig = '%%%';
      }),
    ),
    post(
      'signature is empty',
      withBundle((b) => {
        b.dsseEnvelope.signatures[0].sig = '';
      }),
    ),
    post(
      'no signatures',
      withBundle((b) => {
        b.dsseEnvelope.signatures = [];
      }),
    ),
    post(
      'signatures not a list',
      withBundle((b) => {
        (b.dsseEnvelope as Record<string, unknown>).signatures = 'x';
      }),
    ),
    post(
      'payloadType wrong',
      withBundle((b) => {
        b.dsseEnvelope.payloadType = 'text/plain';
      }),
    ),
    post(
      'payload not JSON',
      withBundle((b) => {
        b.dsseEnvelope.payload = Buffer.from('hello').toString('base64');
      }),
    ),
    post(
      'mediaType wrong',
      withBundle((b) => {
        b.mediaType = 'application/json';
      }),
    ),
    post(
      'mediaType missing',
      withBundle((b) => {
        delete (b as Record<string, unknown>).mediaType;
      }),
    ),
    post(
      'verificationMaterial missing',
      withBundle((b) => {
        delete (b as Record<string, unknown>).verificationMaterial;
      }),
    ),
    post(
      'dsseEnvelope missing',
      withBundle((b) => {
        delete (b as Record<string, unknown>).dsseEnvelope;
      }),
    ),
    post(
      'prototype pollution keys',
      withBundle((b) => {
        Object.assign(
          b,
          JSON.parse('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'),
        );
      }),
    ),
    post(
      'certificate is garbage',
      withBundle((b) => {
        b.verificationMaterial = { certificate: { rawBytes: 'AAAA' } };
      }, undefined),
    ),
    post('unicode junk', '{"bundle":"\ud800\udfff\u0000"}'),
    post('text content type', good, 'text/plain'),
    post('form content type', 'bundle=x', 'application/x-www-form-urlencoded'),
    post('oversized body', `{"bundle":{"x":"${'a'.repeat(3 * 1024 * 1024)}"}}`),
    get('negative index', '/api/v1/entries/-1'),
    get('non-numeric index', '/api/v1/entries/abc'),
    get('fractional index', '/api/v1/entries/1.5'),
    get('exponent index', '/api/v1/entries/1e309'),
    get('hex index', '/api/v1/entries/0x10'),
    get('absurd index', '/api/v1/entries/99999999999999999999999'),
    get('index beyond the log', '/api/v1/entries/5'),
    get('index of a space', '/api/v1/entries/%20'),
    get('index with a leading zero', '/api/v1/entries/00'),
    get('index with a plus sign', '/api/v1/entries/+0'),
    get('index with an exponent', '/api/v1/entries/0e0'),
    get('search: limit with a leading zero', '/api/v1/entries?name=a&limit=01'),
    get('search: hex limit', '/api/v1/entries?name=a&limit=0x10'),
    get('index over the path parameter limit', `/api/v1/entries/${'9'.repeat(200)}`),
    get('inclusion: negative index', '/api/v1/log/inclusion?index=-1&size=1'),
    get('inclusion: index not below size', '/api/v1/log/inclusion?index=1&size=1'),
    get('inclusion: size beyond the log', '/api/v1/log/inclusion?index=0&size=2'),
    get('inclusion: missing size', '/api/v1/log/inclusion?index=0'),
    get('inclusion: non-numeric', '/api/v1/log/inclusion?index=a&size=b'),
    get('inclusion: absurd size', '/api/v1/log/inclusion?index=0&size=1e400'),
    get('consistency: from > to', '/api/v1/log/consistency?from=1&to=0'),
    get('consistency: to beyond the log', '/api/v1/log/consistency?from=0&to=9'),
    get('consistency: negative', '/api/v1/log/consistency?from=-5&to=1'),
    get('consistency: missing to', '/api/v1/log/consistency?from=0'),
    get('tile: bad group', '/tile/0/x001'),
    get('tile: level 64', '/tile/64/000'),
    get('tile: width 0', '/tile/0/000.p/0'),
    get('tile: width 256', '/tile/0/000.p/256'),
    get('tile: width with leading zero', '/tile/0/000.p/01'),
    get('tile: beyond the log', '/tile/0/001'),
    get('tile: full tile of a partial', '/tile/0/000'),
    get('tile: wider than the log', '/tile/0/000.p/9'),
    get('tile: path traversal', '/tile/0/..%2F..%2Fetc%2Fpasswd'),
    get('tile: negative', '/tile/-1/000'),
    get('entry bundle: beyond', '/tile/entries/000.p/200'),
    get('entry bundle: bad path', '/tile/entries/0000'),
    get('search: no filter', '/api/v1/entries'),
    get('search: bad digest', '/api/v1/entries?digest=sha256:XYZ'),
    get('search: digest of the wrong length', `/api/v1/entries?digest=sha256:${'a'.repeat(63)}`),
    get(
      'search: SQL injection in name',
      `/api/v1/entries?name=${encodeURIComponent("x'; DROP TABLE entries; --")}&limit=0`,
    ),
    get('search: limit 0', '/api/v1/entries?name=a&limit=0'),
    get('search: limit huge', '/api/v1/entries?name=a&limit=100000'),
    get('search: negative cursor', '/api/v1/entries?name=a&cursor=-1'),
    get('search: non-numeric cursor', '/api/v1/entries?name=a&cursor=abc'),
    get('search: unknown parameter', '/api/v1/entries?name=a&admin=1'),
    get('search: huge name', `/api/v1/entries?name=${'n'.repeat(5000)}`),
    get('unknown route', '/api/v2/anything'),
    { name: 'DELETE an entry', method: 'DELETE', path: '/api/v1/entries/0' },
    {
      name: 'PUT the checkpoint',
      method: 'PUT',
      path: '/checkpoint',
      body: 'x',
      contentType: 'text/plain',
    },
  ];
  t.ok(probes.length >= 60, `${probes.length} probes`);

  const before = await (await fetch(`${url}/checkpoint`)).text();
  const statuses = new Map<string, number>();
  for (const probe of probes) {
    const response = await fetch(`${url}${probe.path}`, {
      method: probe.method ?? 'GET',
      headers: probe.contentType ? { 'content-type': probe.contentType } : {},
      body: probe.body,
    });
    statuses.set(probe.name, response.status);
    const text = await response.text();
    const ok4xx = response.status >= 400 && response.status < 500;
    t.ok(ok4xx, `${probe.name}: ${response.status}`);
    if (ok4xx) {
      const error = JSON.parse(text).error;
      t.ok(
        typeof error?.code === 'string' && typeof error?.message === 'string',
        `${probe.name}: a JSON error (${error?.code})`,
      );
    }
  }
  t.equal(statuses.get('oversized body'), 413);
  t.equal(statuses.get('form content type'), 415);
  t.equal(statuses.get('text content type'), 415);
  t.equal(statuses.get('index over the path parameter limit'), 414);
  // Numbers JavaScript reads but a URL integer is not: entry 0 exists, and is not what they name.
  for (const name of [
    'index of a space',
    'index with a leading zero',
    'index with a plus sign',
    'index with an exponent',
    'search: limit with a leading zero',
    'search: hex limit',
  ]) {
    t.equal(statuses.get(name), 400, `${name}: 400`);
  }

  t.equal(await (await fetch(`${url}/checkpoint`)).text(), before, 'the checkpoint did not move');
  t.equal(log.storage.entryCount(), 1, 'no entry was added');
  const report = auditLog({
    storage: log.storage,
    verifier: parseVerifierKey(log.keys.noteVerifierKey),
  });
  t.equal(report.entries, 1, 'the log audits clean');
});
