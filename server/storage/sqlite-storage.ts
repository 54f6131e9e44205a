// LogStorage on one SQLite file (better-sqlite3): WAL, synchronous=FULL so that an acknowledged
// batch survives a crash or power loss, and triggers that refuse any rewrite (migrations/0001).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ImmutableCache } from '../immutable-cache.ts';
import { FULL_TILE_BYTES } from '../log/tile.ts';
import type { NodeCache } from '../log/tile-node-reader.ts';
import { StorageError } from './errors.ts';
import { loadMigrations, migrate } from './migrate.ts';
import type {
  EntryFilter,
  EntryRecord,
  LogStorage,
  NewEntry,
  StoredCheckpoint,
  StoredEntry,
  StoredRecord,
} from './storage.ts';
import { takeWriterLock, type WriterLock } from './writer-lock.ts';

export interface SqliteStorageOptions {
  /** Open without writing: no migration, no journal change (for audits and read replicas). */
  readonly?: boolean;
}

interface CheckpointRow {
  size: number;
  root: Uint8Array;
  note: string;
  signed_at: number;
}

interface EntryRow {
  idx: number;
  body: Uint8Array;
  integrated_at: number;
}

const toCheckpoint = (row: CheckpointRow): StoredCheckpoint => ({
  size: row.size,
  root: row.root,
  note: row.note,
  signedAt: row.signed_at,
});

const toEntry = (row: EntryRow): StoredEntry => ({
  index: row.idx,
  body: row.body,
  integratedAt: row.integrated_at,
});

/** WAL pages after which a commit checkpoints them into the database file. */
const WAL_CHECKPOINT_PAGES = 10_000;

export function openSqliteStorage(path: string, options: SqliteStorageOptions = {}): LogStorage {
  if (!options.readonly) mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
  } catch (cause) {
    throw new StorageError(
      'open-failed',
      `cannot open database ${path}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  let lock: WriterLock | undefined;
  try {
    db.pragma('busy_timeout = 5000');
    if (options.readonly) {
      checkSchemaVersion(db, path);
    } else {
      // Before anything is written or locked: another application's file is left as it was.
      refuseForeignDatabase(db, path);
      lock = takeWriterLock(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // A checkpoint copies each page changed since the last one into the database file once, and
      // the sequencer changes the same pages (tree edges, partial tiles) batch after batch: every
      // 10,000 WAL pages (about 40 MiB) rather than SQLite's 1,000, each page is copied less often
      // (bench:ab: 1.037 and 1.052 the appends a second).
      db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      migrate(db);
    }
  } catch (error) {
    db.close();
    lock?.release();
    if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new StorageError('not-a-log', `${path} is not an attestry log database`);
    }
    throw error;
  }
  return new SqliteStorage(db, lock);
}

// SQLite's primary result codes for a database that cannot be read or written now, but may be
// later: what the operator has to fix (space, permissions, the file system, another process's
// lock).
const UNAVAILABLE = new Map([
  ['SQLITE_FULL', 'is full'],
  ['SQLITE_READONLY', 'is read-only'],
  ['SQLITE_IOERR', 'failed to read or write'],
  ['SQLITE_CANTOPEN', 'cannot open a file it needs'],
  ['SQLITE_PERM', 'was denied access'],
  ['SQLITE_BUSY', 'is locked by another process'],
  ['SQLITE_LOCKED', 'is locked'],
]);

/**
 * The StorageError ('storage-unavailable') for an SQLite error that says the database cannot be
 * read or written now (full disk, read-only, I/O error, locked); undefined for any other error.
 * Extended codes count as their primary code (SQLITE_IOERR_WRITE is an SQLITE_IOERR).
 */
export function unavailableStorage(error: unknown): StorageError | undefined {
  if (!(error instanceof Database.SqliteError)) return undefined;
  const reason = UNAVAILABLE.get(error.code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1'));
  if (reason === undefined) return undefined;
  // The SQLite error, logged by the server, is the cause; the message is what a client is told.
  return new StorageError('storage-unavailable', `the log's storage ${reason}`, { cause: error });
}

/**
 * Runs a PRAGMA on the connection of a storage opened by openSqliteStorage and answers its value.
 * Some settings (max_page_count, query_only) belong to one connection: this reaches the log's own.
 */
export function sqlitePragma(storage: LogStorage, source: string): unknown {
  return SqliteStorage.pragma(storage, source);
}

/** Another application's SQLite file is refused, not given the log's tables beside its own. */
function refuseForeignDatabase(db: Database.Database, path: string): void {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  if (tables.length > 0 && !tables.includes('schema_migrations')) {
    throw new StorageError('not-a-log', `${path} is not an attestry log database`);
  }
}

function checkSchemaVersion(db: Database.Database, path: string): void {
  const known = loadMigrations().length;
  let version: number | null;
  try {
    version = (
      db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }
    ).v;
  } catch {
    throw new StorageError('not-a-log', `${path} is not an attestry log database`);
  }
  if (version !== known) {
    throw new StorageError(
      version !== null && version > known ? 'schema-too-new' : 'schema-too-old',
      `${path} has schema version ${version}, this attestry expects ${known}: ${
        version !== null && version > known
          ? 'upgrade attestry'
          : 'start the server once to migrate it'
      }`,
    );
  }
}

