-- A counter of changes to what is served: the allowlist and approved or revoked revisions. Caches of
-- the served set (the catalog of every serving process) compare it instead of reading the audit log.
-- Kept by triggers, so no write path can forget it; owned by src/quarantine/served-set.ts.
CREATE TABLE served_set_version (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO served_set_version (id, version) VALUES (1, 1);

CREATE TRIGGER served_set_allowlist_insert AFTER INSERT ON allowlist
BEGIN UPDATE served_set_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER served_set_allowlist_delete AFTER DELETE ON allowlist
BEGIN UPDATE served_set_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER served_set_allowlist_update AFTER UPDATE ON allowlist
BEGIN UPDATE served_set_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER served_set_revision_state AFTER UPDATE OF state ON revisions
WHEN OLD.state IS NOT NEW.state AND (OLD.state IN ('approved', 'revoked') OR NEW.state IN ('approved', 'revoked'))
BEGIN UPDATE served_set_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER served_set_revision_insert AFTER INSERT ON revisions
WHEN NEW.state IN ('approved', 'revoked')
BEGIN UPDATE served_set_version SET version = version + 1 WHERE id = 1; END;
