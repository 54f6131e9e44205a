// `attestry audit` as a command: its --json report, its exit status and its messages when the
// keys or the database are not what it needs. (test/audit.test.ts covers what the audit finds.)
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { toHex } from '../server/log/encoding.ts';
import { jsonOutput, runCli } from './support/cli.ts';
import { entryBody, openTempLog, tempDir } from './support/temp-log.ts';

// 300 entries in batches of 100: checkpoints 0, 100, 200, 300; tiles 0/000, 0/001.p/44, 1/000.p/1.
async function buildLog(t: Test) {
  const log = openTempLog(t, { maxBatchSize: 100 });
  await Promise.all(Array.from({ length: 300 }, (_, i) => log.sequencer.submit(entryBody(i))));
  log.close();
  return { ...log, keysDir: join(log.dir, 'keys'), root: toHex(log.sequencer.checkpoint.root) };
}

// Each run of the command loads all of attestry: room for a busy machine.
t.setTimeout(60_000);
const log = await buildLog(t);

/** A copy of dbPath in a fresh directory (so without keys/ beside it), changed by sql. */
function copyWith(t: Test, dbPath: string, sql = ''): string {
  const copy = join(tempDir(t), 'copy.db');
  copyFileSync(dbPath, copy);
  const db = new Database(copy);
  db.exec(sql);
  db.close();
  return copy;
}

t.test('--json prints one document with the audit figures', async (t) => {
  const cli = runCli(['audit', '--db', log.dbPath, '--json']);
  t.equal(cli.status, 0);
  t.equal(cli.stderr, '', 'no progress bar on a pipe');
  t.same(jsonOutput(cli.stdout), {
    ok: true,
    entries: 300,
    tiles: 3,
    checkpoints: 4,
    root: log.root,
  });
});

t.test(
  'on a terminal a progress bar shows',
  { skip: spawnSync('script', ['--version']).status !== 0 && 'needs script(1) for a terminal' },
  async (t) => {
    const bin = resolve(import.meta.dirname, '../client-sdk/cli/bin.ts');
    const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
    // script(1) runs the command on a pseudo-terminal and copies what it shows to stdout.
    const onTerminal = (args: string[]) =>
      spawnSync(
        'script',
        ['-qec', [process.execPath, bin, ...args].map(quote).join(' '), '/dev/null'],
        { encoding: 'utf8', timeout: 60_000 },
      );
    const run = onTerminal(['audit', '--db', log.dbPath]);
    t.equal(run.status, 0, run.stdout);
    t.match(run.stdout, /audit \[[^\]]+\] 100% \| 300\/300/, 'the bar reaches 300/300');
    t.match(run.stdout, /\naudit passed: 300 entries, 3 tiles, 4 checkpoints/, 'then the verdict');
  },
);

t.test('--json reports a failure as a document and exits 1', async (t) => {
  const copy = copyWith(
    t,
    log.dbPath,
    "DROP TRIGGER entries_no_update; UPDATE entries SET body = x'00' WHERE idx = 150",
  );
  const cli = runCli(['audit', '--db', copy, '--keys', log.keysDir, '--json']);
  t.equal(cli.status, 1);
  t.equal(cli.stderr, '');
  const report = jsonOutput(cli.stdout) as Record<string, unknown>;
  t.same(Object.keys(report), ['ok', 'code', 'subject', 'message']);
  t.match(report, {
    ok: false,
    code: 'entry-altered',
    subject: 'entry',
    message: /^entry 150 was altered: /,
  });
});

t.test('without the verifier key the audit says where it looked and what to pass', async (t) => {
  const copy = copyWith(t, log.dbPath);
  const expected = `no log verifier key at ${join(copy, '../keys/note.pub')}: pass --keys with the directory holding note.pub`;
  const cli = runCli(['audit', '--db', copy]);
  t.equal(cli.status, 1);
  t.equal(cli.stdout, '');
  t.equal(cli.stderr, `audit failed: ${expected}\n`);

  const json = runCli(['audit', '--db', copy, '--json']);
  t.equal(json.status, 1);
  t.same(
    jsonOutput(json.stdout),
    { ok: false, code: 'missing-keys', message: expected },
    'no subject: the log was not looked at',
  );
});

t.test('a file that is not a log database is named as such', async (t) => {
  const dir = tempDir(t);
  const text = join(dir, 'text.db');
  writeFileSync(text, 'hello, world\n'.repeat(100));
  const cli = runCli(['audit', '--db', text, '--keys', log.keysDir]);
  t.equal(cli.status, 1);
  t.equal(cli.stderr, `audit failed: ${text} is not an attestry log database\n`);
});

t.test('an unexpected failure is not reported as an audit verdict', async (t) => {
  const copy = copyWith(t, log.dbPath, 'DROP TABLE tile_nodes');
  const cli = runCli(['audit', '--db', copy, '--keys', log.keysDir, '--json']);
  t.equal(cli.status, 1);
  t.equal(cli.stdout, '', 'no JSON document claims either way');
  t.match(cli.stderr, /SqliteError: no such table: tile_nodes/);
});

t.test('--help documents the commands and the audit options', async (t) => {
  const top = runCli(['--help']);
  t.equal(top.status, 0);
  t.match(top.stdout, /^ {2}server \[options\] +Run the log service/m);
  t.match(top.stdout, /^ {2}audit \[options\] +Re-derive every tile/m);

  const audit = runCli(['audit', '--help']);
  t.equal(audit.status, 0);
  t.match(audit.stdout, /^Usage: attestry audit \[options\]/);
  t.match(audit.stdout, /^ {2}--db <file> +SQLite database file of the log$/m);
  t.match(audit.stdout, /^ {2}--keys <dir> +directory holding the log's note\.pub/m);
  t.match(audit.stdout, /^ {2}--json +print one JSON document$/m);
});
