import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { TileError } from '../server/log/errors.ts';
import {
  entriesPath,
  parseTilePath,
  partialWidth,
  TILE_HEIGHT,
  TILE_WIDTH,
  type TileId,
  tileForSize,
  tilePath,
  tilesForSize,
} from '../server/log/tile.ts';

type PathVectors = {
  tile_paths: (TileId & { path: string })[];
  entries_paths: { index: number; width: number; path: string }[];
};

const vectors: PathVectors = JSON.parse(
  readFileSync(
    path.resolve(
      import.meta.dirname,
      '../../shared/vectors/tlog-tiles/tlog-tiles-path-vectors.json',
    ),
    'utf8',
  ),
);

/** The TileError code `fn` throws; anything else (no throw, another error) fails the comparison. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof TileError ? err.code : `not a TileError: ${err}`;
  }
  return 'did not throw';
}

// Deterministic PRNG (mulberry32) so failures reproduce.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

t.test('constants: a tile is 8 levels, 256 wide', async (t) => {
  t.equal(TILE_HEIGHT, 8);
  t.equal(TILE_WIDTH, 2 ** TILE_HEIGHT);
});

t.test('tilePath and parseTilePath match every hash tile vector', async (t) => {
  t.ok(vectors.tile_paths.length > 0);
  for (const v of vectors.tile_paths) {
    const tile = { level: v.level, index: v.index, width: v.width };
    t.equal(tilePath(tile), v.path, v.path);
    t.same(parseTilePath(v.path), { kind: 'hashes', ...tile }, v.path);
  }
});

t.test('entriesPath and parseTilePath match every entry bundle vector', async (t) => {
  t.ok(vectors.entries_paths.length > 0);
  for (const v of vectors.entries_paths) {
    t.equal(entriesPath(v.index, v.width), v.path, v.path);
    t.same(
      parseTilePath(v.path),
      { kind: 'entries', level: 0, index: v.index, width: v.width },
      v.path,
    );
  }
});

t.test('index groups: one group below 1000, x-prefixed groups above', async (t) => {
  t.equal(tilePath({ level: 0, index: 999, width: 256 }), 'tile/0/999');
  t.equal(tilePath({ level: 0, index: 1000, width: 256 }), 'tile/0/x001/000');
  t.equal(tilePath({ level: 63, index: 1_000_000, width: 1 }), 'tile/63/x001/x000/000.p/1');
  t.equal(
    entriesPath(Number.MAX_SAFE_INTEGER, 255),
    'tile/entries/x009/x007/x199/x254/x740/991.p/255',
  );
  t.same(parseTilePath('tile/63/x001/x000/000.p/1'), {
    kind: 'hashes',
    level: 63,
    index: 1_000_000,
    width: 1,
  });
});

t.test('tilePath and entriesPath reject invalid tile ids', async (t) => {
  const bad: [string, TileId][] = [
    ['negative level', { level: -1, index: 0, width: 256 }],
    ['level 64', { level: 64, index: 0, width: 256 }],
    ['fractional level', { level: 1.5, index: 0, width: 256 }],
    ['negative index', { level: 0, index: -1, width: 256 }],
    ['unsafe index', { level: 0, index: 2 ** 53, width: 256 }],
    ['fractional index', { level: 0, index: 0.5, width: 256 }],
    ['NaN index', { level: 0, index: Number.NaN, width: 256 }],
    ['width 0', { level: 0, index: 0, width: 0 }],
    ['width 257', { level: 0, index: 0, width: 257 }],
    ['fractional width', { level: 0, index: 0, width: 1.5 }],
  ];
  for (const [name, tile] of bad) {
    t.equal(
      codeOf(() => tilePath(tile)),
      'bad-tile',
      name,
    );
  }
  t.equal(
    codeOf(() => entriesPath(-1, 256)),
    'bad-tile',
    'entries negative index',
  );
  t.equal(
    codeOf(() => entriesPath(0, 0)),
    'bad-tile',
    'entries width 0',
  );
  t.equal(
    codeOf(() => entriesPath(0, 257)),
    'bad-tile',
    'entries width 257',
  );
});

t.test('parseTilePath rejects malformed paths', async (t) => {
  const malformed = [
    '',
    'tile',
    'tile/',
    'tile/0',
    'tile/0/',
    '/tile/0/000',
    'tile/0/000/',
    'tile/0/000.p/1/',
    'tile//000',
    'tile/0//000',
    'tiles/0/000',
    'TILE/0/000',
    'tile/00/000', // level with leading zero
    'tile/01/000',
    'tile/001/000',
    'tile/64/000', // level out of range
    'tile/99/000',
    'tile/100/000',
    'tile/-1/000', // negative
    'tile/0/-001',
    'tile/0/000.p/-1',
    'tile/+1/000',
    'tile/a/000', // non-digits
    'tile/0/0a0',
    'tile/0/000.p/a',
    'tile/0/0x1',
    'tile/0/1e3',
    'tile/0/ 000',
    'tile/0/000 ',
    'tile/0/000\n',
    'tile/0/0', // group not 3 digits
    'tile/0/00',
    'tile/0/0000',
    'tile/0/x01/000',
    'tile/0/x0001/000',
    'tile/0/x001/00',
    'tile/0/001/000', // missing x on a non-final group
    'tile/0/x001/234/067',
    'tile/0/001/x234/067',
    'tile/0/x000', // x on the final group
    'tile/0/x001/x000',
    'tile/0/xx001/000',
    'tile/0/X001/000',
    'tile/0/x000/001', // leading zero group: a second spelling of 1
    'tile/0/x000/x001/000',
    'tile/entries/x000/255',
    'tile/0/000.p/0', // W = 0
    'tile/0/000.p/256', // W = 256: full tiles have no .p
    'tile/0/000.p/300',
    'tile/0/000.p/1000',
    'tile/0/000.p/01', // W with leading zero
    'tile/0/000.p/001',
    'tile/0/000.p/00',
    'tile/0/000.p/',
    'tile/0/000.p',
    'tile/0/000.P/1',
    'tile/0/000.q/1',
    'tile/0/000p/1',
    'tile/0/000.p/1.p/1',
    'tile/entries/000.p/0',
    'tile/entries/000.p/256',
    'tile/entries/000.p/08',
    'tile/entries/0',
    'tile/entry/000',
    'tile/../000', // traversal
    'tile/0/../000',
    'tile/0/x001/../000',
    'tile/./000',
    'tile/0/./000',
    'tile/0\\000',
    'tile/0/x009/x007/x199/x254/x740/x992', // 2^53: not a safe integer
    'tile/0/x999/x999/x999/x999/x999/x999/999',
    'tile/0/%30%30%30',
  ];
  for (const p of malformed) {
    t.equal(
      codeOf(() => parseTilePath(p)),
      'bad-tile-path',
      JSON.stringify(p),
    );
  }
});

t.test('round trips random indices, including beyond 2^32', async (t) => {
  const rand = random(7);
  const indices = [0, 1, 999, 1000, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER];
  for (let i = 0; i < 200; i++) {
    indices.push(Math.floor(rand() * 2 ** (1 + Math.floor(rand() * 53))));
  }
  t.ok(indices.filter((i) => i > 2 ** 32).length > 50, 'many indices beyond 2^32');
  for (const index of indices) {
    const level = Math.floor(rand() * 64);
    const width = 1 + Math.floor(rand() * 256);
    const tile = { level, index, width };
    const p = tilePath(tile);
    t.same(parseTilePath(p), { kind: 'hashes', ...tile }, p);
    const e = entriesPath(index, width);
    t.same(parseTilePath(e), { kind: 'entries', level: 0, index, width }, e);
    // The index is its decimal digits, zero-padded to whole groups.
    const digits = p.replace(/^tile\/\d+\//, '').replace(/\.p\/\d+$/, '');
    t.equal(Number(digits.replaceAll(/[x/]/g, '')), index, p);
  }
});

t.test('partialWidth is floor(size / 256^level) mod 256 without 32-bit overflow', async (t) => {
  t.equal(partialWidth(0, 0), 0);
  t.equal(partialWidth(0, 70000), 112);
  t.equal(partialWidth(1, 70000), 17);
  t.equal(partialWidth(2, 70000), 1);
  t.equal(partialWidth(3, 70000), 0);
  t.equal(partialWidth(0, 256), 0);
  t.equal(partialWidth(1, 256), 1);
  t.equal(partialWidth(0, 2 ** 32 + 300), 44);
  t.equal(partialWidth(4, 2 ** 32), 1);
  t.equal(partialWidth(4, 2 ** 40 + 2 ** 33), 2);
  t.equal(partialWidth(5, 2 ** 40 + 2 ** 33), 1);
  t.equal(partialWidth(6, Number.MAX_SAFE_INTEGER), 31);
  t.equal(partialWidth(63, Number.MAX_SAFE_INTEGER), 0);
  t.equal(
    codeOf(() => partialWidth(64, 1)),
    'bad-tile',
    'level 64',
  );
  t.equal(
    codeOf(() => partialWidth(0, -1)),
    'bad-tree-size',
    'negative size',
  );
  t.equal(
    codeOf(() => partialWidth(0, 1.5)),
    'bad-tree-size',
    'fractional size',
  );
  t.equal(
    codeOf(() => partialWidth(0, 2 ** 53)),
    'bad-tree-size',
    'unsafe size',
  );
});

t.test('tilesForSize(70000) is the spec example', async (t) => {
  const tiles = [...tilesForSize(70000)];
  const expected: TileId[] = [];
  for (let index = 0; index < 273; index++) expected.push({ level: 0, index, width: 256 });
  expected.push(
    { level: 0, index: 273, width: 112 },
    { level: 1, index: 0, width: 256 },
    { level: 1, index: 1, width: 17 },
    { level: 2, index: 0, width: 1 },
  );
  t.same(tiles, expected);
  t.same(tiles.slice(-4).map(tilePath), [
    'tile/0/273.p/112',
    'tile/1/000',
    'tile/1/001.p/17',
    'tile/2/000.p/1',
  ]);
});

t.test('tilesForSize(256) is tile/0/000 and tile/1/000.p/1', async (t) => {
  t.same([...tilesForSize(256)].map(tilePath), ['tile/0/000', 'tile/1/000.p/1']);
});

t.test('tilesForSize of small and exact sizes', async (t) => {
  t.same([...tilesForSize(0)], [], 'empty tree has no tiles');
  t.same([...tilesForSize(1)].map(tilePath), ['tile/0/000.p/1']);
  t.same([...tilesForSize(255)].map(tilePath), ['tile/0/000.p/255']);
  t.same([...tilesForSize(257)].map(tilePath), ['tile/0/000', 'tile/0/001.p/1', 'tile/1/000.p/1']);
  const all = [...tilesForSize(65536)];
  t.equal(all.length, 256 + 1 + 1);
  t.same(all.slice(-2).map(tilePath), ['tile/1/000', 'tile/2/000.p/1']);
  t.equal(
    codeOf(() => tilesForSize(-1).next()),
    'bad-tree-size',
  );
});

t.test('tilesForSize is lazy for huge trees', async (t) => {
  const size = Number.MAX_SAFE_INTEGER;
  const it = tilesForSize(size);
  t.same(it.next().value, { level: 0, index: 0, width: 256 });
  t.same(it.next().value, { level: 0, index: 1, width: 256 });
  it.return(undefined);
  t.equal(it.next().done, true);
});

t.test('tileForSize agrees with tilesForSize and is undefined beyond the tree', async (t) => {
  const sizes = [0, 1, 255, 256, 257, 511, 512, 65535, 65536, 65537, 70000];
  for (const size of sizes) {
    const widths = new Map<string, number>();
    for (const tile of tilesForSize(size)) widths.set(`${tile.level}/${tile.index}`, tile.width);
    const probe = (level: number, index: number) => {
      t.equal(tileForSize(level, index, size), widths.get(`${level}/${index}`), `${size} ${level}`);
    };
    // Every tile the tree has, plus the neighbours just beyond each level's last tile.
    for (const tile of tilesForSize(size)) probe(tile.level, tile.index);
    for (let level = 0; level < 5; level++) {
      for (let index = 0; index < 3; index++) {
        probe(level, Math.floor(size / 256 ** (level + 1)) + index);
      }
    }
  }
  t.equal(tileForSize(0, 2 ** 24, 2 ** 32 + 5), 5, 'partial tile beyond 2^32');
  t.equal(tileForSize(0, 2 ** 24 - 1, 2 ** 32 + 5), 256);
  t.equal(tileForSize(0, 2 ** 24 + 1, 2 ** 32 + 5), undefined);
  t.equal(tileForSize(4, 0, 2 ** 32), 1);
  t.equal(tileForSize(3, 0, 2 ** 24 + 1), 1);
  t.equal(tileForSize(2, 0, 2 ** 24 + 1), 256);
  t.equal(tileForSize(2, 1, 2 ** 24 + 1), undefined);
  t.equal(tileForSize(0, 65536, 2 ** 24 + 1), 1);
  t.equal(tileForSize(63, 0, Number.MAX_SAFE_INTEGER), undefined);
  t.equal(tileForSize(0, 1, 256), undefined, 'no empty tile after a full one');
  t.equal(
    codeOf(() => tileForSize(-1, 0, 1)),
    'bad-tile',
    'negative level',
  );
  t.equal(
    codeOf(() => tileForSize(0, -1, 1)),
    'bad-tile',
    'negative index',
  );
  t.equal(
    codeOf(() => tileForSize(0, 0, -1)),
    'bad-tree-size',
    'negative size',
  );
});
