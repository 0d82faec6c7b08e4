import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { NotFound } from '../errors.js';
import type { UpstreamMeta } from '../upstream/rpc-schema.js';
import type { Channel } from './actor.js';
import { appendAudit } from './audit.js';

export interface PackageRecord {
  pkgbase: string;
  createdAt: number;
  upstreamStatus: 'unknown' | 'present' | 'deleted';
  upstreamHead: string | null;
  upstreamVersion: string | null;
  upstreamLastModified: number | null;
  upstreamMeta: UpstreamMeta | null;
  lastCheckedAt: number | null;
  lastFetchedAt: number | null;
  lastFullCheckAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  pkgnames: string[];
}

interface PackageRow {
  pkgbase: string;
  created_at: number;
  upstream_status: PackageRecord['upstreamStatus'];
  upstream_head: string | null;
  upstream_version: string | null;
  upstream_last_modified: number | null;
  upstream_meta: string | null;
  last_checked_at: number | null;
  last_fetched_at: number | null;
  last_full_check_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
  pkgnames: string | null;
}

const SELECT_PACKAGES = `
  SELECT p.*, (SELECT group_concat(pkgname, ' ') FROM (SELECT pkgname FROM allowlist a WHERE a.pkgbase = p.pkgbase ORDER BY pkgname)) AS pkgnames
  FROM packages p`;

function toRecord(row: PackageRow): PackageRecord {
  return {
    pkgbase: row.pkgbase,
    createdAt: row.created_at,
    upstreamStatus: row.upstream_status,
    upstreamHead: row.upstream_head,
    upstreamVersion: row.upstream_version,
    upstreamLastModified: row.upstream_last_modified,
    upstreamMeta: row.upstream_meta ? (JSON.parse(row.upstream_meta) as UpstreamMeta) : null,
    lastCheckedAt: row.last_checked_at,
    lastFetchedAt: row.last_fetched_at,
    lastFullCheckAt: row.last_full_check_at,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    pkgnames: row.pkgnames ? row.pkgnames.split(' ') : [],
  };
}

export function getPackage(db: Db, pkgbase: string): PackageRecord | null {
  const row = db.prepare(`${SELECT_PACKAGES} WHERE p.pkgbase = ?`).get(pkgbase) as PackageRow | undefined;
  return row ? toRecord(row) : null;
}

/** Packages with at least one allowlisted name: the ones sync mirrors and the server may serve. */
export function listAllowlistedPackages(db: Db): PackageRecord[] {
  const rows = db
    .prepare(`${SELECT_PACKAGES} WHERE EXISTS (SELECT 1 FROM allowlist a WHERE a.pkgbase = p.pkgbase) ORDER BY p.pkgbase`)
    .all() as PackageRow[];
  return rows.map(toRecord);
}

export interface AllowlistEntry {
  pkgname: string;
  pkgbase: string;
  addedAt: number;
  addedBy: string;
}

export function listAllowlist(db: Db): AllowlistEntry[] {
  const rows = db.prepare('SELECT pkgname, pkgbase, added_at, added_by FROM allowlist ORDER BY pkgname').all() as Array<{
    pkgname: string;
    pkgbase: string;
    added_at: number;
    added_by: string;
  }>;
  return rows.map((row) => ({ pkgname: row.pkgname, pkgbase: row.pkgbase, addedAt: row.added_at, addedBy: row.added_by }));
}

/** Every pkgbase at least one allowlist entry points at: what may be mirrored and served. */
export function allowlistedPkgbases(db: Db): Set<string> {
  return new Set((db.prepare('SELECT DISTINCT pkgbase FROM allowlist').all() as Array<{ pkgbase: string }>).map((row) => row.pkgbase));
}

/** The pkgbase a name (pkgname or pkgbase) is allowlisted under, or null. */
export function allowlistedPkgbaseOf(db: Db, name: string): string | null {
  const row = db.prepare('SELECT pkgbase FROM allowlist WHERE pkgname = ? OR pkgbase = ? LIMIT 1').get(name, name) as { pkgbase: string } | undefined;
  return row?.pkgbase ?? null;
}

/**
 * The pkgbase of a name the mirror has met as an AUR package (a pkgbase it tracks, or a pkgname in the
 * upstream metadata recorded at its last check), allowlisted or not, or null. Never asks upstream.
 */
