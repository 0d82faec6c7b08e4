import type { Db } from '../db/open.js';
import { Conflict } from '../errors.js';

/** What a replica remembers about following its primary (one row, the only module using replica_follower). */
export interface FollowerState {
  origin: string;
  primaryUrl: string;
  /** Log entries [0, appliedSize) are applied to the served state (or skipped). */
  appliedSize: number;
  /** Grows with every applied entry: caches of the served set compare it. */
  version: number;
  skipped: number;
  lastSkip: string | null;
  /** Epoch ms of the last round that reached the primary and verified its checkpoint. */
  lastContactAt: number | null;
  lastAppliedAt: number | null;
  /** Decision → served on this replica, of the entry applied last. */
  lastLagMs: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  halt: { at: number; kind: string; reason: string } | null;
}

interface Row {
  origin: string;
  primary_url: string;
  applied_size: number;
  version: number;
  skipped: number;
  last_skip: string | null;
  last_contact_at: number | null;
  last_applied_at: number | null;
  last_lag_ms: number | null;
  last_error: string | null;
  last_error_at: number | null;
  halted_at: number | null;
  halt_kind: string | null;
  halt_reason: string | null;
}

export function readFollowerState(db: Db): FollowerState | null {
  const row = db.prepare('SELECT * FROM replica_follower WHERE id = 1').get() as Row | undefined;
  if (!row) return null;
  return {
    origin: row.origin,
    primaryUrl: row.primary_url,
    appliedSize: row.applied_size,
    version: row.version,
    skipped: row.skipped,
    lastSkip: row.last_skip,
    lastContactAt: row.last_contact_at,
    lastAppliedAt: row.last_applied_at,
    lastLagMs: row.last_lag_ms,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    halt: row.halted_at === null ? null : { at: row.halted_at, kind: row.halt_kind ?? 'unknown', reason: row.halt_reason ?? '' },
  };
}

/** A cheap reader of the version, prepared once (the catalog calls it on every request). */
export function followerVersionReader(db: Db): () => number {
  const statement = db.prepare('SELECT version FROM replica_follower WHERE id = 1').pluck();
  return () => (statement.get() as number | undefined) ?? 0;
}

/**
 * Makes this data dir the replica of the log `origin`, or checks that it already is. A data dir of
 * another log, or a primary's (its log has entries no follower row accounts for), is refused: the
 * replica's state is rebuilt from one log only, and a primary's state is never mixed into it.
 */
export function claimReplica(db: Db, origin: string, primaryUrl: string, logSize: number): FollowerState {
  const existing = readFollowerState(db);
  if (existing && existing.origin !== origin) {
    throw new Conflict(`this data dir replicates the log ${existing.origin}, not ${origin}: use an empty data dir for another primary`);
  }
  if (!existing) {
    if (logSize > 0) throw new Conflict('this data dir holds a primary (its approval log has entries): a replica needs a data dir of its own');
    db.prepare('INSERT INTO replica_follower (id, origin, primary_url) VALUES (1, ?, ?)').run(origin, primaryUrl);
  } else if (existing.primaryUrl !== primaryUrl) {
    db.prepare('UPDATE replica_follower SET primary_url = ? WHERE id = 1').run(primaryUrl);
  }
  return readFollowerState(db) as FollowerState;
}

/** True when the data dir belongs to a replica (a primary refuses to start on it). */
export function isReplicaDataDir(db: Db): boolean {
  return db.prepare('SELECT 1 FROM replica_follower WHERE id = 1').get() !== undefined;
}

/** Tells the catalog that the replica's records changed, before the entry that changed them counts as applied. */
export function markRecordsChanged(db: Db): void {
  db.prepare('UPDATE replica_follower SET version = version + 1 WHERE id = 1').run();
}

/** Entry `index` is applied; runs inside the transaction that recorded it. */
export function markApplied(db: Db, index: number, lagMs: number | null, now = Date.now()): void {
  db.prepare(
    'UPDATE replica_follower SET applied_size = ?, version = version + 1, last_applied_at = ?, last_lag_ms = COALESCE(?, last_lag_ms) WHERE id = 1 AND applied_size = ?',
  ).run(index + 1, now, lagMs, index);
}

/** Entry `index` cannot be replicated (its objects are gone from the primary): nothing of it is served. */
export function markSkipped(db: Db, index: number, why: string, now = Date.now()): void {
  db.prepare(
    'UPDATE replica_follower SET applied_size = ?, version = version + 1, skipped = skipped + 1, last_skip = ?, last_applied_at = ? WHERE id = 1 AND applied_size = ?',
  ).run(index + 1, why.slice(0, 2000), now, index);
}

export function markContact(db: Db, now = Date.now()): void {
  db.prepare('UPDATE replica_follower SET last_contact_at = ?, last_error = NULL, last_error_at = NULL WHERE id = 1').run(now);
}

/** A failure worth retrying (the primary is unreachable, a fetch failed): following goes on. */
export function markError(db: Db, message: string, now = Date.now()): void {
  db.prepare('UPDATE replica_follower SET last_error = ?, last_error_at = ? WHERE id = 1').run(message.slice(0, 2000), now);
}

/** Verification failed: the replica stops following until restarted, and says why. */
export function markHalted(db: Db, kind: string, reason: string, now = Date.now()): void {
  db.prepare('UPDATE replica_follower SET halted_at = ?, halt_kind = ?, halt_reason = ? WHERE id = 1').run(now, kind, reason.slice(0, 4000));
}

/** A round verified everything again (after a restart with the cause gone): the halt is over. */
export function clearHalt(db: Db): void {
  db.prepare('UPDATE replica_follower SET halted_at = NULL, halt_kind = NULL, halt_reason = NULL WHERE id = 1 AND halted_at IS NOT NULL').run();
}
