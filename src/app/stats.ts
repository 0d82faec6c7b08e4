import type { Db } from '../db/open.js';
import { countServedPackages, pendingSummary } from '../quarantine/revisions.js';
import { lastFinishedRun, type FinishedRun } from '../sync/runs.js';

/**
 * What the operational gauges report, read from the database at scrape time. Syncs and decisions
 * also happen in other processes (the CLI, a second container on the same volume), so counting in
 * this process would miss them; the database sees everything.
 */
export interface ServingStats {
  pendingRevisions: number;
  /** recorded_at of the oldest pending revision (epoch ms), or null when nothing waits. */
  oldestPendingAt: number | null;
  /** Allowlisted pkgbases with an approved head. */
  servedPackages: number;
  lastRun: FinishedRun | null;
}

export function servingStats(db: Db): ServingStats {
  const pending = pendingSummary(db);
  return {
    pendingRevisions: pending.count,
    oldestPendingAt: pending.oldestAt,
    servedPackages: countServedPackages(db),
    lastRun: lastFinishedRun(db),
  };
}
