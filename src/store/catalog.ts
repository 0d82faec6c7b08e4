import { commitWatcher, type Db } from '../db/open.js';
import type { Logger } from '../log.js';
import { allowlistedPkgbaseOf } from '../quarantine/packages.js';
import { getRevision, latestRevisionState, listServedHeads, type Revision } from '../quarantine/revisions.js';
import { servedSetReader } from '../quarantine/served-set.js';
import { IndexedCatalog } from './indexed-catalog.js';
import type { Availability, RevisionAvailability, RevisionLookup, ServedLookup, ServedPackage } from './served-catalog.js';
import { rpcFieldsFromSrcinfo } from '../srcinfo/rpc-fields.js';

/**
 * What is served, read from the database: the approved head of every allowlisted package. Rebuilt
 * only when the served set changed, which another process (the CLI approving) may do at any time:
 * `PRAGMA data_version` tells cheaply that someone committed, the served-set version whether it
 * mattered.
 */
export class DbCatalog extends IndexedCatalog<Revision> implements ServedLookup, RevisionLookup {
  constructor(
    private readonly db: Db,
    logger?: Logger,
  ) {
    // Prepared once: every request asks whether the index is current.
    super({ committed: commitWatcher(db), version: servedSetReader(db) }, logger);
  }

  protected servedHeads(): Revision[] {
    return listServedHeads(this.db);
  }

  protected packagesOf(revision: Revision): ServedPackage[] {
    return servedPackages(revision);
  }

  protected unavailable(name: string): Availability {
    const listed = allowlistedPkgbaseOf(this.db, name);
    if (!listed) return { kind: 'unavailable', reason: 'not-allowlisted', pkgbase: null };
    const state = latestRevisionState(this.db, listed);
    const reason = state === 'rejected' ? 'rejected' : state === 'revoked' ? 'revoked' : 'awaiting-review';
    return { kind: 'unavailable', reason, pkgbase: listed };
  }

  revisionAvailability(pkgbase: string, commit: string): RevisionAvailability {
    const revision = allowlistedPkgbaseOf(this.db, pkgbase) === pkgbase ? getRevision(this.db, pkgbase, commit) : null;
    if (revision?.state === 'approved') return { kind: 'approved' };
    if (revision?.state === 'revoked') return { kind: 'revoked', reason: revision.decisionNote ?? 'revoked' };
    return { kind: 'missing' };
  }
}

/** One record per pkgname of an approved revision: its .SRCINFO plus the upstream metadata recorded with it. */
export function servedPackages(revision: Revision): ServedPackage[] {
  if (!revision.srcinfo) return [];
  const meta = revision.upstreamMeta;
  const approvedAt = Math.floor((revision.decidedAt ?? revision.recordedAt) / 1000);
  return rpcFieldsFromSrcinfo(revision.srcinfo).map((fields) => ({
    ...fields,
    ID: meta?.IDs[fields.Name] ?? meta?.PackageBaseID ?? 0,
    PackageBaseID: meta?.PackageBaseID ?? 0,
    NumVotes: meta?.NumVotes ?? 0,
    Popularity: meta?.Popularity ?? 0,
    OutOfDate: meta?.OutOfDate ?? null,
    Maintainer: meta?.Maintainer ?? null,
    Submitter: meta?.Submitter ?? null,
    FirstSubmitted: meta?.FirstSubmitted ?? revision.author.date,
    LastModified: meta?.LastModified ?? revision.committer.date,
    Keywords: meta?.Keywords ?? [],
    CoMaintainers: meta?.CoMaintainers ?? [],
    URLPath: `/cgit/aur.git/snapshot/${revision.pkgbase}.tar.gz`,
    commit: revision.commit,
    approvedAt,
  }));
}
