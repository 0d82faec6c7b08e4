-- Decisions belong to accounts: approvals name the account that gave them, the audit log records the
-- channel a change came through, the decision policy lives here (one fact for every process), and a
-- revoked commit comes back into a served history only through a recorded re-admission.

-- web: a signed-in browser; api: a bearer token over HTTP; cli: the command line; system: sync and scheduler.
-- NULL on rows written before this migration (the channel was not recorded).
ALTER TABLE audit_log ADD COLUMN channel TEXT CHECK (channel IN ('web', 'api', 'cli', 'system'));

-- Approvals keyed by account. The two-person rule counts distinct user_id values; reviewer keeps the
-- account's name at the time for display. Approvals recorded before accounts were required are linked to
-- the account of the same (normalised) name; those that name no account keep user_id NULL and no longer
-- count towards the rule.
CREATE TABLE approvals_by_account (
  id          INTEGER PRIMARY KEY,
  revision_id INTEGER NOT NULL REFERENCES revisions (id),
  user_id     INTEGER REFERENCES users (id),
  reviewer    TEXT NOT NULL,
  at          INTEGER NOT NULL,
  comment     TEXT
);
CREATE UNIQUE INDEX approvals_one_per_account ON approvals_by_account (revision_id, user_id);
-- Two legacy spellings of one account (REV1, rev1) collapse into the earlier approval.
INSERT OR IGNORE INTO approvals_by_account (revision_id, user_id, reviewer, at, comment)
  SELECT a.revision_id, u.id, a.reviewer, a.at, a.comment
  FROM approvals a LEFT JOIN users u ON u.name = lower(trim(a.reviewer))
  ORDER BY a.at, a.reviewer;
DROP TABLE approvals;
ALTER TABLE approvals_by_account RENAME TO approvals;

-- The decision policy: exactly one row, written by an admin (CLI or web) and read inside every
-- decision's transaction. AURGATE_REQUIRED_APPROVALS only seeds it when the row does not exist yet.
CREATE TABLE decision_policy (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  required_approvals INTEGER NOT NULL CHECK (required_approvals BETWEEN 1 AND 10),
  updated_at         INTEGER NOT NULL,
  updated_by         TEXT NOT NULL
);

-- Revoked commits an admin knowingly let back into the history of a revision they approved. A revoked
-- commit stays revoked (its own snapshot URL keeps answering 410); its objects are served again only
-- as part of that revision's history, and only while that revision is approved.
CREATE TABLE readmissions (
  revision_id INTEGER NOT NULL REFERENCES revisions (id),
  commit_id   TEXT NOT NULL CHECK (length(commit_id) = 40),
  user_id     INTEGER NOT NULL REFERENCES users (id),
  at          INTEGER NOT NULL,
  PRIMARY KEY (revision_id, commit_id)
);
