import t from 'tap';
import { openCheckpoint } from '../server/log/checkpoint.ts';
import { decodeEntryBundle } from '../server/log/entry-bundle.ts';
import { HASH_SIZE } from '../server/log/hash.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import { treeHash } from '../server/log/proof-builder.ts';
import { entriesPath, TILE_WIDTH, tilePath, tilesForSize } from '../server/log/tile.ts';
import { tileNodeReader } from '../server/log/tile-node-reader.ts';
import { FULL_TILE_CACHE, PARTIAL_TILE_CACHE } from '../server/routes/tiles.ts';
import { expectError, serve } from './support/http.ts';
import { entryBody, openTempLog } from './support/temp-log.ts';

async function bytes(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/** Appends `count` entries in one batch; returns their bodies by index. */
async function append(log: ReturnType<typeof openTempLog>, first: number, count: number) {
  const bodies = Array.from({ length: count }, (_, i) => entryBody(first + i));
  const acks = Promise.all(bodies.map((body) => log.sequencer.submit(body)));
  log.sequencer.flush();
  await acks;
  return bodies;
}

t.test('the root rebuilt from tiles fetched over HTTP is the checkpoint root', async (t) => {
  const log = openTempLog(t);
  const verifier = parseVerifierKey(log.keys.noteVerifierKey);
  const { url } = await serve(t, log);
  let total = 0;
  // Sizes 1, 301, 512, 768: partial tiles at levels 0 and 1, then level 0 exactly full.
  for (const count of [1, 300, 211, 256]) {
    await append(log, total, count);
    total += count;
    const response = await fetch(`${url}/checkpoint`);
    t.equal(response.status, 200);
    t.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
    t.match(response.headers.get('cache-control'), /no-cache|max-age=\d{1,2}\b/);
    const { checkpoint } = openCheckpoint(await response.text(), [verifier], 'test.example/log');
    t.equal(checkpoint.size, total);

    const tiles = new Map<string, Uint8Array>();
    for (const tile of tilesForSize(checkpoint.size)) {
      const tileResponse = await fetch(`${url}/${tilePath(tile)}`);
      t.equal(tileResponse.status, 200, tilePath(tile));
      t.equal(tileResponse.headers.get('content-type'), 'application/octet-stream');
      t.equal(
        tileResponse.headers.get('cache-control'),
        tile.width === TILE_WIDTH ? FULL_TILE_CACHE : PARTIAL_TILE_CACHE,
      );
      const body = await bytes(tileResponse);
      t.equal(body.length, tile.width * HASH_SIZE);
      tiles.set(`${tile.level}/${tile.index}`, body);
    }
    const root = treeHash(
      checkpoint.size,
      tileNodeReader({ readTile: (level, index) => tiles.get(`${level}/${index}`) }),
    );
    t.same(root, checkpoint.rootHash, `size ${total}: tiles give the signed root`);
  }
  t.equal(total, 768);
});

t.test('full tiles are immutable, partial ones cached briefly', async (t) => {
  const log = openTempLog(t);
  await append(log, 0, 300);
  const { url } = await serve(t, log);
  const full = await fetch(`${url}/tile/0/000`);
  t.equal(full.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const partial = await fetch(`${url}/tile/0/001.p/44`);
  t.equal(partial.status, 200);
  const cache = partial.headers.get('cache-control') ?? '';
  t.notMatch(cache, /immutable/);
  const maxAge = Number(/max-age=(\d+)/.exec(cache)?.[1]);
  t.ok(maxAge > 0 && maxAge <= 60, `short max-age (${cache})`);
  for (const path of ['/tile/entries/000', '/tile/entries/001.p/44']) {
    const response = await fetch(`${url}${path}`);
    t.equal(response.status, 200, path);
    t.equal(
      response.headers.get('cache-control'),
      path.includes('.p/') ? PARTIAL_TILE_CACHE : FULL_TILE_CACHE,
    );
  }
});

t.test('a partial tile request is served from a wider or full tile as its prefix', async (t) => {
  const log = openTempLog(t);
  await append(log, 0, 300);
  const { url } = await serve(t, log);
  const fullTile = await bytes(await fetch(`${url}/tile/0/000`));
  const prefix = await fetch(`${url}/tile/0/000.p/5`);
  t.equal(prefix.status, 200);
  t.same(await bytes(prefix), fullTile.subarray(0, 5 * HASH_SIZE));
  const partial = await bytes(await fetch(`${url}/tile/0/001.p/44`));
  const narrower = await fetch(`${url}/tile/0/001.p/3`);
  t.equal(narrower.status, 200);
  t.same(await bytes(narrower), partial.subarray(0, 3 * HASH_SIZE));
  const bundle = decodeEntryBundle(await bytes(await fetch(`${url}/tile/entries/000.p/2`)));
  t.same(bundle, [entryBody(0), entryBody(1)]);
});

t.test('tiles beyond the latest checkpoint are 404', async (t) => {
  const log = openTempLog(t);
  await append(log, 0, 300);
  const { url } = await serve(t, log);
  for (const path of [
    'tile/0/001.p/45', // wider than the checkpoint's partial tile
    'tile/0/001', // not full yet
    'tile/0/002.p/1',
    'tile/1/000', // level 1 holds one hash
    'tile/1/000.p/2',
    'tile/2/000.p/1', // no level 2 at size 300
    'tile/entries/001',
    'tile/entries/001.p/45',
    'tile/entries/x001/000',
  ]) {
    await expectError(t, await fetch(`${url}/${path}`), 404, 'tile-not-found');
  }
  // A fresh log (size 0) serves no tile at all.
  const fresh = openTempLog(t);
  const served = await serve(t, fresh);
  await expectError(t, await fetch(`${served.url}/tile/0/000.p/1`), 404, 'tile-not-found');
  t.equal((await fetch(`${served.url}/checkpoint`)).status, 200);
});

t.test('malformed tile paths are 400 JSON errors', async (t) => {
  const log = openTempLog(t);
  await append(log, 0, 3);
  const { url } = await serve(t, log);
  for (const path of [
    'tile/0/0', // index not in 3-digit groups
    'tile/0/000.p/256', // a second spelling of the full tile
    'tile/0/000.p/0',
    'tile/0/000.p/01',
    'tile/64/000',
    'tile/00/000',
    'tile/0/x000/001',
    'tile/0/000/',
    'tile/',
    'tile/entries/000.p/-1',
    'tile/0/x999/x999/x999/x999/x999/x999/999', // beyond 2^53
  ]) {
    await expectError(t, await fetch(`${url}/${path}`), 400, 'bad-tile-path');
  }
});

t.test('entry bundles decode to the submitted entries', async (t) => {
  const log = openTempLog(t);
  const bodies = [...(await append(log, 0, 200)), ...(await append(log, 200, 400))];
  const { url } = await serve(t, log);
  const fetched: Uint8Array[] = [];
  for (const index of [0, 1, 2]) {
    const width = Math.min(TILE_WIDTH, bodies.length - index * TILE_WIDTH);
    const response = await fetch(`${url}/${entriesPath(index, width)}`);
    t.equal(response.status, 200);
    t.equal(response.headers.get('content-type'), 'application/octet-stream');
    const bundle = decodeEntryBundle(await bytes(response));
    t.equal(bundle.length, width);
    fetched.push(...bundle);
  }
  t.same(fetched, bodies);
});

t.test('ETags are strong and If-None-Match answers 304', async (t) => {
  const log = openTempLog(t);
  await append(log, 0, 300);
  const { url } = await serve(t, log);
  for (const path of ['/tile/0/000', '/tile/0/001.p/44', '/tile/entries/000', '/checkpoint']) {
    const first = await fetch(`${url}${path}`);
    const etag = first.headers.get('etag') as string;
    t.match(etag, /^"[A-Za-z0-9_-]+"$/, `${path}: a strong ETag`);
    t.equal((await fetch(`${url}${path}`)).headers.get('etag'), etag, 'stable');
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const cached = await fetch(`${url}${path}`, { headers: { 'if-none-match': header } });
      t.equal(cached.status, 304, `If-None-Match: ${header}`);
      t.equal(cached.headers.get('etag'), etag);
      t.ok(cached.headers.get('cache-control'));
      t.equal((await cached.arrayBuffer()).byteLength, 0);
    }
    const stale = await fetch(`${url}${path}`, { headers: { 'if-none-match': '"stale"' } });
    t.equal(stale.status, 200);
  }
  // Different content, different ETag: the checkpoint's changes as the log grows.
  const before = (await fetch(`${url}/checkpoint`)).headers.get('etag') as string;
  t.not((await fetch(`${url}/tile/0/000`)).headers.get('etag'), before);
  await append(log, 300, 1);
  const after = await fetch(`${url}/checkpoint`, { headers: { 'if-none-match': before } });
  t.equal(after.status, 200);
  t.not(after.headers.get('etag'), before);
});

t.test('HEAD answers the headers of GET', async (t) => {
  const log = openTempLog(t);
  await append(log, 0, 256);
  const { url } = await serve(t, log);
  const head = await fetch(`${url}/tile/0/000`, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(head.headers.get('cache-control'), FULL_TILE_CACHE);
  t.equal(head.headers.get('content-length'), String(TILE_WIDTH * HASH_SIZE));
});

t.test('a tile or bundle missing from storage is a 500, never short bytes', async (t) => {
  const log = openTempLog(t);
  await append(log, 0, 10);
  // Storage that lost its tiles and entries (the rest of it works).
  const storage = new Proxy(log.storage, {
    get(target, key) {
      if (key === 'readTile') return () => undefined;
      if (key === 'readEntries') return () => [];
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const { url } = await serve(t, { ...log, storage });
  for (const path of [
    '/tile/0/000.p/10',
    '/tile/entries/000.p/10',
    '/api/v1/log/inclusion?index=3&size=10',
  ]) {
    const response = await fetch(`${url}${path}`);
    const text = await response.clone().text();
    await expectError(t, response, 500, 'internal');
    t.notMatch(text, /tile|entries/, 'no internals leak');
  }
});
