-- The checksum of every snapshot archive ever built. Archives are deterministic and cached on disk; the
-- recorded sha256 is what lock files pin, so a rebuilt archive must match it byte for byte.
CREATE TABLE snapshots (
  pkgbase    TEXT NOT NULL,
  commit_id  TEXT NOT NULL,
  sha256     TEXT NOT NULL,
  size       INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (pkgbase, commit_id)
);
