import type { Db } from '../db/open.js';
import type { Channel } from './actor.js';

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  /** How the change came in; null on rows written before channels were recorded. */
  channel: Channel | null;
  action: string;
  pkgbase: string | null;
  commit: string | null;
  detail: Record<string, unknown> | null;
}

export interface NewAuditEntry {
  actor: string;
  channel?: Channel | null | undefined;
  action: string;
  pkgbase?: string | null;
  commit?: string | null;
  detail?: Record<string, unknown>;
}

/** Appends one row. Callers run it inside the transaction of the change it records. */
export function appendAudit(db: Db, entry: NewAuditEntry, at = Date.now()): number {
  const result = db
    .prepare('INSERT INTO audit_log (at, actor, channel, action, pkgbase, commit_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(
      at,
      entry.actor,
      entry.channel ?? null,
      entry.action,
      entry.pkgbase ?? null,
      entry.commit ?? null,
      entry.detail ? JSON.stringify(entry.detail) : null,
    );
  return Number(result.lastInsertRowid);
}

export interface AuditFilter {
  pkgbase?: string;
  action?: string;
  actor?: string;
  channel?: Channel;
  beforeId?: number;
  limit?: number;
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  channel: Channel | null;
  action: string;
  pkgbase: string | null;
  commit_id: string | null;
  detail: string | null;
}

export function listAudit(db: Db, filter: AuditFilter = {}): AuditEntry[] {
  const where: string[] = [];
  const params: Array<string | number> = [];
  const add = (clause: string, ...values: Array<string | number>) => {
    where.push(clause);
    params.push(...values);
  };
  if (filter.pkgbase) add('pkgbase = ?', filter.pkgbase);
  if (filter.action) add('(action = ? OR action LIKE ?)', filter.action, `${filter.action}.%`);
  // Account names compare case-insensitively everywhere (see normalizeUserName).
  if (filter.actor) add('lower(actor) = ?', filter.actor.trim().toLowerCase());
  if (filter.channel) add('channel = ?', filter.channel);
  if (filter.beforeId) add('id < ?', filter.beforeId);
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...params, Math.min(filter.limit ?? 100, 1000)) as AuditRow[];
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    actor: row.actor,
    channel: row.channel,
    action: row.action,
    pkgbase: row.pkgbase,
    commit: row.commit_id,
    detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null,
  }));
}
