/** The lock file format: what `aurgate lock` writes and `aurgate verify` and builds read. */

/** Bumped only when a field changes meaning; readers refuse versions they do not know. */
export const LOCK_FORMAT_VERSION = 1;
/** One lock is one build's worth of packages; the cap bounds the archive work one request can cause. */
export const MAX_LOCK_PACKAGES = 200;

/** One pinned package: everything a build needs to fetch exactly the reviewed files and check them. */
export interface LockEntry {
  pkgname: string;
  pkgbase: string;
  version: string | null;
  commit: string;
  /** The immutable per-revision snapshot: `<server>/snapshot/<pkgbase>/<commit>.tar.gz`. */
  url: string;
  sha256: string;
  approvedBy: string | null;
  /** ISO 8601. */
  approvedAt: string | null;
  /**
   * The signed approval: its `.intoto.jsonl` file, the sha256 of the envelope line (the log entry)
   * and its index in the approval log. Absent for revisions approved before the log existed.
   */
  attestation?: { url: string; sha256: string; logIndex: number } | undefined;
  /**
   * Why it is in the lock (absent in locks written before locks followed dependencies): named by the
   * caller, and/or needed by the listed entries; `dependencies` are the entries that satisfy this
   * pkgbase's AUR depends, makedepends and checkdepends.
   */
  requested?: boolean | undefined;
  requiredBy?: string[] | undefined;
  dependencies?: string[] | undefined;
}

/** An AUR dependency left out of a lock written with --allow-missing. */
export interface LockGap {
  name: string;
  reason: string;
  requiredBy: string[];
}

export interface LockFile {
  version: typeof LOCK_FORMAT_VERSION;
  server: string;
  generatedAt: string;
  /**
   * Build order: each entry after the entries it depends on (the named packages and their AUR
   * dependency closure), else in the order the names were given.
   */
  packages: LockEntry[];
  /** Only in a lock written with --allow-missing that has gaps. */
  missing?: LockGap[] | undefined;
}

export function snapshotUrl(server: string, pkgbase: string, commit: string): string {
  return `${server.replace(/\/+$/, '')}/snapshot/${pkgbase}/${commit}.tar.gz`;
}
