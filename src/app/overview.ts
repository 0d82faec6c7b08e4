import type { AppDeps } from './deps.js';
import { NotFound } from '../errors.js';
import { readPolicy } from '../quarantine/policy.js';
import { getPackage, listAllowlistedPackages, type PackageRecord } from '../quarantine/packages.js';
import { getPendingRevision, getServedRevision, listPendingRevisions, listRevisions, type Revision } from '../quarantine/revisions.js';
import type { RiskFlag, Severity } from '../review/risk/index.js';
import { assertPackageName } from '../srcinfo/names.js';
import { forEachConcurrently } from '../sync/pool.js';
import { listRuns, type SyncRunRecord } from '../sync/runs.js';
import { countApprovalsOf, listApprovals, type Approval } from '../quarantine/approvals.js';
import type { ReviewService } from './review.js';
import type { Classification } from '../review/classify.js';
import type { Assessment } from './assess.js';
import { sortQueue, type QueueSort } from './queue-sort.js';

export type FlagCounts = Record<Severity, number>;

export function countFlags(flags: readonly RiskFlag[]): FlagCounts {
  const counts: FlagCounts = { high: 0, medium: 0, low: 0, info: 0 };
  for (const flag of flags) counts[flag.severity] += 1;
  return counts;
}

export interface QueueEntry {
  revision: Revision;
  flags: FlagCounts;
  /** The most severe flag (flags come sorted by severity). */
  topFlag: RiskFlag | null;
  /** The class and condensed change; null when the analysis failed. */
  classification: Classification | null;
  approvals: number;
  required: number;
  /** A routine update with no flag above low: it may be approved with others in one batch. */
  batchable: boolean;
}

/** Routine, and nothing above low: what batch approval accepts (anything else is reviewed on its own page). */
export function isBatchable(classification: Classification | null, flags: FlagCounts): boolean {
  return classification?.class === 'routine' && flags.high === 0 && flags.medium === 0;
}

/** Pending revisions with their class and risk summary, in the reviewer's order (risk first by default). */
export async function reviewQueue(app: Pick<AppDeps, 'db'>, reviews: ReviewService, sort: QueueSort = 'risk'): Promise<QueueEntry[]> {
  const pending = listPendingRevisions(app.db);
  const approvals = countApprovalsOf(
    app.db,
    pending.map((revision) => revision.id),
  );
  const required = readPolicy(app.db).requiredApprovals;
  const assessed = new Map<number, Assessment>();
  // The first view after a big sync analyses many revisions (git reads each); a few at a time.
  await forEachConcurrently(pending, 4, async (revision) => void assessed.set(revision.id, await reviews.assessment(revision)));
  const entries = pending.map((revision): QueueEntry => {
    const found = assessed.get(revision.id);
    const counts = countFlags(found?.flags ?? []);
    const classification = found?.classification ?? null;
    return {
      revision,
      flags: counts,
      topFlag: found?.flags[0] ?? null,
      classification,
      approvals: approvals.get(revision.id) ?? 0,
      required,
      batchable: isBatchable(classification, counts),
    };
  });
  return sortQueue(entries, sort, (entry) => ({
    flags: entry.flags,
    class: entry.classification?.class ?? null,
    recordedAt: entry.revision.recordedAt,
    pkgbase: entry.revision.pkgbase,
  }));
}

export interface Dashboard {
  pending: number;
  oldestPendingAt: number | null;
  lastRun: SyncRunRecord | null;
  failing: PackageRecord[];
  allowlisted: number;
  deletedUpstream: PackageRecord[];
}

export function dashboard(app: Pick<AppDeps, 'db'>): Dashboard {
  const pending = listPendingRevisions(app.db);
  const packages = listAllowlistedPackages(app.db);
  return {
    pending: pending.length,
    oldestPendingAt: pending[0]?.recordedAt ?? null,
    lastRun: listRuns(app.db, 1)[0] ?? null,
    failing: packages.filter((pkg) => pkg.lastError !== null),
    allowlisted: packages.length,
    deletedUpstream: packages.filter((pkg) => pkg.upstreamStatus === 'deleted'),
  };
}

export interface PackageSummary {
  pkg: PackageRecord;
  served: Revision | null;
  pending: Revision | null;
}

export function packageSummaries(app: Pick<AppDeps, 'db'>): PackageSummary[] {
  return listAllowlistedPackages(app.db).map((pkg) => ({
    pkg,
    served: getServedRevision(app.db, pkg.pkgbase),
    pending: getPendingRevision(app.db, pkg.pkgbase),
  }));
}

export interface PackageTimeline extends PackageSummary {
  revisions: Array<{ revision: Revision; approvals: Approval[] }>;
}

/** A package with every revision ever recorded, newest first, and what is served now. */
export function packageTimeline(app: Pick<AppDeps, 'db'>, pkgbase: string): PackageTimeline {
  const name = assertPackageName(pkgbase, 'pkgbase');
  const pkg = getPackage(app.db, name);
  if (!pkg) throw new NotFound(`unknown package ${name}`, { pkgbase: name });
  return {
    pkg,
    served: getServedRevision(app.db, name),
    pending: getPendingRevision(app.db, name),
    revisions: listRevisions(app.db, name).map((revision) => ({ revision, approvals: listApprovals(app.db, revision.id) })),
  };
}
