import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from './open.js';
import { inTransaction } from './open.js';
import { Busy } from '../errors.js';

/** A holder whose heartbeat is older than this is presumed dead even on another host. */
const STALE_AFTER_MS = 10 * 60_000;

interface LockRow {
  owner_pid: number;
  owner_host: string;
  acquired_at: number;
  heartbeat_at: number;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(row: LockRow, now: number): boolean {
  if (row.owner_host === hostname() && !processIsAlive(row.owner_pid)) return true;
  return now - row.heartbeat_at > STALE_AFTER_MS;
}

export interface HeldLock {
  heartbeat(): void;
  release(): void;
}

/**
 * A lock shared by every process on the same database (hand-written on SQLite rather than a lock-file
 * library because the database is the one thing all processes, and containers sharing a volume, see
 * alike, and a holder killed with SIGKILL is recognised at once by its missing pid instead of after a
 * timeout).
 */
export function acquireLock(db: Db, name: string): HeldLock {
  const pid = process.pid;
  const host = hostname();
  inTransaction(db, () => {
    const now = Date.now();
    const row = db.prepare('SELECT owner_pid, owner_host, acquired_at, heartbeat_at FROM locks WHERE name = ?').get(name) as LockRow | undefined;
    if (row && !isStale(row, now)) {
      const since = new Date(row.acquired_at).toISOString();
      throw new Busy(`another ${name} is running (pid ${row.owner_pid} on ${row.owner_host}, since ${since})`);
    }
    db.prepare(
      'INSERT INTO locks (name, owner_pid, owner_host, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner_pid = excluded.owner_pid, owner_host = excluded.owner_host, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at',
    ).run(name, pid, host, now, now);
  });
  const owned = 'name = ? AND owner_pid = ? AND owner_host = ?';
  return {
    heartbeat: () => void db.prepare(`UPDATE locks SET heartbeat_at = ? WHERE ${owned}`).run(Date.now(), name, pid, host),
    release: () => void db.prepare(`DELETE FROM locks WHERE ${owned}`).run(name, pid, host),
  };
}

/** Who holds the named lock, or null when nobody does (the holder may be dead: see isStale). */
export function lockHolder(db: Db, name: string): { pid: number; host: string } | null {
  const row = db.prepare('SELECT owner_pid, owner_host FROM locks WHERE name = ?').get(name) as Pick<LockRow, 'owner_pid' | 'owner_host'> | undefined;
  return row ? { pid: row.owner_pid, host: row.owner_host } : null;
}

/**
 * Releases the named lock if this host's process `pid` holds it (one that was seen to die, e.g. the
 * server's sync worker); returns whether it did. A lock another process took meanwhile stays.
 */
export function releaseLockOf(db: Db, name: string, pid: number): boolean {
  return db.prepare('DELETE FROM locks WHERE name = ? AND owner_pid = ? AND owner_host = ?').run(name, pid, hostname()).changes > 0;
}

/**
 * Runs fn while holding the named lock, waiting up to waitMs for the current holder (polling: the
 * holder may be another process). Only acquiring is retried; whatever fn throws propagates as is.
 */
export async function withLock<T>(db: Db, name: string, options: { waitMs: number; pollMs?: number }, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + options.waitMs;
  let lock: HeldLock | undefined;
  while (!lock) {
    try {
      lock = acquireLock(db, name);
    } catch (error) {
      if (!(error instanceof Busy) || Date.now() >= deadline) throw error;
      await sleep(options.pollMs ?? 100);
    }
  }
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Drops every lock row: used on a restored database, whose holders belonged to another system. */
export function clearLocks(db: Db): void {
  db.prepare('DELETE FROM locks').run();
}
