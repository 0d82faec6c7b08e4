import type { AppDeps } from './deps.js';
import { describeError } from '../errors.js';
import { listAllowlist, listAllowlistedPackages } from '../quarantine/packages.js';
import { getPendingRevision, getServedRevision, listRevisions } from '../quarantine/revisions.js';
import { isValidPackageName } from '../srcinfo/names.js';
import { dependencyNames } from '../srcinfo/rpc-fields.js';

export interface NeededPackage {
  /** The AUR pkgname to allowlist. */
  name: string;
  pkgbase: string;
  /** Allowlisted pkgbases whose depends, makedepends or checkdepends name it. */
  neededBy: string[];
}

export interface NeededPackages {
  packages: NeededPackage[];
  /** Set when the upstream lookup failed: the list is then incomplete. */
  error: string | null;
}

const CACHE_MS = 5 * 60_000;

/**
 * The AUR packages that allowlisted packages need and the allowlist lacks. Dependencies come from the
 * pending revision's .SRCINFO (what is about to be reviewed), else the served one, else the newest
 * recorded one. Each name is looked up upstream and only names the AUR knows are offered (official
 * repository packages are simply not found there). Answers are cached briefly so the allowlist page
 * does not query upstream on every view.
 */
export class DependencyResolver {
  private cache: { key: string; at: number; result: NeededPackages } | null = null;

  constructor(private readonly app: Pick<AppDeps, 'db' | 'rpc'>) {}

  async needed(): Promise<NeededPackages> {
    const { db } = this.app;
    const allowed = new Set(listAllowlist(db).map((entry) => entry.pkgname));
    const neededBy = new Map<string, Set<string>>();
    for (const pkg of listAllowlistedPackages(db)) {
      const srcinfo =
        (getPendingRevision(db, pkg.pkgbase) ?? getServedRevision(db, pkg.pkgbase) ?? listRevisions(db, pkg.pkgbase)[0])?.srcinfo ?? null;
      if (!srcinfo) continue;
      for (const name of dependencyNames(srcinfo)) {
        if (allowed.has(name)) continue;
        neededBy.set(name, (neededBy.get(name) ?? new Set()).add(pkg.pkgbase));
      }
    }
    const key = [...neededBy.keys()].sort().join(' ');
    if (this.cache && this.cache.key === key && Date.now() - this.cache.at < CACHE_MS) return this.cache.result;
    let result: NeededPackages;
    try {
      const found = neededBy.size > 0 ? await this.app.rpc.info([...neededBy.keys()]) : new Map();
      const packages = [...found.values()]
        .map((upstream) => ({ name: upstream.Name, pkgbase: upstream.PackageBase, neededBy: [...(neededBy.get(upstream.Name) ?? [])].sort() }))
        .filter((entry) => isValidPackageName(entry.name) && isValidPackageName(entry.pkgbase))
        .sort((a, b) => a.name.localeCompare(b.name));
      result = { packages, error: null };
    } catch (error) {
      return { packages: [], error: describeError(error) };
    }
    this.cache = { key, at: Date.now(), result };
    return result;
  }

  /** The allowlist changed: the next view asks again. */
  invalidate(): void {
    this.cache = null;
  }
}
