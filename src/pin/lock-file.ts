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
}

export interface LockFile {
  version: typeof LOCK_FORMAT_VERSION;
  server: string;
  generatedAt: string;
  /** In the order the names were given: a Dockerfile builds them in this order, dependencies first. */
  packages: LockEntry[];
}

export function snapshotUrl(server: string, pkgbase: string, commit: string): string {
  return `${server.replace(/\/+$/, '')}/snapshot/${pkgbase}/${commit}.tar.gz`;
}
