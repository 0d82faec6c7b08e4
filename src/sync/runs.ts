import type { Db } from '../db/open.js';

export interface SyncSummary {
  runId: number;
  status: 'ok' | 'partial' | 'failed';
  packages: number;
  fetched: number;
  newRevisions: number;
  failed: number;
  errors: Array<{ pkgbase: string; error: string }>;
  durationMs: number;
}

export interface SyncRunRecord {
  id: number;
  startedAt: number;
  finishedAt: number | null;
  trigger: string;
  status: 'running' | 'ok' | 'partial' | 'failed' | 'interrupted';
  packages: number;
  fetched: number;
  newRevisions: number;
  failed: number;
  errors: Array<{ pkgbase: string; error: string }>;
}

/** Starts a run record; runs left 'running' by a killed process are closed as interrupted first. */
export function startRun(db: Db, trigger: string): number {
  interruptRunningRuns(db);
  return Number(db.prepare("INSERT INTO sync_runs (started_at, trigger, status) VALUES (?, ?, 'running')").run(Date.now(), trigger).lastInsertRowid);
}

/**
 * Closes runs still marked 'running' as interrupted; returns how many. Only the sync lock's holder
 * runs a sync, so the caller holds the lock or knows its holder is dead (the server does once its
 * sync worker died).
 */
export function interruptRunningRuns(db: Db): number {
  return db.prepare("UPDATE sync_runs SET status = 'interrupted', finished_at = COALESCE(finished_at, started_at) WHERE status = 'running'").run()
    .changes;
}

export function finishRun(db: Db, summary: SyncSummary): void {
  db.prepare(
    'UPDATE sync_runs SET finished_at = ?, status = ?, packages = ?, fetched = ?, new_revisions = ?, failed = ?, errors = ? WHERE id = ?',
  ).run(
    Date.now(),
    summary.status,
    summary.packages,
    summary.fetched,
    summary.newRevisions,
    summary.failed,
    JSON.stringify(summary.errors),
    summary.runId,
  );
}

interface RunRow {
  id: number;
  started_at: number;
  finished_at: number | null;
  trigger: string;
  status: SyncRunRecord['status'];
  packages: number;
  fetched: number;
  new_revisions: number;
  failed: number;
  errors: string;
}

export function listRuns(db: Db, limit = 10): SyncRunRecord[] {
  const rows = db.prepare('SELECT * FROM sync_runs ORDER BY id DESC LIMIT ?').all(limit) as RunRow[];
  return rows.map((row) => ({
    id: row.id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    trigger: row.trigger,
    status: row.status,
    packages: row.packages,
    fetched: row.fetched,
    newRevisions: row.new_revisions,
    failed: row.failed,
    errors: JSON.parse(row.errors) as SyncRunRecord['errors'],
  }));
}

export interface FinishedRun {
  id: number;
  startedAt: number;
  finishedAt: number;
  status: 'ok' | 'partial' | 'failed' | 'interrupted';
  failed: number;
}

interface FinishedRunRow {
  id: number;
  started_at: number;
  finished_at: number | null;
  status: FinishedRun['status'] | 'running';
  failed: number;
}

const RUN_COLUMNS = 'id, started_at, finished_at, status, failed';

function toFinished(row: FinishedRunRow): FinishedRun | null {
  if (row.status === 'running') return null;
  return { id: row.id, startedAt: row.started_at, finishedAt: row.finished_at ?? row.started_at, status: row.status, failed: row.failed };
}

/** The newest finished run, or null before the first one ends. */
export function lastFinishedRun(db: Db): FinishedRun | null {
  const last = db.prepare(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE status != 'running' ORDER BY id DESC LIMIT 1`).get() as
    FinishedRunRow | undefined;
  return last ? toFinished(last) : null;
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
  const rows = db.prepare(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE id > ? ORDER BY id LIMIT 1000`).all(afterId) as FinishedRunRow[];
  const finished: FinishedRun[] = [];
  for (const row of rows) {
    const run = toFinished(row);
    if (!run) break;
    finished.push(run);
  }
  return finished;
}
