-- What the log keeps beside an attestation's leaf: the DSSE envelope the leaf commits to (through
-- its envelopeHash), the signer's key or certificate, and exact search indexes over the statement.

CREATE TABLE entry_records (
  idx INTEGER PRIMARY KEY REFERENCES entries (idx),
  envelope BLOB NOT NULL,
  verifier TEXT NOT NULL,
  predicate_type TEXT NOT NULL
) STRICT;
CREATE INDEX entry_records_predicate_type ON entry_records (predicate_type, idx);

-- One row per subject digest (algorithm:hex), with the subject's name when it has one.
CREATE TABLE entry_subjects (
  idx INTEGER NOT NULL REFERENCES entries (idx),
  digest TEXT NOT NULL,
  name TEXT
) STRICT;
CREATE INDEX entry_subjects_digest ON entry_subjects (digest, idx);
CREATE INDEX entry_subjects_name ON entry_subjects (name, idx);

-- Signer identities: key fingerprints (sha256:<hex of DER SPKI>) or certificate identities.
CREATE TABLE entry_identities (
  idx INTEGER NOT NULL REFERENCES entries (idx),
  identity TEXT NOT NULL
) STRICT;
CREATE INDEX entry_identities_identity ON entry_identities (identity, idx);

CREATE TRIGGER entry_records_no_update BEFORE UPDATE ON entry_records
BEGIN SELECT RAISE(ABORT, 'entry records are append-only'); END;
CREATE TRIGGER entry_records_no_delete BEFORE DELETE ON entry_records
BEGIN SELECT RAISE(ABORT, 'entry records are append-only'); END;
CREATE TRIGGER entry_subjects_no_change BEFORE UPDATE ON entry_subjects
BEGIN SELECT RAISE(ABORT, 'entry records are append-only'); END;
CREATE TRIGGER entry_subjects_no_delete BEFORE DELETE ON entry_subjects
BEGIN SELECT RAISE(ABORT, 'entry records are append-only'); END;
CREATE TRIGGER entry_identities_no_change BEFORE UPDATE ON entry_identities
BEGIN SELECT RAISE(ABORT, 'entry records are append-only'); END;
CREATE TRIGGER entry_identities_no_delete BEFORE DELETE ON entry_identities
BEGIN SELECT RAISE(ABORT, 'entry records are append-only'); END;
CREATE TRIGGER entry_records_no_replace BEFORE INSERT ON entry_records
WHEN EXISTS (SELECT 1 FROM entry_records WHERE idx = NEW.idx)
BEGIN SELECT RAISE(ABORT, 'entry records are append-only'); END;
