import type { SrcinfoRpcFields } from '../srcinfo/types.js';

/**
 * One served pkgname as the AUR's RPC describes it: the approved revision's .SRCINFO fields plus the
 * pkgbase-level upstream metadata recorded with that revision.
 */
export interface ServedPackage extends SrcinfoRpcFields {
  ID: number;
  PackageBaseID: number;
  NumVotes: number;
  Popularity: number;
  OutOfDate: number | null;
  Maintainer: string | null;
  Submitter: string | null;
  FirstSubmitted: number;
  LastModified: number;
  Keywords: string[];
  CoMaintainers: string[];
  /** `/cgit/aur.git/snapshot/<PackageBase>.tar.gz` on this server. */
  URLPath: string;
  /** The approved commit this record was derived from (not an AUR field; never emitted by RPC). */
  commit: string;
  /** When that commit was approved, epoch seconds (not an AUR field). */
  approvedAt: number;
}

/**
 * The read-only view of what is served. Serving code depends on this interface only; it never sees
 * the database, the mirror repos or upstream.
 */
export interface Catalog {
  /**
   * A value that changes whenever the served set may have changed (another process may approve at any
   * time). Cheap enough to call on every request; caches key on it.
   */
  generation(): number;
  /** Every served pkgname, sorted by Name. */
  packages(): readonly ServedPackage[];
}

/** Why a name is not served, in words git shows the user. */
export type Availability =
  | { kind: 'served'; pkgbase: string; commit: string }
  | { kind: 'unavailable'; reason: 'unknown' | 'not-allowlisted' | 'awaiting-review' | 'rejected' | 'revoked'; pkgbase: string | null };

/** Resolves a pkgname or pkgbase (as clients send it) to the served pkgbase and its approved head. */
export interface ServedLookup {
  availability(name: string): Availability;
}

export function unavailableMessage(name: string, availability: Availability): string {
  if (availability.kind === 'served') return '';
  const subject = availability.pkgbase && availability.pkgbase !== name ? `${name} (pkgbase ${availability.pkgbase})` : name;
  switch (availability.reason) {
    case 'not-allowlisted':
      return `aurgate: ${subject} is not on the allowlist of this server; ask an admin to allow it`;
    case 'awaiting-review':
      return `aurgate: ${subject} is awaiting review; no revision of it has been approved yet`;
    case 'rejected':
      return `aurgate: ${subject} has no approved revision (its latest revision was rejected)`;
    case 'revoked':
      return `aurgate: ${subject} has no approved revision (its approval was revoked)`;
    default:
      return `aurgate: ${subject} is not a package this server knows`;
  }
}

export type RevisionAvailability = { kind: 'approved' } | { kind: 'revoked'; reason: string } | { kind: 'missing' };

/** Whether a specific commit of a package may be served (immutable per-revision URLs). */
export interface RevisionLookup {
  revisionAvailability(pkgbase: string, commit: string): RevisionAvailability;
}
