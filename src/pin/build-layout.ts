import type { LockEntry, LockFile } from './lock-file.js';

/** Where each package lands in a build image; the same in every Dockerfile form and the git form. */
export function buildPath(pkgbase: string): string {
  return `/aur/${pkgbase}`;
}

/** A split package appears once per pkgname in a lock but is one archive and one repo; lock order is kept. */
export function byPkgbase(lock: LockFile): LockEntry[] {
  const seen = new Set<string>();
  return lock.packages.filter((entry) => (seen.has(entry.pkgbase) ? false : (seen.add(entry.pkgbase), true)));
}

/** Leaves ordinary words bare; anything else is single-quoted, so a pasted line never expands. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}
