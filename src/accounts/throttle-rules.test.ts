import { describe, expect, it } from 'vitest';
import {
  afterFailure,
  afterSuccess,
  FORGET_ALL_MS,
  lockFor,
  remembered,
  RULES,
  rulesFor,
  strictest,
  type FailureRecord,
  type Rule,
  type RuleName,
} from './throttle-rules.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

/** Fails `count` times at `now` (each attempt tried only when not locked, as signIn does). */
function failRepeatedly(rule: Rule, count: number, now = T0, start?: FailureRecord): FailureRecord | undefined {
  let record = start;
  for (let index = 0; index < count; index += 1) record = afterFailure(rule, record, now);
  return record;
}

/** An in-memory store running the rules the way LoginThrottle runs them on SQLite. */
class MemoryThrottle {
  readonly records = new Map<string, FailureRecord>();
  check(attempt: Parameters<typeof rulesFor>[0], now: number) {
    return strictest(
      rulesFor(attempt).map(({ rule, key }) => ({ rule, record: this.records.get(key) })),
      now,
    );
  }
  fail(attempt: Parameters<typeof rulesFor>[0], now: number) {
    for (const { rule, key } of rulesFor(attempt)) this.records.set(key, afterFailure(rule, this.records.get(key), now));
    return this.check(attempt, now);
  }
  succeed(attempt: Parameters<typeof rulesFor>[0], now: number) {
    for (const { rule, key } of rulesFor(attempt)) {
      const next = afterSuccess(rule, this.records.get(key), now);
      if (next === null) this.records.delete(key);
      else this.records.set(key, next);
    }
  }
  /** A sign-in as signIn does it: refused while locked, else counted first and taken back on success. */
  attempt(attempt: Parameters<typeof rulesFor>[0], correct: boolean, now: number): 'ok' | 'invalid' | RuleName {
    const before = this.check(attempt, now);
    if (before.locked) return before.rule;
    const after = this.fail(attempt, now);
    if (correct) {
      this.succeed(attempt, now);
      return 'ok';
    }
    return after.locked ? after.rule : 'invalid';
  }
}

const stranger = (user: string, address: string) => ({ user, address, device: null, knownAddress: false });

describe('each rule', () => {
  it('lets lockAt - 1 failures pass, then locks for twice as long after each further one, up to the cap', () => {
    const rule = RULES['user-address'];
    expect(failRepeatedly(rule, 4)?.lockedUntil).toBeNull();
    expect([5, 6, 7, 8, 9, 10, 11, 50].map((failures) => lockFor(rule, failures))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000,
    ]);
    expect(lockFor(rule, 10_000)).toBe(rule.maxLockMs);
    expect(failRepeatedly(rule, 5)).toEqual({ failures: 5, lastFailureAt: T0, lockedUntil: T0 + 30_000 });
  });

  it('forgets one failure per quiet hour and all of them after a quiet day', () => {
    const rule = RULES.address;
    const record = failRepeatedly(rule, 12);
    expect(remembered(rule, record, T0 + HOUR - 1)).toBe(12);
    expect(remembered(rule, record, T0 + 3 * HOUR)).toBe(9);
    expect(remembered(rule, failRepeatedly(rule, 40), T0 + FORGET_ALL_MS)).toBe(0);
    // The next failure counts on from what is remembered.
    expect(afterFailure(rule, record, T0 + 3 * HOUR).failures).toBe(10);
  });

  it('never shortens a lock that is running', () => {
    const rule = RULES['user-address'];
    const locked: FailureRecord = { failures: 2, lastFailureAt: T0, lockedUntil: T0 + 600_000 };
    expect(afterFailure(rule, locked, T0 + 1000).lockedUntil).toBe(T0 + 600_000);
  });

  it('on success, pair-like rules start over and the others only take back the attempt itself', () => {
    expect(afterSuccess(RULES['user-address'], failRepeatedly(RULES['user-address'], 3), T0)).toBeNull();
    expect(afterSuccess(RULES['user-device'], failRepeatedly(RULES['user-device'], 3), T0)).toBeNull();
    expect(afterSuccess(RULES.address, failRepeatedly(RULES.address, 3), T0)).toEqual({ failures: 2, lastFailureAt: T0, lockedUntil: null });
    // The count that started a lock is taken back together with the lock.
    expect(afterSuccess(RULES['user-unknown'], failRepeatedly(RULES['user-unknown'], 10), T0)).toEqual({
      failures: 9,
      lastFailureAt: T0,
      lockedUntil: null,
    });
    expect(afterSuccess(RULES.address, failRepeatedly(RULES.address, 1), T0)).toBeNull();
  });
});

