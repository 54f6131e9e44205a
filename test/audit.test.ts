import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { auditLog } from '../server/log/audit.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import { openSqliteStorage } from '../server/storage/sqlite-storage.ts';
import { runCli } from './support/cli.ts';
import { entryBody, openTempLog } from './support/temp-log.ts';

// 700 entries in batches of 50: full level-0 tiles, a partial one, a level-1 tile, 15 checkpoints.
async function buildLog(t: Test) {
  const log = openTempLog(t, { maxBatchSize: 50 });
  await Promise.all(Array.from({ length: 700 }, (_, i) => log.sequencer.submit(entryBody(i))));
  log.close();
  return log;
}

function tamperedCopy(t: Test, dbPath: string, name: string, sql: string): string {
  const copy = join(t.testdirName ?? '', `${name}.db`);
  copyFileSync(dbPath, copy);
  const db = new Database(copy);
  db.exec(
    'DROP TRIGGER entries_no_update; DROP TRIGGER checkpoints_no_update; DROP TRIGGER tiles_only_grow;',
  );
  db.exec(sql);
  db.close();
  return copy;
}

t.test('audit passes on an untouched log', async (t) => {
  const log = await buildLog(t);
  const storage = openSqliteStorage(log.dbPath, { readonly: true });
  t.teardown(() => storage.close());
  const progress: number[] = [];
  const report = auditLog({
    storage,
    verifier: parseVerifierKey(log.keys.noteVerifierKey),
    onProgress: (done) => progress.push(done),
  });
  t.equal(report.entries, 700);
  t.equal(report.checkpoints, 15);
  t.equal(report.tiles, 4, 'tile/0/000, tile/0/001, tile/0/002.p/188, tile/1/000.p/2');
  t.equal(progress.at(-1), 700);

  const cli = runCli(['audit', '--db', log.dbPath]);
  t.equal(cli.status, 0, cli.stderr);
  t.match(cli.stdout, /audit passed: 700 entries, 4 tiles, 15 checkpoints/);
});

t.test('audit names an altered entry, tile or checkpoint', async (t) => {
  t.testdir({});
  const log = await buildLog(t);
  const cases = [
    {
      name: 'entry',
      sql: "UPDATE entries SET body = CAST('entry 300 altered' AS BLOB) WHERE idx = 300",
      subject: 'entry',
      message: /entry 300 /,
    },
    {
      name: 'entry-in-partial-tile',
      sql: "UPDATE entries SET body = x'00' WHERE idx = 650",
      subject: 'entry',
      message: /entry 650 /,
    },
    {
      name: 'tile',
      sql: "UPDATE tiles SET hashes = CAST(substr(hashes, 1, 100) || x'ff' || substr(hashes, 102) AS BLOB) WHERE level = 0 AND idx = 1",
      subject: 'tile',
      message: /tile\/0\/001 was altered: hash 3 /,
    },
    {
      name: 'upper-tile',
      sql: "UPDATE tiles SET hashes = CAST(x'00' || substr(hashes, 2) AS BLOB) WHERE level = 1 AND idx = 0",
      subject: 'tile',
      message: /tile\/1\/000\.p\/2 was altered: hash 0 /,
    },
    {
      name: 'tile-nodes',
      sql: "DROP TRIGGER tile_nodes_no_update; UPDATE tile_nodes SET nodes = CAST(x'00' || substr(nodes, 2) AS BLOB) WHERE level = 0 AND idx = 1",
      subject: 'tile',
      message: /inner nodes of tile\/0\/001 are altered/,
    },
    {
      name: 'checkpoint',
      sql: "UPDATE checkpoints SET note = replace(note, '\n350\n', '\n351\n') WHERE size = 350",
      subject: 'checkpoint',
      message: /checkpoint 350/,
    },
  ];
  for (const c of cases) {
    const path = tamperedCopy(t, log.dbPath, c.name, c.sql);
    const storage = openSqliteStorage(path, { readonly: true });
    t.throws(
      () => auditLog({ storage, verifier: parseVerifierKey(log.keys.noteVerifierKey) }),
      { subject: c.subject, message: c.message },
      c.name,
    );
    storage.close();
    const cli = runCli(['audit', '--db', path, '--keys', join(log.dir, 'keys')]);
    t.equal(cli.status, 1, `${c.name}: the CLI exits non-zero`);
    t.match(cli.stderr, c.message, `${c.name}: the CLI names it`);
  }
});
