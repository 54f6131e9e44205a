// The root of the log's tree at any size up to its latest checkpoint, computed from the log's
// C2SP hash tiles. Only the latest tree has a signed checkpoint, so an earlier root is a claim
// until a consistency proof to a signed checkpoint proves it.
import { HASH_SIZE } from '../../server/log/hash.ts';
import { treeHash } from '../../server/log/proof-builder.ts';
import { TILE_WIDTH, tileForSize } from '../../server/log/tile.ts';
import { tileNodeReader } from '../../server/log/tile-node-reader.ts';
import type { LogClient } from '../log-client/log-client.ts';

const PLACEHOLDER_TILE = new Uint8Array(TILE_WIDTH * HASH_SIZE);

/** MTH of the first `size` entries, from the tiles of that tree (not proven). */
export async function treeRootFromTiles(client: LogClient, size: number): Promise<Uint8Array> {
  // Which tiles the root reads depends on the size only: a first pass over placeholders finds
  // them, so that they can be fetched together before the real pass.
  const wanted = new Map<string, { level: number; index: number }>();
  treeHash(
    size,
    tileNodeReader({
      readTile: (level, index) => {
        wanted.set(`${level}/${index}`, { level, index });
        return PLACEHOLDER_TILE;
      },
    }),
  );
  const tiles = new Map(
    await Promise.all(
      [...wanted].map(
        async ([key, { level, index }]) =>
          // Every tile the tree of `size` reads exists at that size.
          [
            key,
            await client.tile(level, index, tileForSize(level, index, size) as number),
          ] as const,
      ),
    ),
  );
  return treeHash(
    size,
    tileNodeReader({ readTile: (level, index) => tiles.get(`${level}/${index}`) }),
  );
}
