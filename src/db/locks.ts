import { readFileSync } from 'node:fs';
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
  owner_started: string | null;
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

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), or null where
 * that cannot be read: with the pid, it names one process, whichever process gets the pid later.
 */
export function processStartTime(pid: number | 'self'): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After `pid (comm)`, comm holding any character: field 3 (state) onwards, so starttime is index 19.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

const OWN_START = processStartTime('self');

function holderIsGone(row: LockRow): boolean {
  if (!processIsAlive(row.owner_pid)) return true;
  // Alive, but another process that was given the same pid (container restarts reuse small pids).
  return row.owner_started !== null && processStartTime(row.owner_pid) !== row.owner_started;
}

function isStale(row: LockRow, now: number): boolean {
  if (row.owner_host === hostname() && holderIsGone(row)) return true;
  return now - row.heartbeat_at > STALE_AFTER_MS;
}

function readLock(db: Db, name: string): LockRow | undefined {
  return db.prepare('SELECT owner_pid, owner_host, owner_started, acquired_at, heartbeat_at FROM locks WHERE name = ?').get(name) as
    LockRow | undefined;
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
    const row = readLock(db, name);
    if (row && !isStale(row, now)) {
      const since = new Date(row.acquired_at).toISOString();
      throw new Busy(`another ${name} is running (pid ${row.owner_pid} on ${row.owner_host}, since ${since})`);
    }
    db.prepare(
      'INSERT INTO locks (name, owner_pid, owner_host, owner_started, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner_pid = excluded.owner_pid, owner_host = excluded.owner_host, owner_started = excluded.owner_started, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at',
    ).run(name, pid, host, OWN_START, now, now);
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

/** Whether a live process holds the named lock (a dead or replaced holder's row does not count). */
export function lockIsHeld(db: Db, name: string): boolean {
  const row = readLock(db, name);
  return row !== undefined && !isStale(row, Date.now());
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
