import type { Db } from '../db/open.js';

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

export interface FinishedRun {
  id: number;
  startedAt: number;
  finishedAt: number;
  status: 'ok' | 'partial' | 'failed' | 'interrupted';
  failed: number;
}

interface RunRow {
  id: number;
  started_at: number;
  finished_at: number | null;
  status: FinishedRun['status'] | 'running';
  failed: number;
}

const RUN_COLUMNS = 'id, started_at, finished_at, status, failed';

function toFinished(row: RunRow): FinishedRun | null {
  if (row.status === 'running') return null;
  return { id: row.id, startedAt: row.started_at, finishedAt: row.finished_at ?? row.started_at, status: row.status, failed: row.failed };
}

export function servingStats(db: Db): ServingStats {
  const pending = db
    .prepare(
      `SELECT COUNT(*) AS n, MIN(recorded_at) AS oldest FROM revisions r WHERE r.state = 'pending'
       AND EXISTS (SELECT 1 FROM allowlist a WHERE a.pkgbase = r.pkgbase)`,
    )
    .get() as { n: number; oldest: number | null };
  const served = db
    .prepare(
      `SELECT COUNT(DISTINCT r.pkgbase) AS n FROM revisions r WHERE r.state = 'approved'
       AND EXISTS (SELECT 1 FROM allowlist a WHERE a.pkgbase = r.pkgbase)`,
    )
    .get() as { n: number };
  const last = db.prepare(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE status != 'running' ORDER BY id DESC LIMIT 1`).get() as RunRow | undefined;
  return { pendingRevisions: pending.n, oldestPendingAt: pending.oldest, servedPackages: served.n, lastRun: last ? toFinished(last) : null };
}

/** The id up to which runs count as already observed: everything finished before this process started. */
export function lastFinishedRunId(db: Db): number {
  const row = db.prepare("SELECT COALESCE(MAX(id), 0) AS id FROM sync_runs WHERE status != 'running'").get() as { id: number };
  return row.id;
}

/**
 * Runs finished after `afterId`, oldest first, stopping at the first one still running so that a
 * later scrape picks it up once it ends (single-flight syncs finish in id order).
 */
export function runsFinishedAfter(db: Db, afterId: number): FinishedRun[] {
  const rows = db.prepare(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE id > ? ORDER BY id LIMIT 1000`).all(afterId) as RunRow[];
  const finished: FinishedRun[] = [];
  for (const row of rows) {
    const run = toFinished(row);
    if (!run) break;
    finished.push(run);
  }
  return finished;
}
