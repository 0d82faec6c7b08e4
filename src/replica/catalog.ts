import { commitWatcher, type Db } from '../db/open.js';
import type { Logger } from '../log.js';
import { parseSrcinfo } from '../srcinfo/parse.js';
import { rpcFieldsFromSrcinfo } from '../srcinfo/rpc-fields.js';
import { IndexedCatalog } from '../store/indexed-catalog.js';
import type { Availability, RevisionAvailability, RevisionLookup, ServedLookup, ServedPackage } from '../store/served-catalog.js';
import { followerVersionReader } from './follower-state.js';
import { replicaKnows, replicaRevision, replicaServedHeads, type ReplicaRevision } from './revisions.js';

/**
 * What a replica serves, read from its own verified state (replica_revisions): the same interfaces the
 * primary's catalog offers, so every serving route works unchanged. Only signed or verified facts are
 * used: .SRCINFO from the verified commit, maintainer and approval time from the signed statement.
 * The AUR's vote counts, popularity and ids are not in the log, so a replica answers 0 for them.
 */
export class ReplicaCatalog extends IndexedCatalog<ReplicaRevision> implements ServedLookup, RevisionLookup {
  constructor(
    private readonly db: Db,
    logger?: Logger,
  ) {
    super({ committed: commitWatcher(db), version: followerVersionReader(db) }, logger);
  }

  protected servedHeads(): ReplicaRevision[] {
    return replicaServedHeads(this.db);
  }

  protected packagesOf(revision: ReplicaRevision): ServedPackage[] {
    return replicaServedPackages(revision);
  }

  /** A replica knows no allowlist: a package whose every approval was revoked is "revoked", anything else unknown. */
  protected unavailable(name: string): Availability {
    if (replicaKnows(this.db, name)) return { kind: 'unavailable', reason: 'revoked', pkgbase: name };
    return { kind: 'unavailable', reason: 'unknown', pkgbase: null };
  }

  revisionAvailability(pkgbase: string, commit: string): RevisionAvailability {
    const revision = replicaRevision(this.db, pkgbase, commit);
    if (revision?.state === 'approved') return { kind: 'approved' };
    if (revision?.state === 'revoked') return { kind: 'revoked', reason: revision.revokeReason ?? 'revoked' };
    return { kind: 'missing' };
  }

  /** A lock entry's facts of an approved revision (the reviewers as the signed statement names them). */
  approvedRevision(pkgbase: string, commit: string): { version: string | null; approvedBy: string | null; approvedAt: number | null } | null {
    const revision = replicaRevision(this.db, pkgbase, commit);
    if (revision?.state !== 'approved') return null;
    return { version: revision.version, approvedBy: revision.reviewers.join(', ') || null, approvedAt: revision.approvedAt };
  }
}

export function replicaServedPackages(revision: ReplicaRevision): ServedPackage[] {
  if (!revision.srcinfoText) return [];
  const info = parseSrcinfo(revision.srcinfoText);
  if (info.pkgbase !== revision.pkgbase) return [];
  const approvedAt = Math.floor((revision.approvedAt ?? 0) / 1000);
  return rpcFieldsFromSrcinfo(info).map((fields) => ({
    ...fields,
    ID: 0,
    PackageBaseID: 0,
    NumVotes: 0,
    Popularity: 0,
    OutOfDate: null,
    Maintainer: revision.maintainer,
    Submitter: null,
    FirstSubmitted: revision.authorDate ?? approvedAt,
    LastModified: revision.committerDate ?? approvedAt,
    Keywords: [],
    CoMaintainers: [],
    URLPath: `/cgit/aur.git/snapshot/${revision.pkgbase}.tar.gz`,
    commit: revision.commit,
    approvedAt,
  }));
}
