import { commitWatcher, type Db } from '../db/open.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { allowlistedPkgbaseOf } from '../quarantine/packages.js';
import { getRevision, latestRevisionState, listServedHeads, type Revision } from '../quarantine/revisions.js';
import { servedSetReader } from '../quarantine/served-set.js';
import type { Availability, Catalog, RevisionAvailability, RevisionLookup, ServedLookup, ServedPackage } from './served-catalog.js';
import { rpcFieldsFromSrcinfo } from '../srcinfo/rpc-fields.js';

interface Index {
  packages: ServedPackage[];
  byName: Map<string, ServedPackage>;
  /** Every served pkgbase and its approved head (also those whose .SRCINFO could not be parsed). */
  heads: Map<string, string>;
}

/**
 * What is served, read from the database: the approved head of every allowlisted package. Rebuilt
 * only when the served set changed, which another process (the CLI approving) may do at any time:
 * `PRAGMA data_version` tells cheaply that someone committed, the served-set version whether it
 * mattered.
 */
export class DbCatalog implements Catalog, ServedLookup, RevisionLookup {
  private index: Index = { packages: [], byName: new Map(), heads: new Map() };
  private gen = 0;
  private servedVersion = -1;
  private readonly statements;

  constructor(
    private readonly db: Db,
    private readonly logger?: Logger,
  ) {
    // Prepared once: refresh() runs on every request.
    this.statements = { committed: commitWatcher(db), servedSet: servedSetReader(db) };
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

  private refresh(): void {
    if (!this.statements.committed()) return;
    const served = this.statements.servedSet();
    if (served === this.servedVersion) return;
    this.servedVersion = served;
    this.index = this.build(listServedHeads(this.db));
    this.gen += 1;
  }

  private build(heads: Revision[]): Index {
    const packages: ServedPackage[] = [];
    const headsByBase = new Map<string, string>();
    for (const revision of heads) {
      headsByBase.set(revision.pkgbase, revision.commit);
      try {
        packages.push(...servedPackages(revision));
      } catch (error) {
        this.logger?.warn({ pkgbase: revision.pkgbase, err: describeError(error) }, 'approved revision has no usable .SRCINFO; served over git only');
      }
    }
    packages.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    return { packages, byName: new Map(packages.map((pkg) => [pkg.Name, pkg])), heads: headsByBase };
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
