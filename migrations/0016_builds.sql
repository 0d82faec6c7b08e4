-- Builds of approved revisions into pacman packages (README "Builds of approved revisions");
-- src/build/records.ts owns both tables. A build names the exact approved commit it built; its log is
-- a file under <dataDir>/builds/<id>/build.log.
CREATE TABLE builds (
  id                INTEGER PRIMARY KEY,
  pkgbase           TEXT NOT NULL,
  commit_id         TEXT NOT NULL CHECK (length(commit_id) = 40),
  builder           TEXT NOT NULL,
  state             TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  trigger           TEXT NOT NULL,
  requested_by      TEXT,
  queued_at         INTEGER NOT NULL,
  started_at        INTEGER,
  finished_at       INTEGER,
  -- The approved commit's committer time: makepkg's SOURCE_DATE_EPOCH.
  source_date_epoch INTEGER,
  -- Whether the build ran without network (bubblewrap --unshare-net), as recorded when it started.
  network_isolated  INTEGER NOT NULL DEFAULT 0,
  error             TEXT
);
CREATE INDEX builds_revision ON builds (pkgbase, commit_id, id);

-- Each package file a successful build produced.
CREATE TABLE build_packages (
  build_id INTEGER NOT NULL REFERENCES builds (id),
  filename TEXT NOT NULL,
  pkgname  TEXT NOT NULL,
  version  TEXT NOT NULL,
  arch     TEXT NOT NULL,
  sha256   TEXT NOT NULL CHECK (length(sha256) = 64),
  size     INTEGER NOT NULL,
  PRIMARY KEY (build_id, filename)
);
