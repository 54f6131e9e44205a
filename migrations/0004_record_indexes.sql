-- Reading an entry's subjects and signer identities by its index, and joining them to it (name
-- ownership, search), without a scan of the whole table per entry.

CREATE INDEX entry_subjects_idx ON entry_subjects (idx);
CREATE INDEX entry_identities_idx ON entry_identities (idx);
