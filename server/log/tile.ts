// C2SP tlog-tiles addressing: tile paths, partial widths and which tiles a tree size implies.
// Paths are parsed strictly so each tile has exactly one URL (one cache entry, no aliasing).
import { TileError } from './errors.ts';

/** Each tile covers 8 levels of the Merkle tree. */
export const TILE_HEIGHT = 8;
/** Hashes (or entries) in a full tile: 2^TILE_HEIGHT. */
export const TILE_WIDTH = 256;
/** A full tile: 256 hashes of 32 bytes. */
export const FULL_TILE_BYTES = TILE_WIDTH * 32;

const MAX_LEVEL = 63;

/** A tile at `level`; `width` is 1..256, 256 meaning a full tile. */
export type TileId = { level: number; index: number; width: number };

/** A parsed request path; entry bundles report level 0, the level whose leaves they hold. */
export type ParsedTilePath = TileId & { kind: 'hashes' | 'entries' };

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function checkTile(level: number, index: number, width: number): void {
  if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) {
    throw new TileError('bad-tile', `tile level ${level} is not in 0..${MAX_LEVEL}`);
  }
  if (!isIndex(index)) throw new TileError('bad-tile', `tile index ${index} is not valid`);
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new TileError('bad-tile', `tile width ${width} is not in 1..${TILE_WIDTH}`);
  }
}

function checkSize(size: number): void {
  if (!isIndex(size)) throw new TileError('bad-tree-size', `tree size ${size} is not valid`);
}

// 1234067 → x001/x234/067: keeps directories at most 1000 entries wide.
function encodeIndex(index: number): string {
  let n = index;
  let path = String(n % 1000).padStart(3, '0');
  while (n >= 1000) {
    n = Math.floor(n / 1000);
    path = `x${String(n % 1000).padStart(3, '0')}/${path}`;
  }
  return path;
}

function suffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

export function tilePath(tile: TileId): string {
  checkTile(tile.level, tile.index, tile.width);
  return `tile/${tile.level}/${encodeIndex(tile.index)}${suffix(tile.width)}`;
}

export function entriesPath(index: number, width: number): string {
  checkTile(0, index, width);
  return `tile/entries/${encodeIndex(index)}${suffix(width)}`;
}

// The regex admits only canonical level and width spellings and well-formed index groups;
// the numeric bounds and the leading-zero group are checked after.
const TILE_PATH =
  /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

export function parseTilePath(path: string): ParsedTilePath {
  const match = TILE_PATH.exec(path);
  const bad = () => new TileError('bad-tile-path', `not a tile path: ${JSON.stringify(path)}`);
  if (match === null) throw bad();
  const [, levelText, indexText, widthText] = match;
  const kind = levelText === 'entries' ? 'entries' : 'hashes';
  const level = kind === 'entries' ? 0 : Number(levelText);
  // Partial widths are 1..255: 256 would be a second spelling of the full tile.
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (level > MAX_LEVEL || (widthText !== undefined && width >= TILE_WIDTH)) throw bad();
  // So would 'x000/' as the first group of a smaller index.
  if (indexText.startsWith('x000/')) throw bad();
  const index = Number(indexText.replaceAll(/[x/]/g, ''));
  if (!Number.isSafeInteger(index)) throw bad();
  return { kind, level, index, width };
}

/** The width of the rightmost (partial) tile at `level` for tree `size`; 0 if there is none. */
export function partialWidth(level: number, size: number): number {
  checkTile(level, 0, 1);
  checkSize(size);
  // Division by a power of two is exact for safe integers, unlike 32-bit shifts.
  return Math.floor(size / TILE_WIDTH ** level) % TILE_WIDTH;
}

/** Every tile, full and partial, of a tree of `size`, level by level, left to right. */
export function* tilesForSize(size: number): Generator<TileId> {
  checkSize(size);
  for (let level = 0; TILE_WIDTH ** level <= size; level++) {
    const full = Math.floor(size / TILE_WIDTH ** (level + 1));
    for (let index = 0; index < full; index++) yield { level, index, width: TILE_WIDTH };
    const width = partialWidth(level, size);
    if (width > 0) yield { level, index: full, width };
  }
}

/**
 * The width tile (level, index) has at tree `size`, or undefined if that tree has no such tile.
 * The entry bundle `index` has the width of the level-0 tile `index`.
 */
export function tileForSize(level: number, index: number, size: number): number | undefined {
  checkTile(level, index, 1);
  checkSize(size);
  const full = Math.floor(size / TILE_WIDTH ** (level + 1));
  if (index < full) return TILE_WIDTH;
  const width = partialWidth(level, size);
  return index === full && width > 0 ? width : undefined;
}
