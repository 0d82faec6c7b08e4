import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { listAllowlistedPackages } from '../quarantine/packages.js';
import { getPendingRevision, getServedRevision, listRevisions } from '../quarantine/revisions.js';
import { isValidPackageName } from '../srcinfo/names.js';
import { dependencyNames } from '../srcinfo/rpc-fields.js';
import type { UpstreamPackage } from '../upstream/rpc-schema.js';

/**
 * Which dependency names the upstream AUR knows (table aur_names, owned here). The sync asks in one
 * batched RPC info per run; the lock and the allowlist page read the answers and never ask upstream
 * themselves.
 */

/** A name the AUR did not know is asked again after this long: packages are added to the AUR every day. */
export const RECHECK_UNKNOWN_MS = 24 * 3_600_000;
/** At most this many names per sync (about 14 RPC requests); the rest is asked by the next run. */
export const MAX_NAMES_PER_SYNC = 2_000;

export type AurName = { known: true; pkgbase: string } | { known: false };

interface AurNameRow {
  known: number;
  pkgbase: string | null;
}

/** What the AUR said about `name` when last asked, or null if it was never asked. */
export function aurName(db: Db, name: string): AurName | null {
  const row = db.prepare('SELECT known, pkgbase FROM aur_names WHERE name = ?').get(name) as AurNameRow | undefined;
  if (!row) return null;
  return row.known === 1 && row.pkgbase !== null ? { known: true, pkgbase: row.pkgbase } : { known: false };
}

/**
 * The packages the allowlisted packages depend on (depends, makedepends, checkdepends), each with the
 * pkgbases that name it. Dependencies come from the pending revision's .SRCINFO (what is about to be
 * reviewed), else the served one, else the newest recorded one.
 */
export function allowlistDependencies(db: Db): Map<string, Set<string>> {
  const neededBy = new Map<string, Set<string>>();
  for (const pkg of listAllowlistedPackages(db)) {
    const srcinfo = (getPendingRevision(db, pkg.pkgbase) ?? getServedRevision(db, pkg.pkgbase) ?? listRevisions(db, pkg.pkgbase)[0])?.srcinfo ?? null;
    for (const name of srcinfo ? dependencyNames(srcinfo) : []) neededBy.set(name, (neededBy.get(name) ?? new Set()).add(pkg.pkgbase));
  }
  return neededBy;
}

/** Of `names`, those never asked, plus any name the AUR did not know a day ago; at most `limit`. */
export function namesToAsk(db: Db, names: Iterable<string>, now: number, limit = MAX_NAMES_PER_SYNC): string[] {
  const read = db.prepare('SELECT known, checked_at FROM aur_names WHERE name = ?');
  const due: string[] = [];
  for (const name of names) {
    if (due.length >= limit) break;
    const row = read.get(name) as { known: number; checked_at: number } | undefined;
    if (!row || (row.known === 0 && now - row.checked_at >= RECHECK_UNKNOWN_MS)) due.push(name);
  }
  return due;
}

/** Names the AUR did not know when last asked, a day ago or more (oldest first). */
export function unknownNamesDue(db: Db, now: number, limit = MAX_NAMES_PER_SYNC): string[] {
  const rows = db
    .prepare('SELECT name FROM aur_names WHERE known = 0 AND checked_at <= ? ORDER BY checked_at LIMIT ?')
    .all(now - RECHECK_UNKNOWN_MS, limit) as Array<{ name: string }>;
  return rows.map((row) => row.name);
}

/** Records the answer for every asked name: found ones with their pkgbase, the others as unknown. */
export function recordAurNames(db: Db, asked: readonly string[], found: ReadonlyMap<string, UpstreamPackage>, now: number): void {
  const upsert = db.prepare(
    `INSERT INTO aur_names (name, known, pkgbase, checked_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET known = excluded.known, pkgbase = excluded.pkgbase, checked_at = excluded.checked_at`,
  );
  inTransaction(db, () => {
    for (const name of asked) {
      const pkg = found.get(name);
      const pkgbase = pkg && isValidPackageName(pkg.PackageBase) ? pkg.PackageBase : null;
      upsert.run(name, pkgbase === null ? 0 : 1, pkgbase, now);
    }
  });
}

export interface AurNameDeps {
  db: Db;
  rpc: { info(names: readonly string[]): Promise<Map<string, UpstreamPackage>> };
  logger: Logger;
}

/**
 * Asks upstream about the given dependency names that are due (one batched info lookup) and records
 * the answers. A failed lookup is logged and leaves the names to the next run: it never fails a sync.
 * Returns how many names were asked.
 */
export async function learnAurNames(deps: AurNameDeps, candidates: Iterable<string>, now = Date.now()): Promise<number> {
  const asked = [...new Set([...namesToAsk(deps.db, candidates, now), ...unknownNamesDue(deps.db, now)])].slice(0, MAX_NAMES_PER_SYNC);
  if (asked.length === 0) return 0;
  try {
    recordAurNames(deps.db, asked, await deps.rpc.info(asked), now);
  } catch (error) {
    deps.logger.warn(
      { names: asked.length, err: describeError(error) },
      'asking the AUR which dependencies it knows failed; the next sync asks again',
    );
    return 0;
  }
  return asked.length;
}

/**
 * What a sync asks about besides the names that are due: the dependencies of the revisions it just
 * recorded, or, on a database that never asked (made before this table), those of every allowlisted
 * package.
 */
export function syncCandidates(db: Db, recorded: ReadonlySet<string>): Iterable<string> {
  const asked = db.prepare('SELECT 1 FROM aur_names LIMIT 1').get() !== undefined;
  return asked ? recorded : allowlistDependencies(db).keys();
}
