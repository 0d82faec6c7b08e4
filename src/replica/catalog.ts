import { commitWatcher, type Db } from '../db/open.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseSrcinfo } from '../srcinfo/parse.js';
import { rpcFieldsFromSrcinfo } from '../srcinfo/rpc-fields.js';
import type { Availability, Catalog, RevisionAvailability, RevisionLookup, ServedLookup, ServedPackage } from '../store/served-catalog.js';
import { followerVersionReader } from './follower-state.js';
import { replicaKnows, replicaRevision, replicaServedHeads, type ReplicaRevision } from './revisions.js';

interface Index {
  packages: ServedPackage[];
  byName: Map<string, ServedPackage>;
  heads: Map<string, string>;
}

/**
 * What a replica serves, read from its own verified state (replica_revisions): the same interfaces the
 * primary's catalog offers, so every serving route works unchanged. Only signed or verified facts are
 * used: .SRCINFO from the verified commit, maintainer and approval time from the signed statement.
 * The AUR's vote counts, popularity and ids are not in the log, so a replica answers 0 for them.
 */
export class ReplicaCatalog implements Catalog, ServedLookup, RevisionLookup {
  private index: Index = { packages: [], byName: new Map(), heads: new Map() };
  private gen = 0;
  private seenVersion = -1;
  private readonly committed: () => boolean;
  private readonly version: () => number;

  constructor(
    private readonly db: Db,
    private readonly logger?: Logger,
  ) {
    this.committed = commitWatcher(db);
    this.version = followerVersionReader(db);
  }

  generation(): number {
    this.refresh();
    return this.gen;
  }

  packages(): readonly ServedPackage[] {
    this.refresh();
    return this.index.packages;
  }

  availability(name: string): Availability {
    this.refresh();
    const pkg = this.index.byName.get(name);
    if (pkg) return { kind: 'served', pkgbase: pkg.PackageBase, commit: pkg.commit };
    const head = this.index.heads.get(name);
    if (head) return { kind: 'served', pkgbase: name, commit: head };
    // A replica knows no allowlist: a package whose every approval was revoked is "revoked", anything else unknown.
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

  private refresh(): void {
    if (!this.committed()) return;
    const version = this.version();
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    this.index = this.build(replicaServedHeads(this.db));
    this.gen += 1;
  }

  private build(heads: ReplicaRevision[]): Index {
    const packages: ServedPackage[] = [];
    const byBase = new Map<string, string>();
    for (const revision of heads) {
      byBase.set(revision.pkgbase, revision.commit);
      try {
        packages.push(...replicaServedPackages(revision));
      } catch (error) {
        this.logger?.warn(
          { pkgbase: revision.pkgbase, err: describeError(error) },
          'replicated revision has no usable .SRCINFO; served over git only',
        );
      }
    }
    packages.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    return { packages, byName: new Map(packages.map((pkg) => [pkg.Name, pkg])), heads: byBase };
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
