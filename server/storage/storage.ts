// The storage interface of the log. The SQLite implementation is the default; a PostgreSQL one
// can follow behind the same interface. Calls are synchronous because the sequencer runs a whole
// batch (entries, tiles, checkpoint) inside one transaction.
import type { NodeCache, TileReader, TileSource } from '../log/tile-node-reader.ts';

export interface StoredCheckpoint {
  size: number;
  root: Uint8Array;
  /** The whole signed note, as served at /checkpoint. */
  note: string;
  signedAt: number;
}

export interface StoredEntry {
  index: number;
  body: Uint8Array;
  integratedAt: number;
}

/** What the log keeps beside an attestation's leaf, and the search keys it is found by. */
export interface EntryRecord {
  /** The DSSE envelope the leaf commits to, as canonical JSON bytes. */
  envelope: Uint8Array;
  /** JSON of the verification material: the signer's key or certificate chain and identity. */
  verifier: string;
  predicateType: string;
  /** Subject digests as `<algorithm>:<hex>`, with the subject's name when it has one. */
  subjects: { digest: string; name?: string }[];
  /** Signer identities: key fingerprints or certificate identities. */
  identities: string[];
}

/** A stored record, with when its entry was integrated (milliseconds since the epoch). */
export interface StoredRecord extends EntryRecord {
  integratedAt: number;
}

export interface NewEntry {
  body: Uint8Array;
  leafHash: Uint8Array;
  integratedAt: number;
  record?: EntryRecord;
}

/** Exact-match search keys; the given ones must all match. */
export interface EntryFilter {
  digest?: string;
  name?: string;
  identity?: string;
  predicateType?: string;
}

export interface LogStorage extends TileSource {
  /** Hash tile bytes (full or the partial right edge), or undefined if absent. */
  readTile: TileReader;
  /** The stored inner nodes of a full tile, or undefined. */
  readTileNodes: TileReader;
  nodeCache?: NodeCache;
  readEntry(index: number): StoredEntry | undefined;
  /** Entries with start <= index < end, in order (callers page through large ranges). */
  readEntries(start: number, end: number): StoredEntry[];
  entryCount(): number;
  /** The index of the entry with this leaf hash, if the log holds it. */
  findLeaf(leafHash: Uint8Array): number | undefined;
  readRecord(index: number): StoredRecord | undefined;
  /** Indices > afterIndex of entries matching every key of filter, ascending, at most limit. */
  searchEntries(filter: EntryFilter, afterIndex: number, limit: number): number[];
  /**
   * The key identity (sha256:<hex>) that signed the first entry of one of predicateTypes with a
   * subject named in namespace (the name itself, or a name under namespace/), if there is one.
   */
  firstPublisher(namespace: string, predicateTypes: readonly string[]): string | undefined;
  latestCheckpoint(): StoredCheckpoint | undefined;
  /** Up to limit stored checkpoints with size > afterSize, ascending by size. */
  checkpoints(afterSize: number, limit: number): StoredCheckpoint[];
  getMeta(key: string): string | undefined;
  /** Write-once metadata: setting an existing key to another value fails. */
  setMeta(key: string, value: string): void;

  /** Runs fn atomically: either all of its writes are durable or none is. */
  transaction<T>(fn: () => T): T;
  appendEntries(start: number, entries: NewEntry[]): void;
  /** Stores a tile's hashes; an existing tile may only grow (never change what it held). */
  writeTile(level: number, index: number, hashes: Uint8Array): void;
  /** Stores the inner nodes of a full tile, once. */
  writeTileNodes(level: number, index: number, nodes: Uint8Array): void;
  /** Compare-and-swap: stores cp only if the latest stored checkpoint has previousSize. */
  addCheckpoint(previousSize: number | undefined, cp: StoredCheckpoint): void;
  close(): void;
}
