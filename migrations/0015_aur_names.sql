-- Which dependency names the upstream AUR knows as packages, as the sync asked it (one batched RPC
-- info per sync, for names new to it and, a day on, for names it did not know). A lock tells an AUR
-- dependency that is not allowlisted from an official-repository one by this table, and the allowlist
-- page offers the missing AUR packages from it. src/sync/aur-names.ts owns the table.
CREATE TABLE aur_names (
  name       TEXT PRIMARY KEY,
  -- 1: an AUR pkgname (of `pkgbase`); 0: the AUR has no such pkgname (official repositories, or nowhere).
  known      INTEGER NOT NULL CHECK (known IN (0, 1)),
  pkgbase    TEXT CHECK ((known = 1) = (pkgbase IS NOT NULL)),
  checked_at INTEGER NOT NULL
);
CREATE INDEX aur_names_unknown ON aur_names (checked_at) WHERE known = 0;
