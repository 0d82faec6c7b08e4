-- Opt-in automatic policies, set by admins (every change audited as policy.*):
--  cooldown: a routine update by an unchanged maintainer with no flag above low is approved by the
--            policy once it has waited `hours` since it was recorded (audited as policy.auto-approved);
--  freeze:   no approval of a matching package is recorded, automatic or manual, while the rule exists:
--            serving holds at the current approvals (revocations and takedown withdrawals still work).
-- pattern is a package base name or a glob of one (`*` and `?`).
CREATE TABLE automatic_policies (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('cooldown', 'freeze')),
  pattern    TEXT NOT NULL,
  hours      INTEGER CHECK ((kind = 'cooldown' AND hours BETWEEN 1 AND 8760) OR (kind = 'freeze' AND hours IS NULL)),
  note       TEXT,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  UNIQUE (kind, pattern)
);

-- IOC lists kept by admins (src/review/ioc.ts describes the kinds). Re-run on each sync over the
-- revisions waiting for review and on each import over every recorded revision; a hit becomes a
-- package signal (high), and a hit on an approved revision an alert.
CREATE TABLE ioc_entries (
  id       INTEGER PRIMARY KEY,
  list     TEXT NOT NULL,
  kind     TEXT NOT NULL CHECK (kind IN ('string', 'domain', 'hash', 'regex', 'package', 'account')),
  value    TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  added_by TEXT NOT NULL,
  UNIQUE (list, kind, value)
);
