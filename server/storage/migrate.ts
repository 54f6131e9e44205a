// Applies the numbered SQL files of migrations/ in order, each once, recording them in
// schema_migrations. A database written by a newer attestry is refused rather than guessed at.
import { readdirSync, readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { StorageError } from './errors.ts';

const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .map((file) => FILE_PATTERN.exec(file))
    .filter((match) => match !== null)
    .map((match) => ({
      version: Number(match[1]),
      name: match[2],
      sql: readFileSync(new URL(match[0], dir), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new StorageError(
        'bad-migrations',
        `migration ${migration.version}_${migration.name} is out of sequence: expected ${i + 1}`,
      );
    }
  });
  return migrations;
}

/** Brings the schema up to date; returns the versions it applied. */
export function migrate(db: Database, migrations: Migration[] = loadMigrations()): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const row = db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as {
    version: number | null;
  };
  const current = row.version ?? 0;
  const latest = migrations.length;
  if (current > latest) {
    throw new StorageError(
      'schema-too-new',
      `this database has schema version ${current}, but this attestry only knows versions up to ${latest}: it was written by a newer attestry; upgrade attestry to open it`,
    );
  }
  const pending = migrations.filter((m) => m.version > current);
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  db.transaction(() => {
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }
  }).immediate();
  return pending.map((m) => m.version);
}
