-- The inner nodes of each full tile (heights 1..7 inside the tile, 254 hashes), stored once when
-- the tile fills, so that proofs read hashes instead of recomputing up to 247 of them per tile.
-- They are derived data: the audit re-derives and checks them like the tiles.

CREATE TABLE tile_nodes (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  nodes BLOB NOT NULL CHECK (length(nodes) = 8128),
  PRIMARY KEY (level, idx)
) STRICT;

CREATE TRIGGER tile_nodes_no_update BEFORE UPDATE ON tile_nodes
BEGIN SELECT RAISE(ABORT, 'tile nodes are append-only'); END;
CREATE TRIGGER tile_nodes_no_delete BEFORE DELETE ON tile_nodes
BEGIN SELECT RAISE(ABORT, 'tile nodes are append-only'); END;
CREATE TRIGGER tile_nodes_no_replace BEFORE INSERT ON tile_nodes
WHEN EXISTS (SELECT 1 FROM tile_nodes WHERE level = NEW.level AND idx = NEW.idx)
BEGIN SELECT RAISE(ABORT, 'tile nodes are append-only'); END;
