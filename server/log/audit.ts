// Re-derives a stored log from its entries: every tile, every root, every checkpoint signature,
// and a verified consistency proof between each checkpoint and the next. The first fault found is
// thrown as an AuditError naming the entry, tile or checkpoint at fault.
import type { LogStorage, StoredCheckpoint } from '../storage/storage.ts';
import { openCheckpoint } from './checkpoint.ts';
import { verifyConsistency } from './consistency-proof.ts';
import { LogError } from './errors.ts';
import { EMPTY_ROOT, equalBytes, HASH_SIZE, leafHash } from './hash.ts';
import { verifyInclusion } from './inclusion-proof.ts';
import type { NoteVerifier } from './note-keys.ts';
import { consistencyProof, inclusionProof } from './proof-builder.ts';
import { FULL_TILE_BYTES, tilePath } from './tile.ts';
import { tileNodeReader } from './tile-node-reader.ts';
import { appendLeafHashes, type TileWrite } from './tree-appender.ts';

export type AuditSubject = 'entry' | 'tile' | 'checkpoint' | 'log';

export class AuditError extends LogError {
  readonly subject: AuditSubject;

  constructor(subject: AuditSubject, code: string, message: string) {
    super(code, message);
    this.subject = subject;
  }
}

export interface AuditReport {
  entries: number;
  tiles: number;
  checkpoints: number;
  root: Uint8Array;
}

export interface AuditOptions {
  storage: LogStorage;
  verifier: NoteVerifier;
  /** Called as entries are re-hashed. */
  onProgress?: (done: number, total: number) => void;
}

const ENTRY_PAGE = 256;
const CHECKPOINT_PAGE = 1024;

export function auditLog({ storage, verifier, onProgress }: AuditOptions): AuditReport {
  const latest = storage.latestCheckpoint();
  if (latest === undefined)
    throw new AuditError('log', 'no-checkpoint', 'the log has no checkpoint');
  // The latest checkpoint is the reference for deciding between a bad entry and a bad tile.
  checkSignedCheckpoint(latest, verifier);
  const total = storage.entryCount();
  // Fewer entries means a deleted one: the scan below finds and names it.
  if (total > latest.size) {
    throw new AuditError(
      'log',
      'entry-count-mismatch',
      `the log holds ${total} entries but its latest checkpoint covers ${latest.size}`,
    );
  }

  // Tiles being rebuilt at the right edge; full ones are compared and dropped, so memory stays flat.
  const rebuilt = new Map<string, TileWrite>();
  const readRebuilt = (level: number, index: number) => rebuilt.get(`${level}/${index}`)?.hashes;
  let size = 0;
  let root = EMPTY_ROOT;
  let tiles = 0;
  let checkpoints = 0;
  let previous: StoredCheckpoint | undefined;

  const compareTile = (tile: TileWrite, final: boolean): void => {
    const stored = storage.readTile(tile.level, tile.index);
    const expected = final ? stored : stored?.subarray(0, tile.hashes.length);
    if (expected === undefined || !equalBytes(expected, tile.hashes)) {
      blameTileMismatch(storage, tile, stored);
    }
    // The tile's hashes are right, so its inner nodes derived from them are too.
    if (tile.innerNodes !== undefined) {
      const storedNodes = storage.readTileNodes(tile.level, tile.index);
      if (storedNodes === undefined || !equalBytes(storedNodes, tile.innerNodes)) {
        throw new AuditError(
          'tile',
          storedNodes === undefined ? 'missing-tile-nodes' : 'tile-nodes-altered',
          `the stored inner nodes of ${tilePath({ level: tile.level, index: tile.index, width: 256 })} are ${storedNodes === undefined ? 'missing' : 'altered'}`,
        );
      }
    }
  };

  for (;;) {
    const page = storage.checkpoints(previous?.size ?? -1, CHECKPOINT_PAGE);
    if (page.length === 0) break;
    for (const checkpoint of page) {
      checkSignedCheckpoint(checkpoint, verifier);
      while (size < checkpoint.size) {
        const end = Math.min(checkpoint.size, (Math.floor(size / ENTRY_PAGE) + 1) * ENTRY_PAGE);
        const entries = storage.readEntries(size, end);
        entries.forEach((entry, i) => {
          if (entry.index !== size + i) {
            throw new AuditError('entry', 'missing-entry', `entry ${size + i} is missing`);
          }
        });
        // A short page ends at a deleted entry; reading on from it would never progress.
        if (entries.length < end - size) {
          throw new AuditError(
            'entry',
            'missing-entry',
            `entry ${size + entries.length} is missing`,
          );
        }
        const appended = appendLeafHashes(
          size,
          entries.map((e) => leafHash(e.body)),
          { readTile: readRebuilt },
        );
        for (const tile of appended.tiles) {
          rebuilt.set(`${tile.level}/${tile.index}`, tile);
          if (tile.hashes.length === FULL_TILE_BYTES) {
            compareTile(tile, true);
            rebuilt.delete(`${tile.level}/${tile.index}`);
            tiles++;
          }
        }
        size = appended.size;
        root = appended.root;
        onProgress?.(size, total);
      }
      // The right-edge tiles as they were at this size are prefixes of the stored ones.
      for (const tile of rebuilt.values()) compareTile(tile, false);
      if (!equalBytes(root, checkpoint.root)) {
        throw new AuditError(
          'checkpoint',
          'root-mismatch',
          `checkpoint ${checkpoint.size}: its signed root is not the root of the stored entries and tiles (the log was rewritten)`,
        );
      }
      if (previous !== undefined) checkConsistency(storage, previous, checkpoint, size);
      previous = checkpoint;
      checkpoints++;
    }
  }
  for (const tile of rebuilt.values()) {
    compareTile(tile, true);
    tiles++;
  }
  return { entries: size, tiles, checkpoints, root };
}

