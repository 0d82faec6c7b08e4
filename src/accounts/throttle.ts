import type { Db } from '../db/open.js';
import { findUserByName } from './users.js';
import { addressGroup } from './address-group.js';
import {
  afterFailure,
  afterSuccess,
  FORGET_ALL_MS,
  rulesFor,
  strictest,
  type Attempt,
  type FailureRecord,
  type KeyedRule,
  type ThrottleState,
} from './throttle-rules.js';

export type { Attempt, ThrottleState } from './throttle-rules.js';

/** An address a user signed in from counts as known for this long (see the `user-unknown` rule). */
export const KNOWN_ADDRESS_MS = 30 * 24 * 3_600_000;

interface FailureRow {
  failures: number;
  last_failure_at: number;
  locked_until: number | null;
}

/**
 * Sign-in throttling (rules in throttle-rules.ts), stored in SQLite so every server process sees the
 * same counts. Each read-modify-write runs in one IMMEDIATE transaction, so two processes counting at
 * once do not lose a failure.
 */
export class LoginThrottle {
  constructor(private readonly db: Db) {}

  /** The throttling view of a sign-in: the address group, the device (already verified) and whether the address is known. */
  attempt(user: string, ip: string, device: string | null, now = Date.now()): Attempt {
    const address = addressGroup(ip);
    const account = findUserByName(this.db, user);
    const known =
      account !== null &&
      this.db
        .prepare('SELECT 1 FROM sign_in_addresses WHERE user_id = ? AND address = ? AND last_success_at > ?')
        .get(account.id, address, now - KNOWN_ADDRESS_MS) !== undefined;
    return { user, address, device, knownAddress: known };
  }

  check(attempt: Attempt, now = Date.now()): ThrottleState {
    return strictest(this.records(rulesFor(attempt)), now);
  }

  /** Counts a failed attempt in every rule that applies; returns the lock it caused, if any. */
  fail(attempt: Attempt, now = Date.now()): ThrottleState {
    return this.db
      .transaction(() => {
        this.db
          .prepare('DELETE FROM login_failures WHERE last_failure_at < ? AND (locked_until IS NULL OR locked_until < ?)')
          .run(now - FORGET_ALL_MS, now);
        const updated = this.records(rulesFor(attempt)).map(({ rule, key, record }) => {
          const next = afterFailure(rule, record, now);
          this.write(key, next);
          return { rule, record: next };
        });
        return strictest(updated, now);
      })
      .immediate();
  }

  /** A successful sign-in by `userId`: takes back the attempt's counts and remembers the address. */
  succeed(attempt: Attempt, userId: number, now = Date.now()): void {
    this.db
      .transaction(() => {
        for (const { rule, key, record } of this.records(rulesFor(attempt))) {
          const next = afterSuccess(rule, record, now);
          if (next === null) this.db.prepare('DELETE FROM login_failures WHERE key = ?').run(key);
          else this.write(key, next);
        }
        this.db.prepare('DELETE FROM sign_in_addresses WHERE last_success_at <= ?').run(now - KNOWN_ADDRESS_MS);
        this.db
          .prepare(
            'INSERT INTO sign_in_addresses (user_id, address, last_success_at) VALUES (?, ?, ?) ON CONFLICT (user_id, address) DO UPDATE SET last_success_at = excluded.last_success_at',
          )
          .run(userId, attempt.address, now);
      })
      .immediate();
  }

  private records(rules: KeyedRule[]): Array<KeyedRule & { record: FailureRecord | undefined }> {
    const select = this.db.prepare('SELECT failures, last_failure_at, locked_until FROM login_failures WHERE key = ?');
    return rules.map(({ rule, key }) => {
      const row = select.get(key) as FailureRow | undefined;
      return { rule, key, record: row && { failures: row.failures, lastFailureAt: row.last_failure_at, lockedUntil: row.locked_until } };
    });
  }

  private write(key: string, record: FailureRecord): void {
    this.db
      .prepare(
        'INSERT INTO login_failures (key, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until',
      )
      .run(key, record.failures, record.lastFailureAt, record.lockedUntil);
  }
}
