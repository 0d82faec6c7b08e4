import type { Db } from '../db/open.js';
import type { Severity } from '../review/risk/types.js';
import type { StoredSignal } from '../review/signals.js';

interface SignalRow {
  id: number;
  pkgbase: string;
  kind: string;
  severity: Severity;
  reason: string;
  commit_id: string | null;
  detected_at: number;
}

export interface SignalRecord extends StoredSignal {
  id: number;
}

const MAX_SIGNALS_PER_PACKAGE = 200;

function toSignal(row: SignalRow): SignalRecord {
  return { id: row.id, pkgbase: row.pkgbase, kind: row.kind, severity: row.severity, reason: row.reason, commit: row.commit_id, at: row.detected_at };
}

/** Stores a signal once: a second one with the same key is ignored. True when it is new. */
export function recordSignal(db: Db, signal: StoredSignal & { dedupeKey: string }): boolean {
  const result = db
    .prepare(
      `INSERT OR IGNORE INTO package_signals (pkgbase, kind, severity, reason, commit_id, detected_at, dedupe_key)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(signal.pkgbase, signal.kind, signal.severity, signal.reason, signal.commit, signal.at, signal.dedupeKey);
  return result.changes === 1;
}

/** A package's signals, oldest first (the latest ones when there are very many). */
export function signalsOf(db: Db, pkgbase: string): SignalRecord[] {
  const rows = db
    .prepare('SELECT * FROM package_signals WHERE pkgbase = ? ORDER BY detected_at DESC, id DESC LIMIT ?')
    .all(pkgbase, MAX_SIGNALS_PER_PACKAGE) as SignalRow[];
  return rows.reverse().map(toSignal);
}

/** How many signals of a kind were ever recorded (e.g. IOC hits on approved revisions, for the metrics). */
export function countSignals(db: Db, kind: string): number {
  return (db.prepare('SELECT COUNT(*) AS count FROM package_signals WHERE kind = ?').get(kind) as { count: number }).count;
}

/** The latest signals of a kind across packages, newest first (the IOC page's alerts). */
export function signalsOfKind(db: Db, kind: string, limit = 200): SignalRecord[] {
  const rows = db.prepare('SELECT * FROM package_signals WHERE kind = ? ORDER BY detected_at DESC, id DESC LIMIT ?').all(kind, limit) as SignalRow[];
  return rows.map(toSignal);
}

/** The newest signal's id for a package (0: none): caches of a revision's flags key on it, so a new signal is seen at once. */
export function latestSignalId(db: Db, pkgbase: string): number {
  return (db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM package_signals WHERE pkgbase = ?').get(pkgbase) as { id: number }).id;
}
