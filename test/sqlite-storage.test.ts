import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { leafHash } from '../server/log/hash.ts';
import { loadMigrations, migrate } from '../server/storage/migrate.ts';
import { openSqliteStorage, sqlitePragma } from '../server/storage/sqlite-storage.ts';
import { tempDir } from './support/temp-log.ts';

const tile = (n: number, fill = 1) => new Uint8Array(32 * n).fill(fill);
const entry = (byte: number, integratedAt: number) => ({
  body: new Uint8Array([byte]),
  leafHash: leafHash(new Uint8Array([byte])),
  integratedAt,
});
const checkpoint = (size: number) => ({ size, root: tile(1), note: `cp ${size}\n`, signedAt: 1 });

t.test('migrations are applied once, in order, and recorded', async (t) => {
  const path = join(tempDir(t), 'log.db');
  const db = new Database(path);
  t.teardown(() => db.close());
  const all = loadMigrations();
  t.ok(all.length >= 1);
  t.same(
    migrate(db),
    all.map((m) => m.version),
  );
  t.same(migrate(db), [], 'nothing is re-applied');
  const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
  t.same(
    recorded,
    all.map((m) => ({ version: m.version, name: m.name })),
  );
});

t.test('a failing migration leaves the database as it was', async (t) => {
  const db = new Database(':memory:');
  t.teardown(() => db.close());
  const bad = [
    { version: 1, name: 'good', sql: 'CREATE TABLE a (x INTEGER);' },
    { version: 2, name: 'bad', sql: 'CREATE TABLE b (x INTEGER); THIS IS NOT SQL;' },
  ];
  t.throws(() => migrate(db, bad));
  t.same(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('a', 'b')").all(), []);
  t.equal(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get(), 0);
});

t.test('a database from a newer attestry is refused with a clear message', async (t) => {
  const path = join(tempDir(t), 'log.db');
  openSqliteStorage(path).close();
  const db = new Database(path);
  db.prepare('INSERT INTO schema_migrations VALUES (999, ?, 0)').run('from_the_future');
  db.close();
  t.throws(() => openSqliteStorage(path), { code: 'schema-too-new', message: /upgrade attestry/ });
  t.throws(() => openSqliteStorage(path, { readonly: true }), { code: 'schema-too-new' });
});

t.test('migration files out of sequence are refused', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, '0001_a.sql'), '');
  writeFileSync(join(dir, '0003_c.sql'), '');
  writeFileSync(join(dir, 'README.md'), 'not a migration');
  t.throws(() => loadMigrations(new URL(`file://${dir}/`)), { code: 'bad-migrations' });
});

t.test(
  'a writer commits durably: WAL, synchronous FULL, checkpoints every 10,000 pages',
  async (t) => {
    const storage = openSqliteStorage(join(tempDir(t), 'log.db'));
    t.teardown(() => storage.close());
    t.equal(sqlitePragma(storage, 'journal_mode'), 'wal');
    t.equal(sqlitePragma(storage, 'synchronous'), 2, 'FULL: the WAL is flushed at every commit');
    t.equal(sqlitePragma(storage, 'wal_autocheckpoint'), 10_000);
  },
);

t.test('read-only opening refuses files that are not logs, or not migrated', async (t) => {
  const dir = tempDir(t);
  t.throws(() => openSqliteStorage(join(dir, 'missing.db'), { readonly: true }), {
    code: 'open-failed',
  });
  const other = join(dir, 'other.db');
  new Database(other).exec('CREATE TABLE x (y)');
  t.throws(() => openSqliteStorage(other, { readonly: true }), { code: 'not-a-log' });
  const old = join(dir, 'old.db');
  const db = new Database(old);
  migrate(db, []);
  db.close();
  t.throws(() => openSqliteStorage(old, { readonly: true }), { code: 'schema-too-old' });
});

