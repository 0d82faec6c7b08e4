import type { Db } from '../db/open.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { latestRevisionState, listServedHeads, type Revision } from '../quarantine/revisions.js';
import type { Availability, Catalog, RevisionAvailability, RevisionLookup, ServedLookup, ServedPackage } from './served-catalog.js';
import { rpcFieldsFromSrcinfo } from '../srcinfo/rpc-fields.js';

interface Index {
  packages: ServedPackage[];
  byName: Map<string, ServedPackage>;
  /** Every served pkgbase and its approved head (also those whose .SRCINFO could not be parsed). */
  heads: Map<string, string>;
}

/**
 * Every change to what is served writes one of these audit rows in its own transaction, and audit ids
 * only ever grow (the log is append-only), so the newest such id identifies the served set. Counting
 * rows instead would miss a removal and an addition that land between two requests (rowids are reused).
 */
const SERVED_SET_ACTIONS = ['allowlist.add', 'allowlist.remove', 'revision.approved', 'revision.revoked'];
const FINGERPRINT_SQL = `SELECT ${SERVED_SET_ACTIONS.map((action) => `COALESCE((SELECT MAX(id) FROM audit_log WHERE action = '${action}'), 0)`).join(" || ':' || ")} AS fingerprint`;

/**
 * What is served, read from the database: the approved head of every allowlisted package. Rebuilt
 * only when the served set changed, which another process (the CLI approving) may do at any time:
 * `PRAGMA data_version` tells cheaply that someone committed, a fingerprint query tells whether it
 * mattered.
 */
export class DbCatalog implements Catalog, ServedLookup, RevisionLookup {
  private index: Index = { packages: [], byName: new Map(), heads: new Map() };
  private gen = 0;
  private seenVersion = -1;
  private seenChanges = -1;
  private fingerprint = '';
  private readonly statements;

  constructor(
    private readonly db: Db,
    private readonly logger?: Logger,
  ) {
    // Prepared once: refresh() runs on every request.
    this.statements = {
      changes: db.prepare('SELECT total_changes() AS n'),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      fingerprint: db.prepare(FINGERPRINT_SQL),
    };
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
    const listed = this.db.prepare('SELECT pkgbase FROM allowlist WHERE pkgname = ? OR pkgbase = ? LIMIT 1').get(name, name) as
      { pkgbase: string } | undefined;
    if (!listed) return { kind: 'unavailable', reason: 'not-allowlisted', pkgbase: null };
    const state = latestRevisionState(this.db, listed.pkgbase);
    const reason = state === 'rejected' ? 'rejected' : state === 'revoked' ? 'revoked' : 'awaiting-review';
    return { kind: 'unavailable', reason, pkgbase: listed.pkgbase };
  }

  revisionAvailability(pkgbase: string, commit: string): RevisionAvailability {
    const row = this.db
      .prepare(
        `SELECT r.state, r.decision_note FROM revisions r WHERE r.pkgbase = ? AND r.commit_id = ?
         AND EXISTS (SELECT 1 FROM allowlist a WHERE a.pkgbase = r.pkgbase)`,
      )
      .get(pkgbase, commit) as { state: string; decision_note: string | null } | undefined;
    if (row?.state === 'approved') return { kind: 'approved' };
    if (row?.state === 'revoked') return { kind: 'revoked', reason: row.decision_note ?? 'revoked' };
    return { kind: 'missing' };
  }

  private refresh(): void {
    const version = this.statements.dataVersion.get() as number;
    const changes = (this.statements.changes.get() as { n: number }).n;
    if (version === this.seenVersion && changes === this.seenChanges) return;
    this.seenVersion = version;
    this.seenChanges = changes;
    const { fingerprint } = this.statements.fingerprint.get() as { fingerprint: string };
    if (fingerprint === this.fingerprint) return;
    this.fingerprint = fingerprint;
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
