-- A read replica's own state, rebuilt from the primary's verified approval log (nothing is copied from
-- the primary's database). src/replica/revisions.ts owns replica_revisions, src/replica/follower-state.ts
-- replica_follower. A primary never writes either; a replica writes nothing else but the tlog_* tables
-- (the primary's entries and signed checkpoints, after verification) and snapshots (attested checksums).

-- Every revision a verified log entry approved or revoked, as this replica applied it.
CREATE TABLE replica_revisions (
  pkgbase        TEXT NOT NULL,
  commit_id      TEXT NOT NULL CHECK (length(commit_id) = 40),
  state          TEXT NOT NULL CHECK (state IN ('approved', 'revoked')),
  version        TEXT,
  -- The .SRCINFO of the verified commit (NULL when it has none): what RPC and the lists are built from.
  srcinfo_text   TEXT,
  -- The signed statement's upstream maintainer and reviewers (JSON array of names).
  maintainer     TEXT,
  reviewers      TEXT NOT NULL,
  author_date    INTEGER,
  committer_date INTEGER,
  -- The log index of the approval applied last: orders the served head like the primary's approved_seq.
  approval_idx   INTEGER,
  approved_at    INTEGER,
  revoke_idx     INTEGER,
  revoke_reason  TEXT,
  PRIMARY KEY (pkgbase, commit_id)
) WITHOUT ROWID;
CREATE INDEX replica_revisions_served ON replica_revisions (state, pkgbase, approval_idx);

-- One row: whom this replica follows, how far it applied the log, and why it stopped (if it did).
CREATE TABLE replica_follower (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  origin          TEXT NOT NULL,
  primary_url     TEXT NOT NULL,
  -- Log entries [0, applied_size) are applied to the served repos (or skipped, see skipped).
  applied_size    INTEGER NOT NULL DEFAULT 0,
  -- Grows with every applied entry: the served catalog of every process compares it.
  version         INTEGER NOT NULL DEFAULT 0,
  skipped         INTEGER NOT NULL DEFAULT 0,
  last_skip       TEXT,
  last_contact_at INTEGER,
  last_applied_at INTEGER,
  -- Decision (decidedAt) to served on this replica, of the entry applied last, in ms.
  last_lag_ms     INTEGER,
  last_error      TEXT,
  last_error_at   INTEGER,
  halted_at       INTEGER,
  halt_kind       TEXT,
  halt_reason     TEXT
);
