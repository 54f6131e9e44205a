// The audit's verdict on each kind of damage a stored log can suffer besides an altered entry,
// tile or note (test/audit.test.ts): rows deleted or added, entries and tiles rewritten to agree
// with each other, checkpoint columns that disagree with their notes. Also the tree code's own
// refusals to read or grow tiles that do not match the tree size.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { auditLog } from '../server/log/audit.ts';
import { HASH_SIZE, leafHash } from '../server/log/hash.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import { tileNodeReader } from '../server/log/tile-node-reader.ts';
import { appendLeafHashes } from '../server/log/tree-appender.ts';
import { openSqliteStorage } from '../server/storage/sqlite-storage.ts';
import { entryBody, openTempLog, tempDir } from './support/temp-log.ts';

async function buildLog(t: Test, entries: number, batch: number) {
  const log = openTempLog(t, { maxBatchSize: batch });
  await Promise.all(Array.from({ length: entries }, (_, i) => log.sequencer.submit(entryBody(i))));
  log.close();
  return log;
}

// 12 entries in batches of 4: checkpoints 0, 4, 8, 12 and one partial tile, tile/0/000.p/12.
const small = await buildLog(t, 12, 4);
// 300 entries in batches of 32: checkpoints 0, 32, ..., 288, 300; tile/0/000 fills at 256.
const large = await buildLog(t, 300, 32);

/** A copy of the log's database with the append-only triggers dropped, then changed by edit. */
function tampered(t: Test, dbPath: string, edit: (db: Database.Database) => void): string {
  const copy = join(tempDir(t), 'log.db');
  copyFileSync(dbPath, copy);
  const db = new Database(copy);
  db.pragma('foreign_keys = OFF');
  const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck();
  for (const name of triggers.all()) db.exec(`DROP TRIGGER "${name}"`);
  edit(db);
  db.close();
  return copy;
}