// Full tiles and tile nodes never change, so caching them needs no invalidation. 256 of each is
// 4 MiB: enough to keep every upper-level tile hot on a log of billions of entries.
const CACHED_TILES = 256;
// Computed node hashes, mostly those of the partial right-hand tiles: 64k of them is about 8 MiB.
const CACHED_NODES = 65_536;

class SqliteStorage implements LogStorage {
  readonly #db: Database.Database;
  readonly #lock: WriterLock | undefined;
  readonly #statements;
  readonly #fullTiles = new ImmutableCache<Uint8Array>(CACHED_TILES);
  readonly #tileNodes = new ImmutableCache<Uint8Array>(CACHED_TILES);
  readonly #nodes = new ImmutableCache<Uint8Array>(CACHED_NODES);
  // At most 16 shapes (which filter keys are present), so this stays small.
  readonly #searches = new Map<string, Database.Statement>();
  // Only what readers compute from committed tiles lands here (see TileSource.nodeCache).
  readonly nodeCache: NodeCache = {
    get: (height, index) => this.#nodes.get(`${height}/${index}`),
    set: (height, index, hash) => this.#nodes.set(`${height}/${index}`, hash),
  };

  constructor(db: Database.Database, lock: WriterLock | undefined) {
    this.#db = db;
    this.#lock = lock;
    this.#statements = {
      readTile: db.prepare('SELECT hashes FROM tiles WHERE level = ? AND idx = ?').pluck(),
      readTileNodes: db.prepare('SELECT nodes FROM tile_nodes WHERE level = ? AND idx = ?').pluck(),
      writeTileNodes: db.prepare('INSERT INTO tile_nodes (level, idx, nodes) VALUES (?, ?, ?)'),
      readEntry: db.prepare('SELECT idx, body, integrated_at FROM entries WHERE idx = ?'),
      readEntries: db.prepare(
        'SELECT idx, body, integrated_at FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx',
      ),
      entryCount: db.prepare('SELECT count(*) FROM entries').pluck(),
      latestCheckpoint: db.prepare(
        'SELECT size, root, note, signed_at FROM checkpoints ORDER BY size DESC LIMIT 1',
      ),
      checkpoints: db.prepare(
        'SELECT size, root, note, signed_at FROM checkpoints WHERE size > ? ORDER BY size LIMIT ?',
      ),
      getMeta: db.prepare('SELECT value FROM log_meta WHERE key = ?').pluck(),
      setMeta: db.prepare('INSERT INTO log_meta (key, value) VALUES (?, ?)'),
      appendEntry: db.prepare(
        'INSERT INTO entries (idx, body, leaf_hash, integrated_at) VALUES (?, ?, ?, ?)',
      ),
      appendRecord: db.prepare(
        'INSERT INTO entry_records (idx, envelope, verifier, predicate_type) VALUES (?, ?, ?, ?)',
      ),
      appendSubject: db.prepare('INSERT INTO entry_subjects (idx, digest, name) VALUES (?, ?, ?)'),
      appendIdentity: db.prepare('INSERT INTO entry_identities (idx, identity) VALUES (?, ?)'),
      allRecords: db
        .prepare('SELECT idx FROM entry_records WHERE idx > ? ORDER BY idx LIMIT ?')
        .pluck(),
      findLeaf: db.prepare('SELECT idx FROM entries WHERE leaf_hash = ?').pluck(),
      // The name index's range for the namespace: the name itself, then "ns/" up to "ns0" ('0'
      // follows '/'), the earliest index of those first. Key identities only (sha256:<hex>):
      // certificate identities are not checked against a trust root, and own nothing.
      firstPublisher: db
        .prepare(
          `SELECT i.identity FROM entry_subjects s
           JOIN entry_records r ON r.idx = s.idx
           JOIN entry_identities i ON i.idx = s.idx
           WHERE (s.name = ? OR (s.name >= ? AND s.name < ?))
             AND r.predicate_type IN (SELECT value FROM json_each(?))
             AND i.identity GLOB 'sha256:*'
           ORDER BY s.idx LIMIT 1`,
        )
        .pluck(),
      readRecord: db.prepare(
        `SELECT r.envelope, r.verifier, r.predicate_type, e.integrated_at
         FROM entry_records r JOIN entries e ON e.idx = r.idx WHERE r.idx = ?`,
      ),
      readSubjects: db.prepare(
        'SELECT digest, name FROM entry_subjects WHERE idx = ? ORDER BY rowid',
      ),
      readIdentities: db
        .prepare('SELECT identity FROM entry_identities WHERE idx = ? ORDER BY rowid')
        .pluck(),
      growTile: db.prepare('UPDATE tiles SET hashes = ? WHERE level = ? AND idx = ?'),
      insertTile: db.prepare('INSERT INTO tiles (level, idx, hashes) VALUES (?, ?, ?)'),
      addCheckpoint: db.prepare(
        `INSERT INTO checkpoints (size, root, note, signed_at)
         SELECT ?, ?, ?, ? WHERE (SELECT coalesce(max(size), -1) FROM checkpoints) = ?`,
      ),
    };
  }

  readTile = (level: number, index: number): Uint8Array | undefined => {
    const key = `${level}/${index}`;
    const cached = this.#fullTiles.get(key);
    if (cached !== undefined) return cached;
    const tile = this.#statements.readTile.get(level, index) as Uint8Array | undefined;
    if (tile?.length === FULL_TILE_BYTES) this.#fullTiles.set(key, tile);
    return tile;
  };

  readTileNodes = (level: number, index: number): Uint8Array | undefined => {
    const key = `${level}/${index}`;
    const cached = this.#tileNodes.get(key);
    if (cached !== undefined) return cached;
    const nodes = this.#statements.readTileNodes.get(level, index) as Uint8Array | undefined;
    if (nodes !== undefined) this.#tileNodes.set(key, nodes);
    return nodes;
  };

  readEntry(index: number): StoredEntry | undefined {
    const row = this.#statements.readEntry.get(index) as EntryRow | undefined;
    return row && toEntry(row);
  }

  readEntries(start: number, end: number): StoredEntry[] {
    return (this.#statements.readEntries.all(start, end) as EntryRow[]).map(toEntry);
  }

  entryCount(): number {
    return this.#statements.entryCount.get() as number;
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    const row = this.#statements.latestCheckpoint.get() as CheckpointRow | undefined;
    return row && toCheckpoint(row);
  }

  checkpoints(afterSize: number, limit: number): StoredCheckpoint[] {
    return (this.#statements.checkpoints.all(afterSize, limit) as CheckpointRow[]).map(
      toCheckpoint,
    );
  }

  getMeta(key: string): string | undefined {
    return this.#statements.getMeta.get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    const existing = this.getMeta(key);
    if (existing === value) return;
    if (existing !== undefined) {
      throw new StorageError(
        'meta-conflict',
        `log ${key} is ${existing}; it cannot become ${value}`,
      );
    }
    this.#statements.setMeta.run(key, value);
  }

  transaction<T>(fn: () => T): T {
    try {
      return this.#db.transaction(fn).immediate();
    } catch (error) {
      // SQLite has rolled the transaction back: nothing of it is stored.
      throw unavailableStorage(error) ?? error;
    }
  }

  /** Runs a PRAGMA on this storage's own connection (see sqlitePragma). */
  static pragma(storage: LogStorage, source: string): unknown {
    if (!(#db in storage)) {
      throw new StorageError('not-sqlite', 'this storage is not an SQLite one');
    }
    return storage.#db.pragma(source, { simple: true });
  }

  appendEntries(start: number, entries: NewEntry[]): void {
    const s = this.#statements;
    entries.forEach((entry, i) => {
      const index = start + i;
      s.appendEntry.run(index, entry.body, entry.leafHash, entry.integratedAt);
      const record = entry.record;
      if (record === undefined) return;
      s.appendRecord.run(index, record.envelope, record.verifier, record.predicateType);
      for (const subject of record.subjects) {
        s.appendSubject.run(index, subject.digest, subject.name ?? null);
      }
      for (const identity of new Set(record.identities)) s.appendIdentity.run(index, identity);
    });
  }

  findLeaf(leafHash: Uint8Array): number | undefined {
    return this.#statements.findLeaf.get(leafHash) as number | undefined;
  }

  readRecord(index: number): StoredRecord | undefined {
    const s = this.#statements;
    const row = s.readRecord.get(index) as
      | { envelope: Uint8Array; verifier: string; predicate_type: string; integrated_at: number }
      | undefined;
    if (row === undefined) return undefined;
    const subjects = (s.readSubjects.all(index) as { digest: string; name: string | null }[]).map(
      (subject) => (subject.name === null ? { digest: subject.digest } : subject),
    );
    return {
      envelope: row.envelope,
      verifier: row.verifier,
      predicateType: row.predicate_type,
      subjects: subjects as EntryRecord['subjects'],
      identities: s.readIdentities.all(index) as string[],
      integratedAt: row.integrated_at,
    };
  }

  searchEntries(filter: EntryFilter, afterIndex: number, limit: number): number[] {
    // One key drives the query through its (key, idx) index from the cursor on; the others are
    // checked per candidate. Parameters are bound, never spliced into the SQL.
    const keys = [
      { value: filter.digest, table: 'entry_subjects', column: 'digest' },
      { value: filter.name, table: 'entry_subjects', column: 'name' },
      { value: filter.identity, table: 'entry_identities', column: 'identity' },
      { value: filter.predicateType, table: 'entry_records', column: 'predicate_type' },
    ].filter((key) => key.value !== undefined);
    if (keys.length === 0) {
      return this.#statements.allRecords.all(afterIndex, limit) as number[];
    }
    const [driver, ...others] = keys;
    const sql = `SELECT DISTINCT d.idx FROM ${driver.table} d
      WHERE d.${driver.column} = ? AND d.idx > ?
      ${others.map((k) => `AND EXISTS (SELECT 1 FROM ${k.table} o WHERE o.idx = d.idx AND o.${k.column} = ?)`).join(' ')}
      ORDER BY d.idx LIMIT ?`;
    let statement = this.#searches.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql).pluck();
      this.#searches.set(sql, statement);
    }
    return statement.all(
      driver.value,
      afterIndex,
      ...others.map((k) => k.value),
      limit,
    ) as number[];
  }

  firstPublisher(namespace: string, predicateTypes: readonly string[]): string | undefined {
    return this.#statements.firstPublisher.get(
      namespace,
      `${namespace}/`,
      `${namespace}0`,
      JSON.stringify(predicateTypes),
    ) as string | undefined;
  }

  writeTile(level: number, index: number, hashes: Uint8Array): void {
    // UPDATE, then INSERT: an upsert would fire the insert trigger that refuses replacing a tile.
    if (this.#statements.growTile.run(hashes, level, index).changes === 0) {
      this.#statements.insertTile.run(level, index, hashes);
    }
  }

  writeTileNodes(level: number, index: number, nodes: Uint8Array): void {
    this.#statements.writeTileNodes.run(level, index, nodes);
  }

  addCheckpoint(previousSize: number | undefined, cp: StoredCheckpoint): void {
    const result = this.#statements.addCheckpoint.run(
      cp.size,
      cp.root,
      cp.note,
      cp.signedAt,
      previousSize ?? -1,
    );
    if (result.changes !== 1) {
      throw new StorageError(
        'checkpoint-conflict',
        `another checkpoint was stored after size ${previousSize ?? 'none'}: refusing to fork the log`,
      );
    }
  }

  close(): void {
    this.#db.close();
    this.#lock?.release();
  }
}
