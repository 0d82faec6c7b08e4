import path from 'node:path';
import { builtPackagesOf, latestSucceededBuild } from '../build/records.js';
import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { getRevision, getServedRevision } from '../quarantine/revisions.js';
import type { PacmanRepo } from '../repo/pacman-repo.js';

export interface PublishDeps {
  db: Db;
  config: Pick<Config, 'paths'>;
  pacmanRepo: () => Promise<PacmanRepo>;
}

export interface RepoChange {
  added: string[];
  removed: string[];
}

/** Where a build keeps the package files it produced. */
export function builtPackagePath(config: Pick<Config, 'paths'>, buildId: number, filename: string): string {
  return path.join(config.paths.builds, String(buildId), 'packages', filename);
}

/**
 * Brings the signed repository in line with what is approved for one pkgbase: the packages of the
 * newest successful build of its served head; until that head is built, the packages already there
 * stay if the commit they were built from is still approved. A package of a revoked commit, or of a
 * pkgbase with nothing served, leaves at once (the databases are re-signed by the repository).
 * Digests decide, so a rebuild with other bytes replaces what is there.
 */
export async function reconcileRepo(deps: PublishDeps, pkgbase: string): Promise<RepoChange> {
  const built = builtPackagesOf(deps.db, pkgbase);
  // Only builds put packages there: a pkgbase never built has nothing in the repository (which stays unopened).
  if (built.length === 0) return { added: [], removed: [] };
  const repo = await deps.pacmanRepo();
  const current = dedupe((await repo.listPackages()).filter((pkg) => pkg.pkgbase === pkgbase));
  const served = getServedRevision(deps.db, pkgbase);
  const head = served ? latestSucceededBuild(deps.db, pkgbase, served.commit) : null;
  const wanted = head ? built.filter((pkg) => pkg.buildId === head.id) : [];
  const stillApproved = new Set(built.filter((pkg) => getRevision(deps.db, pkgbase, pkg.commit)?.state === 'approved').map((pkg) => pkg.sha256));
  const keep = (sha256: string) => (head ? wanted.some((pkg) => pkg.sha256 === sha256) : stillApproved.has(sha256));
  // A name the wanted build also has is replaced by adding it; only names no longer built are removed.
  const removed = current.filter((pkg) => !keep(pkg.sha256) && !wanted.some((next) => next.pkgname === pkg.pkgname)).map((pkg) => pkg.pkgname);
  const added = wanted.filter((pkg) => !current.some((entry) => entry.sha256 === pkg.sha256));
  if (removed.length > 0) await repo.removePackages(removed);
  if (added.length > 0) await repo.addPackages(added.map((pkg) => builtPackagePath(deps.config, pkg.buildId, pkg.filename)));
  return { added: added.map((pkg) => pkg.filename), removed };
}

/** An `any` package is listed once per architecture directory: one entry per file. */
function dedupe<T extends { filename: string }>(packages: readonly T[]): T[] {
  return [...new Map(packages.map((pkg) => [pkg.filename, pkg])).values()];
}
