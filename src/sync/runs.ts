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
  db.prepare("UPDATE sync_runs SET status = 'interrupted', finished_at = COALESCE(finished_at, started_at) WHERE status = 'running'").run();
  return Number(db.prepare("INSERT INTO sync_runs (started_at, trigger, status) VALUES (?, ?, 'running')").run(Date.now(), trigger).lastInsertRowid);
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
