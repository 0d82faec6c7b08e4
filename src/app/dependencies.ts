import type { AppDeps } from './deps.js';
import { describeError } from '../errors.js';
import { listAllowlist } from '../quarantine/packages.js';
import { allowlistDependencies, aurName, recordAurNames } from '../sync/aur-names.js';

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

/**
 * The AUR packages that allowlisted packages need and the allowlist lacks (see allowlistDependencies
 * for which revision's dependencies count). Only names the AUR knows are offered (official
 * repository packages are simply not found there), as the sync recorded them: a view asks upstream
 * only about names no sync has asked about yet.
 */
export class DependencyResolver {
  constructor(private readonly app: Pick<AppDeps, 'db' | 'rpc'>) {}

  async needed(): Promise<NeededPackages> {
    const { db } = this.app;
    const neededBy = allowlistDependencies(db);
    for (const entry of listAllowlist(db)) neededBy.delete(entry.pkgname);
    // The sync records what the AUR knows; a name no sync asked about yet is asked here, once.
    const neverAsked = [...neededBy.keys()].filter((name) => aurName(db, name) === null);
    let error: string | null = null;
    try {
      if (neverAsked.length > 0) recordAurNames(db, neverAsked, await this.app.rpc.info(neverAsked), Date.now());
    } catch (failure) {
      error = describeError(failure);
    }
    const packages = [...neededBy].flatMap(([name, bases]) => {
      const known = aurName(db, name);
      return known?.known ? [{ name, pkgbase: known.pkgbase, neededBy: [...bases].sort() }] : [];
    });
    return { packages: packages.sort((a, b) => a.name.localeCompare(b.name)), error };
  }
}