t.test(
  'the database refuses to rewrite entries, checkpoints, full tiles or metadata',
  async (t) => {
    const path = join(tempDir(t), 'log.db');
    const storage = openSqliteStorage(path);
    storage.transaction(() => {
      storage.appendEntries(0, [entry(1, 1)]);
      storage.writeTile(0, 0, tile(256));
      storage.writeTile(0, 1, tile(2));
      storage.addCheckpoint(undefined, checkpoint(0));
      storage.setMeta('origin', 'a');
    });
    storage.close();
    const db = new Database(path);
    t.teardown(() => db.close());
    const refused = [
      "INSERT OR REPLACE INTO entries (idx, body, leaf_hash, integrated_at) VALUES (0, x'02', zeroblob(32), 1)",
      "INSERT OR REPLACE INTO entries (idx, body, leaf_hash, integrated_at) SELECT 5, x'02', leaf_hash, 1 FROM entries WHERE idx = 0",
      "INSERT OR REPLACE INTO checkpoints (size, root, note, signed_at) VALUES (0, zeroblob(32), 'forged', 1)",
      'INSERT OR REPLACE INTO tiles (level, idx, hashes) VALUES (0, 0, zeroblob(32))',
      "INSERT OR REPLACE INTO log_meta (key, value) VALUES ('origin', 'b')",
      'DELETE FROM log_meta',
      "UPDATE entries SET body = x'02'",
      'DELETE FROM entries',
      "UPDATE checkpoints SET note = 'x'",
      'DELETE FROM checkpoints',
      'UPDATE tiles SET hashes = CAST(hashes || hashes AS BLOB) WHERE idx = 0',
      'DELETE FROM tiles',
      'UPDATE tiles SET hashes = zeroblob(96) WHERE idx = 1',
      'UPDATE tiles SET hashes = zeroblob(32) WHERE idx = 1',
      "UPDATE log_meta SET value = 'b'",
    ];
    for (const sql of refused)
      t.throws(() => db.exec(sql), /append-only|only grows|write-once/, sql);
    t.doesNotThrow(
      () => db.exec('UPDATE tiles SET hashes = CAST(hashes || zeroblob(32) AS BLOB) WHERE idx = 1'),
      'a partial tile may grow',
    );
  },
);

t.test('storage: compare-and-swap of checkpoints, meta, tiles and entries', async (t) => {
  const storage = openSqliteStorage(join(tempDir(t), 'nested', 'log.db'));
  t.teardown(() => storage.close());
  t.equal(storage.latestCheckpoint(), undefined);
  storage.addCheckpoint(undefined, checkpoint(0));
  t.throws(() => storage.addCheckpoint(undefined, checkpoint(5)), { code: 'checkpoint-conflict' });
  storage.addCheckpoint(0, checkpoint(5));
  t.throws(() => storage.addCheckpoint(0, checkpoint(6)), { code: 'checkpoint-conflict' });
  t.same(
    storage.checkpoints(-1, 10).map((c) => c.size),
    [0, 5],
  );
  t.same(
    storage.checkpoints(0, 10).map((c) => c.size),
    [5],
  );
  t.equal(storage.latestCheckpoint()?.size, 5);

  storage.setMeta('origin', 'a');
  storage.setMeta('origin', 'a');
  t.throws(() => storage.setMeta('origin', 'b'), { code: 'meta-conflict' });
  t.equal(storage.getMeta('origin'), 'a');
  t.equal(storage.getMeta('nothing'), undefined);

  t.equal(storage.readTile(0, 0), undefined);
  storage.writeTile(0, 0, tile(1));
  storage.writeTile(0, 0, tile(3));
  t.equal(storage.readTile(0, 0)?.length, 96);

  storage.appendEntries(0, [entry(7, 10), entry(8, 11)]);
  t.equal(storage.entryCount(), 2);
  t.same(storage.readEntry(1), { index: 1, body: Buffer.from([8]), integratedAt: 11 });
  t.equal(storage.readEntry(2), undefined);
  t.same(
    storage.readEntries(0, 5).map((e) => e.index),
    [0, 1],
  );
  t.throws(() =>
    storage.transaction(() => {
      storage.appendEntries(2, [entry(9, 12)]);
      throw new Error('abort');
    }),
  );
  t.equal(storage.entryCount(), 2, 'a failed transaction writes nothing');
});

t.test('a leaf is stored once, and found by its hash', async (t) => {
  const storage = openSqliteStorage(join(tempDir(t), 'log.db'));
  t.teardown(() => storage.close());
  storage.appendEntries(0, [entry(1, 1), entry(2, 1)]);
  t.equal(storage.findLeaf(leafHash(new Uint8Array([2]))), 1);
  t.equal(storage.findLeaf(leafHash(new Uint8Array([3]))), undefined);
  t.throws(
    () => storage.appendEntries(2, [entry(1, 2)]),
    /append-only/,
    'a leaf the log holds is refused',
  );
});