export function mirroredPkgbaseOf(db: Db, name: string): string | null {
  const row = db
    .prepare(
      `SELECT pkgbase FROM packages
       WHERE pkgbase = ? OR (upstream_meta IS NOT NULL AND json_type(upstream_meta, '$.IDs.' || json_quote(?)) IS NOT NULL)
       ORDER BY pkgbase LIMIT 1`,
    )
    .get(name, name) as { pkgbase: string } | undefined;
  return row?.pkgbase ?? null;
}

/** Adds names (already resolved to their pkgbase upstream) in one transaction, auditing each. */
export function addToAllowlist(
  db: Db,
  entries: ReadonlyArray<{ pkgname: string; pkgbase: string }>,
  actor: string,
  channel: Channel | null = null,
): AllowlistEntry[] {
  return inTransaction(db, () => {
    const now = Date.now();
    const added: AllowlistEntry[] = [];
    for (const { pkgname, pkgbase } of entries) {
      db.prepare('INSERT OR IGNORE INTO packages (pkgbase, created_at) VALUES (?, ?)').run(pkgbase, now);
      const result = db
        .prepare('INSERT OR IGNORE INTO allowlist (pkgname, pkgbase, added_at, added_by) VALUES (?, ?, ?, ?)')
        .run(pkgname, pkgbase, now, actor);
      if (result.changes === 0) continue;
      appendAudit(db, { actor, channel, action: 'allowlist.add', pkgbase, detail: { pkgname } }, now);
      added.push({ pkgname, pkgbase, addedAt: now, addedBy: actor });
    }
    return added;
  });
}

/**
 * Removes names (a pkgbase removes all its names). Every name must be on the allowlist, else nothing is
 * removed. Mirror data and revisions stay: re-allowing a package resumes its history.
 */
export function removeFromAllowlist(db: Db, names: readonly string[], actor: string, channel: Channel | null = null): AllowlistEntry[] {
  return inTransaction(db, () => {
    const removed: AllowlistEntry[] = [];
    const matching = db.prepare('SELECT pkgname, pkgbase, added_at, added_by FROM allowlist WHERE pkgname = ? OR pkgbase = ?');
    const targets = names.map((name) => {
      const rows = matching.all(name, name) as Array<{ pkgname: string; pkgbase: string; added_at: number; added_by: string }>;
      if (rows.length === 0) throw new NotFound(`${name} is not on the allowlist`, { pkgname: name });
      return rows;
    });
    const now = Date.now();
    for (const row of targets.flat()) {
      if (db.prepare('DELETE FROM allowlist WHERE pkgname = ?').run(row.pkgname).changes === 0) continue;
      appendAudit(db, { actor, channel, action: 'allowlist.remove', pkgbase: row.pkgbase, detail: { pkgname: row.pkgname } }, now);
      removed.push({ pkgname: row.pkgname, pkgbase: row.pkgbase, addedAt: row.added_at, addedBy: row.added_by });
    }
    return removed;
  });
}

export interface CheckResult {
  meta: UpstreamMeta | null;
  status: PackageRecord['upstreamStatus'];
  fetched: boolean;
  fullCheck: boolean;
}

/** Records a successful look at upstream (no new head, or the bookkeeping part of a new one). */
export function recordCheck(db: Db, pkgbase: string, result: CheckResult, now = Date.now()): void {
  db.prepare(
    `UPDATE packages SET upstream_status = ?, upstream_meta = COALESCE(?, upstream_meta),
       upstream_version = COALESCE(?, upstream_version), upstream_last_modified = COALESCE(?, upstream_last_modified),
       last_checked_at = ?, last_fetched_at = CASE WHEN ? THEN ? ELSE last_fetched_at END,
       last_full_check_at = CASE WHEN ? THEN ? ELSE last_full_check_at END,
       last_error = NULL, last_error_at = NULL
     WHERE pkgbase = ?`,
  ).run(
    result.status,
    result.meta ? JSON.stringify(result.meta) : null,
    result.meta?.Version ?? null,
    result.meta?.LastModified ?? null,
    now,
    result.fetched ? 1 : 0,
    now,
    result.fullCheck ? 1 : 0,
    now,
    pkgbase,
  );
}

export function recordPackageError(db: Db, pkgbase: string, message: string, now = Date.now()): void {
  db.prepare('UPDATE packages SET last_error = ?, last_error_at = ?, last_checked_at = ? WHERE pkgbase = ?').run(message, now, now, pkgbase);
}

export function setUpstreamHead(db: Db, pkgbase: string, head: string): void {
  db.prepare('UPDATE packages SET upstream_head = ? WHERE pkgbase = ?').run(head, pkgbase);
}