/** Stores an entry row with whatever columns the entries table has. */
function insertEntry(db: Database.Database, index: number, body: Uint8Array): void {
  const values: Record<string, unknown> = {
    idx: index,
    body,
    leaf_hash: leafHash(body),
    integrated_at: 0,
  };
  const columns = (db.pragma('table_info(entries)') as { name: string }[]).map((c) => c.name);
  db.prepare(
    `INSERT INTO entries (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
  ).run(Object.fromEntries(columns.map((c) => [c, values[c]])));
}

function audit(log: { keys: { noteVerifierKey: string } }, dbPath: string) {
  const storage = openSqliteStorage(dbPath, { readonly: true });
  try {
    return auditLog({ storage, verifier: parseVerifierKey(log.keys.noteVerifierKey) });
  } finally {
    storage.close();
  }
}

function auditFails(
  t: Test,
  log: typeof small,
  edit: (db: Database.Database) => void,
  expected: { subject: string; code: string; message: string | RegExp },
): void {
  const path = tampered(t, log.dbPath, edit);
  t.throws(() => audit(log, path), { name: 'AuditError', ...expected }, String(expected.message));
}

t.test('the untouched logs pass', async (t) => {
  t.match(audit(small, small.dbPath), { entries: 12, tiles: 1, checkpoints: 4 });
  t.match(audit(large, large.dbPath), { entries: 300, tiles: 3, checkpoints: 11 });
});

t.test('a deleted entry is named', async (t) => {
  const missing = (index: number) => ({
    subject: 'entry',
    code: 'missing-entry',
    message: `entry ${index} is missing`,
  });
  auditFails(t, small, (db) => db.exec('DELETE FROM entries WHERE idx = 5'), missing(5));
  auditFails(t, small, (db) => db.exec('DELETE FROM entries WHERE idx = 11'), missing(11));
  // The last entry of a checkpoint's range, with one added past the end so the count still
  // matches: the audit must stop at the gap rather than wait for the entry forever.
  auditFails(
    t,
    small,
    (db) => {
      db.exec('DELETE FROM entries WHERE idx = 7');
      insertEntry(db, 12, entryBody(12));
    },
    missing(7),
  );
  auditFails(
    t,
    large,
    (db) => {
      db.exec('DELETE FROM entries WHERE idx = 255');
      insertEntry(db, 300, entryBody(300));
    },
    missing(255),
  );
});

t.test('an entry past the latest checkpoint is an entry-count mismatch', async (t) => {
  auditFails(t, small, (db) => insertEntry(db, 12, entryBody(12)), {
    subject: 'log',
    code: 'entry-count-mismatch',
    message: 'the log holds 13 entries but its latest checkpoint covers 12',
  });
});

t.test('a deleted tile is named', async (t) => {
  // Named as the audit first needs it: tile/0/000 at the first checkpoint, 32 entries.
  auditFails(t, large, (db) => db.exec('DELETE FROM tiles WHERE level = 0 AND idx = 0'), {
    subject: 'tile',
    code: 'missing-tile',
    message: 'tile/0/000.p/32 is missing',
  });
  auditFails(t, large, (db) => db.exec('DELETE FROM tiles WHERE level = 1 AND idx = 0'), {
    subject: 'tile',
    code: 'missing-tile',
    message: 'tile/1/000.p/1 is missing',
  });
});

t.test('deleted inner nodes of a full tile are named', async (t) => {
  auditFails(t, large, (db) => db.exec('DELETE FROM tile_nodes WHERE level = 0 AND idx = 0'), {
    subject: 'tile',
    code: 'missing-tile-nodes',
    message: 'the stored inner nodes of tile/0/000 are missing',
  });
});

t.test('a tile cut short is altered from where it ends', async (t) => {
  auditFails(
    t,
    small,
    (db) => db.exec(`UPDATE tiles SET hashes = substr(hashes, 1, ${6 * HASH_SIZE})`),
    { subject: 'tile', code: 'tile-altered', message: /^tile\/0\/000\.p\/6 was altered: hash 6 / },
  );
});

t.test('entries and tiles rewritten to agree fail on the signed root', async (t) => {
  // Entry 9 and its leaf hash in the tile are replaced consistently: every tile checks out
  // against the entries, and only checkpoint 12's signature still commits to the original.
  auditFails(
    t,
    small,
    (db) => {
      const body = new TextEncoder().encode('a rewritten entry');
      db.exec('DELETE FROM entries WHERE idx = 9');
      insertEntry(db, 9, body);
      const tile = db.prepare('SELECT hashes FROM tiles WHERE level = 0 AND idx = 0').pluck();
      const hashes = Uint8Array.from(tile.get() as Uint8Array);
      hashes.set(leafHash(body), 9 * HASH_SIZE);
      db.prepare('UPDATE tiles SET hashes = ? WHERE level = 0 AND idx = 0').run(hashes);
    },
    {
      subject: 'checkpoint',
      code: 'root-mismatch',
      message: /^checkpoint 12: its signed root is not the root of the stored entries and tiles/,
    },
  );
});

t.test('a checkpoint row must agree with its signed note', async (t) => {
  for (const size of [8, 12]) {
    auditFails(
      t,
      small,
      (db) => db.exec(`UPDATE checkpoints SET root = zeroblob(32) WHERE size = ${size}`),
      {
        subject: 'checkpoint',
        code: 'checkpoint-fields-mismatch',
        message: `checkpoint ${size}: the stored size or root differs from the signed note`,
      },
    );
  }
});

t.test('a log without any checkpoint fails as such', async (t) => {
  auditFails(t, small, (db) => db.exec('DELETE FROM checkpoints'), {
    subject: 'log',
    code: 'no-checkpoint',
    message: 'the log has no checkpoint',
  });
});

t.test(
  'inner nodes altered ahead of the scan are named, not taken for an inconsistency',
  async (t) => {
    // The consistency proof from 32 to 64 needs the node over entries 32..63 (height 5, index 1,
    // slot 256 - 16 + 1 of tile/0/000's inner nodes). The audit uses stored inner nodes only for
    // tiles it has checked, so it names the altered nodes when the scan reaches entry 256.
    auditFails(
      t,
      large,
      (db) => {
        const read = db.prepare('SELECT nodes FROM tile_nodes WHERE level = 0 AND idx = 0').pluck();
        const nodes = Uint8Array.from(read.get() as Uint8Array);
        nodes[241 * HASH_SIZE] ^= 1;
        db.prepare('UPDATE tile_nodes SET nodes = ? WHERE level = 0 AND idx = 0').run(nodes);
      },
      {
        subject: 'tile',
        code: 'tile-nodes-altered',
        message: 'the stored inner nodes of tile/0/000 are altered',
      },
    );
  },
);

t.test('growing tiles that disagree with the tree size is refused', async (t) => {
  const leaf = leafHash(entryBody(0));
  const twoHashes = new Uint8Array(2 * HASH_SIZE);
  t.throws(() => appendLeafHashes(3, [leaf], { readTile: () => twoHashes }), {
    code: 'tile-mismatch',
    message: 'tile 0/0 holds 2 hashes, the tree size implies 3',
  });
  t.throws(() => appendLeafHashes(256 + 5, [leaf], { readTile: () => undefined }), {
    code: 'tile-mismatch',
    message: 'tile 0/1 holds 0 hashes, the tree size implies 5',
  });
});

t.test('reading a node from a tile that does not hold it is a missing tile', async (t) => {
  const none = tileNodeReader({ readTile: () => undefined });
  t.throws(() => none(0, 5), {
    name: 'LogError',
    code: 'missing-tile',
    message: 'tile 0/0 does not hold hash 5',
  });
  t.throws(() => none(8, 300), { code: 'missing-tile', message: 'tile 1/1 does not hold hash 44' });
  const short = tileNodeReader({ readTile: () => new Uint8Array(3 * HASH_SIZE) });
  t.equal(short(0, 2).length, HASH_SIZE, 'a hash the tile holds is read');
  t.throws(() => short(0, 3), { code: 'missing-tile', message: 'tile 0/0 does not hold hash 3' });
  t.throws(() => short(1, 1), { code: 'missing-tile' }, 'nor a node computed from it');
});
