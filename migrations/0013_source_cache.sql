-- The hermetic source cache (src/sources/records.ts owns all four tables; README "Hermetic builds").

-- One stored file, named by the sha256 of its bytes (<dataDir>/sources/<aa>/<sha256>).
CREATE TABLE source_blobs (
  sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  size       INTEGER NOT NULL,
  stored_at  INTEGER NOT NULL
);

-- The source= entries of one revision, per architecture, and what became of each. `algorithm` and
-- `digest` are the strongest checksum the PKGBUILD gives (NULL: SKIP or none, so unpinned); `sha256`
-- names the stored blob; `vcs_commit` is the commit a VCS fragment (#tag=, #branch=) resolved to.
CREATE TABLE revision_sources (
  pkgbase     TEXT NOT NULL,
  commit_id   TEXT NOT NULL CHECK (length(commit_id) = 40),
  arch        TEXT NOT NULL,
  position    INTEGER NOT NULL,
  filename    TEXT NOT NULL,
  url         TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('remote', 'vcs', 'local')),
  algorithm   TEXT,
  digest      TEXT,
  pinned      INTEGER NOT NULL CHECK (pinned IN (0, 1)),
  sha256      TEXT,
  vcs_commit  TEXT,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'stored', 'failed', 'vcs', 'local')),
  error       TEXT,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (pkgbase, commit_id, arch, position)
);
CREATE INDEX revision_sources_by_blob ON revision_sources (sha256);

-- One fetch of a revision's sources: queued on approval or by `aurgate sources fetch`.
CREATE TABLE source_jobs (
  pkgbase     TEXT NOT NULL,
  commit_id   TEXT NOT NULL CHECK (length(commit_id) = 40),
  state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
  trigger     TEXT NOT NULL,
  queued_at   INTEGER NOT NULL,
  started_at  INTEGER,
  finished_at INTEGER,
  done        INTEGER NOT NULL DEFAULT 0,
  total       INTEGER NOT NULL DEFAULT 0,
  error       TEXT,
  PRIMARY KEY (pkgbase, commit_id)
);

-- A reviewer's explicit acceptance of a revision's unpinned sources (SKIP checksums, VCS); audited.
CREATE TABLE source_acceptances (
  pkgbase     TEXT NOT NULL,
  commit_id   TEXT NOT NULL CHECK (length(commit_id) = 40),
  accepted_by TEXT NOT NULL,
  accepted_at INTEGER NOT NULL,
  note        TEXT NOT NULL,
  PRIMARY KEY (pkgbase, commit_id)
);