function checkSignedCheckpoint(checkpoint: StoredCheckpoint, verifier: NoteVerifier): void {
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(checkpoint.note, [verifier]);
  } catch (error) {
    throw new AuditError(
      'checkpoint',
      'bad-checkpoint-signature',
      `checkpoint ${checkpoint.size}: ${(error as Error).message}`,
    );
  }
  if (
    opened.checkpoint.size !== checkpoint.size ||
    !equalBytes(opened.checkpoint.rootHash, checkpoint.root)
  ) {
    throw new AuditError(
      'checkpoint',
      'checkpoint-fields-mismatch',
      `checkpoint ${checkpoint.size}: the stored size or root differs from the signed note`,
    );
  }
}

function checkConsistency(
  storage: LogStorage,
  older: StoredCheckpoint,
  newer: StoredCheckpoint,
  audited: number,
): void {
  // Stored inner nodes are used only for tiles the walk has already checked (those full within
  // the audited size), so that an altered one is named as such, not as an inconsistency.
  const nodes = tileNodeReader({
    readTile: storage.readTile,
    readTileNodes: (level, index) =>
      (index + 1) * 256 ** (level + 1) <= audited ? storage.readTileNodes(level, index) : undefined,
  });
  try {
    const proof = consistencyProof(older.size, newer.size, nodes);
    verifyConsistency(older.size, newer.size, proof, older.root, newer.root);
  } catch (error) {
    throw new AuditError(
      'checkpoint',
      'inconsistent-checkpoints',
      `checkpoints ${older.size} and ${newer.size} are not consistent: ${(error as Error).message}`,
    );
  }
}

/**
 * A rebuilt tile differs from the stored one. At level 0 either the entry or the tile changed:
 * if the stored leaf hash is provably in the latest signed tree, the tile is right and the entry
 * is not.
 */
function blameTileMismatch(
  storage: LogStorage,
  tile: TileWrite,
  stored: Uint8Array | undefined,
): never {
  if (stored === undefined) {
    const path = tilePath({
      level: tile.level,
      index: tile.index,
      width: tile.hashes.length / HASH_SIZE,
    });
    throw new AuditError('tile', 'missing-tile', `${path} is missing`);
  }
  // Name the tile as stored (and served), which may have grown past the size being checked.
  const path = tilePath({
    level: tile.level,
    index: tile.index,
    width: Math.max(1, Math.floor(stored.length / HASH_SIZE)),
  });
  const hashAt = (tileBytes: Uint8Array, i: number) =>
    tileBytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  let position = 0;
  while (
    (position + 1) * HASH_SIZE <= Math.min(stored.length, tile.hashes.length) &&
    equalBytes(hashAt(stored, position), hashAt(tile.hashes, position))
  ) {
    position++;
  }
  if (tile.level === 0 && (position + 1) * HASH_SIZE <= stored.length) {
    const entry = tile.index * 256 + position;
    if (isInSignedTree(storage, entry, hashAt(stored, position))) {
      throw new AuditError(
        'entry',
        'entry-altered',
        `entry ${entry} was altered: it no longer hashes to the leaf the signed checkpoints commit to`,
      );
    }
  }
  throw new AuditError(
    'tile',
    'tile-altered',
    `${path} was altered: hash ${position} is not what the entries derive`,
  );
}

function isInSignedTree(storage: LogStorage, index: number, leaf: Uint8Array): boolean {
  const latest = storage.latestCheckpoint() as StoredCheckpoint;
  try {
    const proof = inclusionProof(index, latest.size, tileNodeReader(storage));
    verifyInclusion(index, latest.size, leaf, proof, latest.root);
    return true;
  } catch {
    return false;
  }
}
