import type { Db } from '../../db/open.js';

/**
 * Sign-in throttling per (user name, client address): the first FREE_FAILURES failures cost nothing,
 * then each further failure locks that pair out for twice as long as the previous one, up to
 * MAX_LOCK_MS. Keyed on the pair so an attacker guessing one account cannot lock its owner out from
 * the owner's own address. Stored in SQLite so every server process sees the same counts.
 */
export const FREE_FAILURES = 5;
const FIRST_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;
/** A day without failures forgets the earlier ones. */
const FORGET_AFTER_MS = 24 * 3_600_000;

export type ThrottleState = { locked: false } | { locked: true; retryAfterMs: number };

interface FailureRow {
  failures: number;
  last_failure_at: number;
  locked_until: number | null;
}

export class LoginThrottle {
  constructor(private readonly db: Db) {}

  static key(userName: string, ip: string): string {
    return `${userName.toLowerCase().slice(0, 100)}|${ip}`;
  }

  check(key: string, now = Date.now()): ThrottleState {
    const row = this.row(key);
    if (!row?.locked_until || row.locked_until <= now) return { locked: false };
    return { locked: true, retryAfterMs: row.locked_until - now };
  }

  /** Records a failed attempt; returns the lock it caused, if any. */
  fail(key: string, now = Date.now()): ThrottleState {
    const row = this.row(key);
    const failures = (row && now - row.last_failure_at < FORGET_AFTER_MS ? row.failures : 0) + 1;
    const lockMs = failures < FREE_FAILURES ? 0 : Math.min(FIRST_LOCK_MS * 2 ** (failures - FREE_FAILURES), MAX_LOCK_MS);
    const lockedUntil = lockMs > 0 ? now + lockMs : null;
    this.db
      .prepare(
        'INSERT INTO login_failures (key, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until',
      )
      .run(key, failures, now, lockedUntil);
    return lockedUntil === null ? { locked: false } : { locked: true, retryAfterMs: lockMs };
  }

  succeed(key: string): void {
    this.db.prepare('DELETE FROM login_failures WHERE key = ?').run(key);
  }

  private row(key: string): FailureRow | undefined {
    return this.db.prepare('SELECT failures, last_failure_at, locked_until FROM login_failures WHERE key = ?').get(key) as FailureRow | undefined;
  }
}
