// Reads Merkle tree nodes out of C2SP hash tiles. A tile at level L stores the hashes of
// 256^L-leaf subtrees; the nodes between two tile levels come from the stored inner nodes of full
// tiles when the storage keeps them, else they are recomputed from at most 128 tile hashes.
import { LogError } from './errors.ts';
import { HASH_SIZE, nodeHash } from './hash.ts';
import type { NodeReader } from './proof-builder.ts';
import { TILE_HEIGHT, TILE_WIDTH } from './tile.ts';

/** Returns the stored hashes of tile (level, index), full or partial, or undefined. */
export type TileReader = (level: number, index: number) => Uint8Array | undefined;

export interface TileSource {
  readTile: TileReader;
  /** The inner nodes of a full tile as tileInnerNodes lays them out, or undefined. */
  readTileNodes?: TileReader;
  /**
   * Node hashes shared between readers. A node never changes once its leaves exist, but only
   * committed tiles may feed it: a reader over uncommitted tiles may read it, and may write only
   * nodes whose leaves are all committed (see appendLeafHashes).
   */
  nodeCache?: NodeCache;
}

export interface NodeCache {
  get(height: number, index: number): Uint8Array | undefined;
  set(height: number, index: number, hash: Uint8Array): void;
}

/** Inner nodes of a full tile: heights 1..7 inside it, 128 + 64 + ... + 2 of them. */
export const TILE_INNER_NODES = TILE_WIDTH - 2;

/** Where node `position` at in-tile height r (1..7) sits among a tile's inner nodes. */
function innerNodeSlot(r: number, position: number): number {
  return TILE_WIDTH - 2 ** (TILE_HEIGHT + 1 - r) + position;
}

/**
 * A NodeReader over tiles, memoising the tiles it reads and the nodes it computes. Make one per
 * operation (a batch, a proof): the memo lives as long as the reader.
 */
export function tileNodeReader(source: TileSource): NodeReader {
  // Indexed by level (tiles) or height (nodes), then by index: numeric keys keep lookups cheap.
  const tiles: Map<number, Uint8Array | undefined>[] = [];
  const innerNodes: Map<number, Uint8Array | undefined>[] = [];
  const computed: Map<number, Uint8Array>[] = [];

  const cachedRead = (
    cache: Map<number, Uint8Array | undefined>[],
    read: TileReader,
    level: number,
    index: number,
  ): Uint8Array | undefined => {
    cache[level] ??= new Map();
    let bytes = cache[level].get(index);
    if (bytes === undefined && !cache[level].has(index)) {
      bytes = read(level, index);
      cache[level].set(index, bytes);
    }
    return bytes;
  };

  const stored = (level: number, position: number): Uint8Array => {
    const tileIndex = Math.floor(position / TILE_WIDTH);
    const tile = cachedRead(tiles, source.readTile, level, tileIndex);
    const offset = (position % TILE_WIDTH) * HASH_SIZE;
    if (tile === undefined || tile.length < offset + HASH_SIZE) {
      // Storage lost data the tree size implies: a server fault (500), not a bad request.
      throw new LogError(
        'missing-tile',
        `tile ${level}/${tileIndex} does not hold hash ${position % TILE_WIDTH}`,
      );
    }
    return tile.subarray(offset, offset + HASH_SIZE);
  };

  const storedInner = (height: number, index: number): Uint8Array | undefined => {
    if (source.readTileNodes === undefined) return undefined;
    const level = Math.floor(height / TILE_HEIGHT);
    const r = height % TILE_HEIGHT;
    const perTile = 2 ** (TILE_HEIGHT - r);
    const nodes = cachedRead(innerNodes, source.readTileNodes, level, Math.floor(index / perTile));
    if (nodes === undefined) return undefined;
    const offset = innerNodeSlot(r, index % perTile) * HASH_SIZE;
    return nodes.subarray(offset, offset + HASH_SIZE);
  };

  const node = (height: number, index: number): Uint8Array => {
    if (height % TILE_HEIGHT === 0) return stored(height / TILE_HEIGHT, index);
    computed[height] ??= new Map();
    let hash = computed[height].get(index) ?? source.nodeCache?.get(height, index);
    if (hash === undefined) {
      hash = storedInner(height, index);
      if (hash === undefined) {
        hash = nodeHash(node(height - 1, 2 * index), node(height - 1, 2 * index + 1));
        source.nodeCache?.set(height, index, hash);
      }
    }
    computed[height].set(index, hash);
    return hash;
  };
  return node;
}

/** The inner nodes of a full tile, computed from its 256 hashes, laid out for readTileNodes. */
export function tileInnerNodes(tile: Uint8Array): Uint8Array {
  const out = new Uint8Array(TILE_INNER_NODES * HASH_SIZE);
  let below = tile;
  for (let r = 1; r < TILE_HEIGHT; r++) {
    const count = 2 ** (TILE_HEIGHT - r);
    const base = innerNodeSlot(r, 0) * HASH_SIZE;
    for (let i = 0; i < count; i++) {
      const left = below.subarray(2 * i * HASH_SIZE, (2 * i + 1) * HASH_SIZE);
      const right = below.subarray((2 * i + 1) * HASH_SIZE, (2 * i + 2) * HASH_SIZE);
      out.set(nodeHash(left, right), base + i * HASH_SIZE);
    }
    below = out.subarray(base, base + count * HASH_SIZE);
  }
  return out;
}

/** The root of a full tile (its hash in the tile above), from its inner nodes. */
export function tileRoot(innerNodes: Uint8Array): Uint8Array {
  const top = innerNodeSlot(TILE_HEIGHT - 1, 0) * HASH_SIZE;
  return nodeHash(
    innerNodes.subarray(top, top + HASH_SIZE),
    innerNodes.subarray(top + HASH_SIZE, top + 2 * HASH_SIZE),
  );
}