describe('which rules an attempt meets', () => {
  it('a recognised browser is judged by its own record only; a known address skips the per-account rule', () => {
    expect(rulesFor({ user: 'Ann', address: '192.0.2.1', device: 'abc', knownAddress: false }).map(({ key }) => key)).toEqual([
      'user-device:ann|abc',
    ]);
    expect(rulesFor({ user: 'ann', address: '192.0.2.1', device: null, knownAddress: true }).map(({ key }) => key)).toEqual([
      'address:192.0.2.1',
      'user-address:ann|192.0.2.1',
    ]);
    expect(rulesFor(stranger('ann', '192.0.2.1')).map(({ rule }) => rule.name)).toEqual(['address', 'user-address', 'user-unknown']);
  });

  it('the strictest lock wins', () => {
    const short = { failures: 5, lastFailureAt: T0, lockedUntil: T0 + 1000 };
    const long = { failures: 5, lastFailureAt: T0, lockedUntil: T0 + 9000 };
    expect(
      strictest(
        [
          { rule: RULES.address, record: short },
          { rule: RULES['user-unknown'], record: long },
          { rule: RULES['user-address'], record: undefined },
        ],
        T0,
      ),
    ).toEqual({
      locked: true,
      retryAfterMs: 9000,
      rule: 'user-unknown',
    });
    expect(strictest([{ rule: RULES.address, record: short }], T0 + 1000)).toEqual({ locked: false });
  });
});

describe('the rules together', () => {
  it('a guesser at one address cannot lock the user out at another', () => {
    const throttle = new MemoryThrottle();
    const outcomes = Array.from({ length: 6 }, () => throttle.attempt(stranger('ann', '203.0.113.66'), false, T0));
    expect(outcomes).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'user-address', 'user-address']);
    expect(throttle.attempt(stranger('ann', '192.0.2.10'), true, T0)).toBe('ok');
  });

  it('a sprayer at one address is stopped across user names', () => {
    const throttle = new MemoryThrottle();
    const outcomes = Array.from({ length: 21 }, (_, index) => throttle.attempt(stranger(`user${index}`, '203.0.113.66'), false, T0));
    expect(outcomes.slice(0, 19).every((outcome) => outcome === 'invalid')).toBe(true);
    expect(outcomes.slice(19)).toEqual(['address', 'address']);
    expect(throttle.attempt(stranger('ann', '203.0.113.66'), true, T0)).toBe('address');
    expect(throttle.attempt(stranger('ann', '203.0.113.67'), true, T0)).toBe('ok');
  });

  it('a guesser spread over many addresses locks out unknown sources for that user only, never known ones', () => {
    const throttle = new MemoryThrottle();
    for (let host = 1; host <= 10; host += 1) throttle.attempt(stranger('ann', `198.51.100.${host}`), false, T0);
    expect(throttle.attempt(stranger('ann', '198.51.100.200'), true, T0 + 1000)).toBe('user-unknown');
    expect(throttle.attempt({ user: 'ann', address: '192.0.2.10', device: null, knownAddress: true }, true, T0 + 1000)).toBe('ok');
    expect(throttle.attempt({ user: 'ann', address: '198.51.100.201', device: 'her-laptop', knownAddress: false }, true, T0 + 1000)).toBe('ok');
    expect(throttle.attempt(stranger('bob', '198.51.100.200'), true, T0 + 1000)).toBe('ok');
    // The lock grows while the guessing goes on, and ends.
    expect(throttle.check(stranger('ann', '198.51.100.202'), T0 + 60_000).locked).toBe(false);
    expect(throttle.attempt(stranger('ann', '198.51.100.202'), false, T0 + 60_000)).toBe('user-unknown');
    expect(throttle.check(stranger('ann', '198.51.100.203'), T0 + 60_000)).toEqual({ locked: true, retryAfterMs: 120_000, rule: 'user-unknown' });
  });

  it('a stolen device cookie only buys the guesses of its own record', () => {
    const throttle = new MemoryThrottle();
    const stolen = (host: number) => ({ user: 'ann', address: `203.0.113.${host}`, device: 'her-laptop', knownAddress: false });
    const outcomes = Array.from({ length: 6 }, (_, index) => throttle.attempt(stolen(index), false, T0));
    expect(outcomes).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'user-device', 'user-device']);
    // Her other browsers are not affected.
    expect(throttle.attempt({ ...stolen(1), device: 'her-phone' }, true, T0)).toBe('ok');
  });

  it('correct passwords cost no budget and do not reset a sprayer count', () => {
    const throttle = new MemoryThrottle();
    for (let index = 0; index < 19; index += 1) throttle.attempt(stranger(`user${index}`, '203.0.113.66'), false, T0);
    expect(throttle.attempt(stranger('mallory', '203.0.113.66'), true, T0)).toBe('ok');
    expect(throttle.attempt(stranger('user99', '203.0.113.66'), false, T0)).toBe('address');
  });
});
