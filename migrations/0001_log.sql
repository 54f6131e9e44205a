-- The Merkle log: entries, C2SP hash tiles and signed checkpoints.
-- Append-only is enforced here as well as in code: no row of entries or checkpoints is ever
-- updated or deleted, and a tile only grows until it is full (256 hashes), then never changes.

CREATE TABLE log_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- leaf_hash is unique: the log holds each leaf once (a duplicate submission gets the first one).
CREATE TABLE entries (
  idx INTEGER PRIMARY KEY,
  body BLOB NOT NULL,
  leaf_hash BLOB NOT NULL UNIQUE,
  integrated_at INTEGER NOT NULL
) STRICT;

-- A rowid table: tiles are 8 KiB blobs, which WITHOUT ROWID tables read several times slower.
CREATE TABLE tiles (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hashes BLOB NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
  PRIMARY KEY (level, idx)
) STRICT;

CREATE TABLE checkpoints (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  signed_at INTEGER NOT NULL
) STRICT;

CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;

CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;

CREATE TRIGGER tiles_no_delete BEFORE DELETE ON tiles
BEGIN SELECT RAISE(ABORT, 'tiles are append-only'); END;
CREATE TRIGGER tiles_only_grow BEFORE UPDATE ON tiles
WHEN length(OLD.hashes) >= 8192
  OR length(NEW.hashes) <= length(OLD.hashes)
  OR length(NEW.hashes) > 8192
  OR substr(NEW.hashes, 1, length(OLD.hashes)) <> OLD.hashes
  OR NEW.level <> OLD.level OR NEW.idx <> OLD.idx
BEGIN SELECT RAISE(ABORT, 'a tile only grows until it is full, then never changes'); END;

CREATE TRIGGER log_meta_no_update BEFORE UPDATE ON log_meta
BEGIN SELECT RAISE(ABORT, 'log metadata is write-once'); END;
CREATE TRIGGER log_meta_no_delete BEFORE DELETE ON log_meta
BEGIN SELECT RAISE(ABORT, 'log metadata is write-once'); END;

-- INSERT OR REPLACE deletes without firing DELETE triggers: refuse any insert over a stored row.
CREATE TRIGGER entries_no_replace BEFORE INSERT ON entries
WHEN EXISTS (SELECT 1 FROM entries WHERE idx = NEW.idx)
  OR EXISTS (SELECT 1 FROM entries WHERE leaf_hash = NEW.leaf_hash)
BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
CREATE TRIGGER checkpoints_no_replace BEFORE INSERT ON checkpoints
WHEN EXISTS (SELECT 1 FROM checkpoints WHERE size = NEW.size)
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER tiles_no_replace BEFORE INSERT ON tiles
WHEN EXISTS (SELECT 1 FROM tiles WHERE level = NEW.level AND idx = NEW.idx)
BEGIN SELECT RAISE(ABORT, 'tiles are append-only: grow one with UPDATE'); END;
CREATE TRIGGER log_meta_no_replace BEFORE INSERT ON log_meta
WHEN EXISTS (SELECT 1 FROM log_meta WHERE key = NEW.key)
BEGIN SELECT RAISE(ABORT, 'log metadata is write-once'); END;