t.test('entry records are kept beside the leaf and searched exactly', async (t) => {
  const storage = openSqliteStorage(join(tempDir(t), 'log.db'));
  t.teardown(() => storage.close());
  const record = (i: number) => ({
    envelope: new TextEncoder().encode(`{"n":${i}}`),
    verifier: `{"kind":"publicKey","n":${i}}`,
    predicateType: i % 2 === 0 ? 'https://example.com/even' : 'https://example.com/odd',
    subjects: [
      { digest: `sha256:${String(i % 3).repeat(64)}`, name: `acme/model-${i % 3}` },
      { digest: `sha512:${'f'.repeat(128)}` },
    ],
    identities: [`sha256:${String(i % 4).repeat(64)}`, `sha256:${String(i % 4).repeat(64)}`],
  });
  storage.appendEntries(
    0,
    Array.from({ length: 30 }, (_, i) => ({ ...entry(i, 5), record: record(i) })),
  );
  t.same(storage.readRecord(4), {
    ...record(4),
    identities: [record(4).identities[0]],
    integratedAt: 5,
  });
  t.same(storage.readRecord(4)?.subjects[1], { digest: `sha512:${'f'.repeat(128)}` });
  t.equal(storage.readRecord(99), undefined);

  const all = (filter: object) => {
    const found: number[] = [];
    for (let after = -1; ; ) {
      const page = storage.searchEntries(filter, after, 4);
      if (page.length === 0) return found;
      found.push(...page);
      after = page[page.length - 1];
    }
  };
  const expected = (keep: (i: number) => boolean) =>
    Array.from({ length: 30 }, (_, i) => i).filter(keep);
  t.same(
    all({ digest: `sha256:${'1'.repeat(64)}` }),
    expected((i) => i % 3 === 1),
  );
  t.same(
    all({ name: 'acme/model-2' }),
    expected((i) => i % 3 === 2),
  );
  t.same(
    all({ identity: `sha256:${'3'.repeat(64)}` }),
    expected((i) => i % 4 === 3),
  );
  t.same(
    all({ predicateType: 'https://example.com/even' }),
    expected((i) => i % 2 === 0),
  );
  t.same(
    all({ name: 'acme/model-0', predicateType: 'https://example.com/odd' }),
    expected((i) => i % 3 === 0 && i % 2 === 1),
  );
  t.same(
    all({ digest: `sha512:${'f'.repeat(128)}` }),
    expected(() => true),
  );
  t.same(all({ name: "x' OR 1=1 --" }), [], 'search keys are bound, not spliced into SQL');
  t.same(
    all({}),
    expected(() => true),
  );
});

t.test("opening for writing never adds the log's tables to another file", async (t) => {
  const dir = tempDir(t);
  const other = join(dir, 'other.db');
  const foreign = new Database(other);
  foreign.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')");
  foreign.close();
  t.throws(() => openSqliteStorage(other), {
    code: 'not-a-log',
    message: /other\.db is not an attestry log database/,
  });
  const after = new Database(other, { readonly: true });
  t.same(
    after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(),
    ['notes'],
    "the other application's file is untouched",
  );
  after.close();

  const text = join(dir, 'model.sig');
  writeFileSync(text, `{"not": "sqlite"}${' '.repeat(200)}`);
  t.throws(() => openSqliteStorage(text), { code: 'not-a-log' });
});

t.test('one writer at a time: a second writable open is refused, readers are not', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'log.db');
  const writer = openSqliteStorage(path);
  const inUse = {
    code: 'log-in-use',
    message: `${path} is already open for writing (a server holds ${path}.lock): stop it, or give this one another database`,
  };
  t.throws(() => openSqliteStorage(path), inUse);
  // The lock is the file's, whatever path leads to it.
  const alias = join(dir, 'alias.db');
  symlinkSync(path, alias);
  t.throws(() => openSqliteStorage(alias), { code: 'log-in-use' }, 'through a symbolic link');
  const reader = openSqliteStorage(path, { readonly: true });
  t.equal(reader.entryCount(), 0, 'a reader opens beside the writer');
  reader.close();
  writer.close();
  const next = openSqliteStorage(path);
  t.pass('the lock goes with close');
  next.close();

  // Another application's file is refused before any lock file is made beside it.
  const notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'not a database, and longer than a header would be'.repeat(4));
  t.throws(() => openSqliteStorage(notes), { code: 'not-a-log' });
  t.notOk(existsSync(`${notes}.lock`), 'no lock file beside it');
  // A lock file that is not SQLite's is named, not thrown raw.
  writeFileSync(`${path}.lock`, 'garbage '.repeat(100));
  t.throws(() => openSqliteStorage(path), {
    code: 'open-failed',
    message: new RegExp(`^cannot lock ${path}\\.lock: `),
  });
  t.end();
});
