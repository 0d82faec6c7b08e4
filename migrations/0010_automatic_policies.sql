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
