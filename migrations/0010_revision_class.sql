-- The class of a pending revision's change (routine, metadata-only, sources-changed, build-logic-changed,
-- install-time-code-changed, first-revision; see src/review/classify.ts), with the base commit it was
-- computed against (a re-based revision is classified again) and the condensed semantic change as JSON.
-- Written by src/quarantine/revisions.ts together with a `revision.classified` audit row: a class is
-- shown and audited, never an approval. NULL until the revision has been classified.
ALTER TABLE revisions ADD COLUMN change_class TEXT;
ALTER TABLE revisions ADD COLUMN change_class_base TEXT;
ALTER TABLE revisions ADD COLUMN change_summary TEXT;
