-- Who maintained each mirrored pkgbase over time, as the AUR's RPC reported it at each sync. A row is
-- written only when the maintainer, co-maintainers or submitter differ from the pkgbase's last row, so
-- the table is the timeline of ownership changes. previous_maintainer is copied from the row before
-- (NULL and first_seen = 1 on the first observation), so the cross-package signals find takeovers in a
-- time window with one indexed query.
CREATE TABLE maintainer_history (
  id                  INTEGER PRIMARY KEY,
  pkgbase             TEXT NOT NULL REFERENCES packages (pkgbase),
  observed_at         INTEGER NOT NULL,
  maintainer          TEXT,
  -- JSON array of names, as the AUR lists them.
  co_maintainers      TEXT NOT NULL,
  submitter           TEXT,
  previous_maintainer TEXT,
  first_seen          INTEGER NOT NULL CHECK (first_seen IN (0, 1))
);
CREATE INDEX maintainer_history_by_pkgbase ON maintainer_history (pkgbase, id);
CREATE INDEX maintainer_history_by_time ON maintainer_history (observed_at);

-- Package-level signals found by the sync (cross-package adoption waves, takedowns, IOC hits). They
-- become flags of the pending revisions recorded after them. dedupe_key keeps one row per fact (the
-- same wave seen by the next sync is not recorded twice).
CREATE TABLE package_signals (
  id          INTEGER PRIMARY KEY,
  pkgbase     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  severity    TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'low', 'info')),
  reason      TEXT NOT NULL,
  commit_id   TEXT,
  detected_at INTEGER NOT NULL,
  dedupe_key  TEXT NOT NULL UNIQUE
);
CREATE INDEX package_signals_by_pkgbase ON package_signals (pkgbase, detected_at);
