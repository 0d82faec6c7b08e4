-- aurgate schema, first version. Timestamps named *_at are epoch milliseconds; fields copied from the
-- AUR (inside JSON) keep the AUR's epoch seconds.

-- A pkgbase aurgate knows about. It is mirrored while at least one allowlist row points at it.
CREATE TABLE packages (
  pkgbase                TEXT PRIMARY KEY,
  created_at             INTEGER NOT NULL,
  upstream_status        TEXT NOT NULL DEFAULT 'unknown'
                         CHECK (upstream_status IN ('unknown', 'present', 'deleted')),
  -- The upstream head recorded last (the database, not the mirror ref, is the source of truth).
  upstream_head          TEXT,
  upstream_version       TEXT,
  upstream_last_modified INTEGER,
  -- JSON: pkgbase-level RPC metadata seen at the last check.
  upstream_meta          TEXT,
  last_checked_at        INTEGER,
  last_fetched_at        INTEGER,
  last_full_check_at     INTEGER,
  last_error             TEXT,
  last_error_at          INTEGER
);

-- The allowlist is kept by package name, as users type it; each name resolves to its pkgbase.
CREATE TABLE allowlist (
  pkgname    TEXT PRIMARY KEY,
  pkgbase    TEXT NOT NULL REFERENCES packages (pkgbase),
  added_at   INTEGER NOT NULL,
  added_by   TEXT NOT NULL
);
CREATE INDEX allowlist_by_pkgbase ON allowlist (pkgbase);

-- One row per upstream head ever seen. States and transitions live in src/quarantine/states.ts.
CREATE TABLE revisions (
  id                INTEGER PRIMARY KEY,
  pkgbase           TEXT NOT NULL REFERENCES packages (pkgbase),
  commit_id         TEXT NOT NULL CHECK (length(commit_id) = 40),
  state             TEXT NOT NULL
                    CHECK (state IN ('pending', 'approved', 'rejected', 'superseded', 'revoked')),
  -- The last approved commit when this revision was recorded: the review diff runs base_commit..commit_id.
  base_commit       TEXT,
  -- The upstream head recorded before this one, and whether this one does not descend from it.
  previous_head     TEXT,
  history_rewritten INTEGER NOT NULL DEFAULT 0,
  -- JSON array of the commits in base_commit..commit_id, newest first.
  commits           TEXT NOT NULL,
  author_name       TEXT NOT NULL,
  author_email      TEXT NOT NULL,
  author_date       INTEGER NOT NULL,
  committer_name    TEXT NOT NULL,
  committer_email   TEXT NOT NULL,
  committer_date    INTEGER NOT NULL,
  srcinfo_text      TEXT,
  -- JSON of the parsed .SRCINFO, NULL when it is missing or malformed (srcinfo_error says why).
  srcinfo           TEXT,
  srcinfo_error     TEXT,
  version           TEXT,
  upstream_meta     TEXT NOT NULL,
  recorded_at       INTEGER NOT NULL,
  decided_at        INTEGER,
  decided_by        TEXT,
  decision_note     TEXT,
  -- Orders approvals: the served head is the approved revision with the highest sequence.
  approved_seq      INTEGER,
  UNIQUE (pkgbase, commit_id)
);
-- At most one revision of a package waits for review at any time.
CREATE UNIQUE INDEX revisions_one_pending ON revisions (pkgbase) WHERE state = 'pending';
CREATE INDEX revisions_by_state ON revisions (state, pkgbase);

-- Individual reviewer approvals; a revision is approved once enough distinct reviewers approved it.
CREATE TABLE approvals (
  revision_id INTEGER NOT NULL REFERENCES revisions (id),
  reviewer    TEXT NOT NULL,
  at          INTEGER NOT NULL,
  comment     TEXT,
  PRIMARY KEY (revision_id, reviewer)
);

-- Append-only: decisions and notable upstream events. The triggers refuse any change after the fact.
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at        INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  pkgbase   TEXT,
  commit_id TEXT,
  detail    TEXT
);
CREATE INDEX audit_log_by_pkgbase ON audit_log (pkgbase, id);
CREATE INDEX audit_log_by_action ON audit_log (action, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE sync_runs (
  id            INTEGER PRIMARY KEY,
  started_at    INTEGER NOT NULL,
  finished_at   INTEGER,
  trigger       TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed', 'interrupted')),
  packages      INTEGER NOT NULL DEFAULT 0,
  fetched       INTEGER NOT NULL DEFAULT 0,
  new_revisions INTEGER NOT NULL DEFAULT 0,
  failed        INTEGER NOT NULL DEFAULT 0,
  -- JSON array of {pkgbase, error}.
  errors        TEXT NOT NULL DEFAULT '[]'
);

-- Cross-process locks (the sync lock). A holder is stale when its process is gone.
CREATE TABLE locks (
  name         TEXT PRIMARY KEY,
  owner_pid    INTEGER NOT NULL,
  owner_host   TEXT NOT NULL,
  acquired_at  INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);
