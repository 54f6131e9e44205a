// Appends leaf hashes to the tiles of a tree: fills the right-hand partial tile of each level,
// and carries the root of every tile that becomes full up to the level above.
import { LogError } from './errors.ts';
import { HASH_SIZE } from './hash.ts';
import { type NodeReader, treeHash } from './proof-builder.ts';
import { TILE_WIDTH } from './tile.ts';
import {
  type NodeCache,
  type TileReader,
  type TileSource,
  tileInnerNodes,
  tileNodeReader,
  tileRoot,
} from './tile-node-reader.ts';

export interface TileWrite {
  level: number;
  index: number;
  /** The whole tile after the append (a tile only grows, so this extends what was stored). */
  hashes: Uint8Array;
  /** For a tile this append filled: its inner nodes (see tileInnerNodes). */
  innerNodes?: Uint8Array;
}

export interface AppendResult {
  size: number;
  root: Uint8Array;
  tiles: TileWrite[];
  /** Reads nodes of the grown tree, with what the append computed already memoised. */
  nodes: NodeReader;
}

export function appendLeafHashes(
  size: number,
  leafHashes: Uint8Array[],
  stored: TileSource,
): AppendResult {
  const pending = new Map<string, TileWrite>();
  const read: TileReader = (level, index) =>
    pending.get(`${level}/${index}`)?.hashes ?? stored.readTile(level, index);
  const readInner: TileReader = (level, index) =>
    pending.get(`${level}/${index}`)?.innerNodes ?? stored.readTileNodes?.(level, index);

  let hashes = leafHashes;
  for (let level = 0; hashes.length > 0; level++) {
    const completedRoots: Uint8Array[] = [];
    let position = Math.floor(size / TILE_WIDTH ** level);
    for (let i = 0; i < hashes.length; ) {
      const index = Math.floor(position / TILE_WIDTH);
      const offset = position % TILE_WIDTH;
      const count = Math.min(TILE_WIDTH - offset, hashes.length - i);
      const existing = read(level, index) ?? new Uint8Array(0);
      if (existing.length !== offset * HASH_SIZE) {
        throw new LogError(
          'tile-mismatch',
          `tile ${level}/${index} holds ${existing.length / HASH_SIZE} hashes, the tree size implies ${offset}`,
        );
      }
      const grown = new Uint8Array((offset + count) * HASH_SIZE);
      grown.set(existing);
      for (let j = 0; j < count; j++) grown.set(hashes[i + j], (offset + j) * HASH_SIZE);
      const write: TileWrite = { level, index, hashes: grown };
      pending.set(`${level}/${index}`, write);
      if (offset + count === TILE_WIDTH) {
        write.innerNodes = tileInnerNodes(grown);
        completedRoots.push(tileRoot(write.innerNodes));
      }
      position += count;
      i += count;
    }
    hashes = completedRoots;
  }
  const newSize = size + leafHashes.length;
  // Reads the grown tree. It sees uncommitted tiles, so only nodes over the `size` leaves
  // committed before this append may go to the shared cache; those never change, and without
  // them every batch would rehash the right-hand partial tiles from their leaves.
  const shared = stored.nodeCache;
  const nodeCache: NodeCache | undefined = shared && {
    get: (height, index) => shared.get(height, index),
    set: (height, index, hash) => {
      if ((index + 1) * 2 ** height <= size) shared.set(height, index, hash);
    },
  };
  const nodes = tileNodeReader({ readTile: read, readTileNodes: readInner, nodeCache });
  return { size: newSize, root: treeHash(newSize, nodes), tiles: [...pending.values()], nodes };
}
