-- The approval transparency log (RFC 6962 Merkle tree, C2SP checkpoints and tiles). src/trust/log-store.ts
-- owns the tlog_leaves, tlog_hashes and tlog_checkpoints tables, src/trust/attestation-log.ts tlog_attestations. Everything here is written once: the triggers refuse any change after the fact, and
-- a change made around them (by someone with the database file) no longer matches the signed checkpoints.

-- One row per log entry, in log order. data is the entry exactly as hashed and served in entry bundles
-- (a DSSE envelope's canonical JSON); the uint16 length prefix of C2SP entry bundles caps it at 65535.
CREATE TABLE tlog_leaves (
  idx         INTEGER PRIMARY KEY CHECK (idx >= 0),
  data        BLOB NOT NULL CHECK (length(data) BETWEEN 1 AND 65535),
  appended_at INTEGER NOT NULL
);
CREATE TRIGGER tlog_leaves_in_order BEFORE INSERT ON tlog_leaves
WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0) FROM tlog_leaves)
BEGIN SELECT RAISE(ABORT, 'tlog_leaves is append-only: entries are added at the end, without gaps'); END;
CREATE TRIGGER tlog_leaves_no_update BEFORE UPDATE ON tlog_leaves
BEGIN SELECT RAISE(ABORT, 'tlog_leaves is append-only'); END;
CREATE TRIGGER tlog_leaves_no_delete BEFORE DELETE ON tlog_leaves
BEGIN SELECT RAISE(ABORT, 'tlog_leaves is append-only'); END;

-- The hash of every complete subtree: (level, idx) covers leaves [idx * 2^level, (idx + 1) * 2^level).
-- Level 0 holds the leaf hashes. Proofs, tree heads and tiles are read from here without rehashing.
CREATE TABLE tlog_hashes (
  level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
  idx   INTEGER NOT NULL CHECK (idx >= 0),
  hash  BLOB NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TRIGGER tlog_hashes_no_update BEFORE UPDATE ON tlog_hashes
BEGIN SELECT RAISE(ABORT, 'tlog_hashes is append-only'); END;
CREATE TRIGGER tlog_hashes_no_delete BEFORE DELETE ON tlog_hashes
BEGIN SELECT RAISE(ABORT, 'tlog_hashes is append-only'); END;

-- Every checkpoint the log signed, newest last. A log must never sign a tree head inconsistent with an
-- earlier one, so a new checkpoint is never smaller than the last.
CREATE TABLE tlog_checkpoints (
  id        INTEGER PRIMARY KEY,
  size      INTEGER NOT NULL CHECK (size >= 0),
  root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
  -- The signed note as served at <prefix>/checkpoint.
  note      TEXT NOT NULL,
  signed_at INTEGER NOT NULL
);
CREATE TRIGGER tlog_checkpoints_grow BEFORE INSERT ON tlog_checkpoints
WHEN NEW.size < (SELECT COALESCE(MAX(size), 0) FROM tlog_checkpoints)
BEGIN SELECT RAISE(ABORT, 'tlog_checkpoints: a new checkpoint cannot be smaller than the last'); END;
CREATE TRIGGER tlog_checkpoints_no_update BEFORE UPDATE ON tlog_checkpoints
BEGIN SELECT RAISE(ABORT, 'tlog_checkpoints is append-only'); END;
CREATE TRIGGER tlog_checkpoints_no_delete BEFORE DELETE ON tlog_checkpoints
BEGIN SELECT RAISE(ABORT, 'tlog_checkpoints is append-only'); END;

-- Which log entries attest which revision: the lookup behind /attestations/<pkgbase>/<commit>.intoto.jsonl
-- and the log index a lock entry carries. Derived from the entries (each is a signed statement naming
-- its subject), written in the same transaction as the entry, and append-only like it.
CREATE TABLE tlog_attestations (
  leaf_idx  INTEGER PRIMARY KEY REFERENCES tlog_leaves (idx),
  pkgbase   TEXT NOT NULL,
  commit_id TEXT NOT NULL CHECK (length(commit_id) = 40),
  decision  TEXT NOT NULL CHECK (decision IN ('approved', 'revoked')),
  -- sha256 hex of the entry (the envelope's canonical JSON), as lock files pin it.
  digest    TEXT NOT NULL CHECK (length(digest) = 64)
);
CREATE INDEX tlog_attestations_by_subject ON tlog_attestations (pkgbase, commit_id, leaf_idx);
CREATE TRIGGER tlog_attestations_no_update BEFORE UPDATE ON tlog_attestations
BEGIN SELECT RAISE(ABORT, 'tlog_attestations is append-only'); END;
CREATE TRIGGER tlog_attestations_no_delete BEFORE DELETE ON tlog_attestations
BEGIN SELECT RAISE(ABORT, 'tlog_attestations is append-only'); END;
