/**
 * The sign-in throttling rules, as pure functions of a failure record and the time. Throttling
 * slows and blocks the *source* of failures, so that a guesser elsewhere cannot lock a user out:
 *
 * - `address`: one client address (an IPv6 /64), whatever user names it tries: a password sprayer.
 * - `user-address`: one user name from one address.
 * - `user-device`: one user name from a browser recognised for it (its device cookie), instead of the
 *   two rules above: a recognised browser is judged by its own record only.
 * - `user-unknown`: one user name from every source that is not known for it (no device cookie for
 *   it, not an address it signed in from lately): a guesser spread over many addresses. Known
 *   sources are exempt, so the owner still signs in from her usual browser or address.
 *
 * Each rule lets `lockAt - 1` failures pass; the `lockAt`-th locks for `firstLockMs`, each further
 * one for twice as long, up to `maxLockMs`. One failure is forgotten per `forgetOneEveryMs` without
 * a new one, all of them after FORGET_ALL_MS.
 */
export type RuleName = 'address' | 'user-address' | 'user-device' | 'user-unknown';

export interface Rule {
  readonly name: RuleName;
  readonly lockAt: number;
  readonly firstLockMs: number;
  readonly maxLockMs: number;
  readonly forgetOneEveryMs: number;
  /** What a successful sign-in does: the pair-like rules start over, the others only take back its own count. */
  readonly onSuccess: 'clear' | 'forgive';
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const FORGET_ALL_MS = 24 * HOUR;

export const RULES: Readonly<Record<RuleName, Rule>> = {
  address: { name: 'address', lockAt: 20, firstLockMs: MINUTE, maxLockMs: HOUR, forgetOneEveryMs: HOUR, onSuccess: 'forgive' },
  'user-address': { name: 'user-address', lockAt: 5, firstLockMs: 30_000, maxLockMs: 15 * MINUTE, forgetOneEveryMs: HOUR, onSuccess: 'clear' },
  'user-device': { name: 'user-device', lockAt: 5, firstLockMs: 30_000, maxLockMs: 15 * MINUTE, forgetOneEveryMs: HOUR, onSuccess: 'clear' },
  'user-unknown': { name: 'user-unknown', lockAt: 10, firstLockMs: MINUTE, maxLockMs: 15 * MINUTE, forgetOneEveryMs: HOUR, onSuccess: 'forgive' },
};

export interface FailureRecord {
  failures: number;
  lastFailureAt: number;
  /** Epoch ms; null when never locked or the lock was lifted. */
  lockedUntil: number | null;
}

/** The failures a record still counts at `now`. */
export function remembered(rule: Rule, record: FailureRecord | undefined, now: number): number {
  if (!record) return 0;
  const quiet = Math.max(0, now - record.lastFailureAt);
  if (quiet >= FORGET_ALL_MS) return 0;
  return Math.max(0, record.failures - Math.floor(quiet / rule.forgetOneEveryMs));
}

/** How long the lock of the `failures`-th failure lasts (0: none). */
export function lockFor(rule: Rule, failures: number): number {
  if (failures < rule.lockAt) return 0;
  // The exponent is capped so a long attack cannot overflow to Infinity; the cap is reached long before.
  return Math.min(rule.firstLockMs * 2 ** Math.min(failures - rule.lockAt, 30), rule.maxLockMs);
}

/** Milliseconds until the record's lock ends; 0 when it is not locked. */
export function remainingLock(record: FailureRecord | undefined, now: number): number {
  return record?.lockedUntil != null && record.lockedUntil > now ? record.lockedUntil - now : 0;
}

/** The record after one more failure at `now`. A lock already running is never shortened. */
export function afterFailure(rule: Rule, record: FailureRecord | undefined, now: number): FailureRecord {
  const failures = remembered(rule, record, now) + 1;
  const lockMs = lockFor(rule, failures);
  const running = remainingLock(record, now) > 0 ? (record?.lockedUntil ?? null) : null;
  const lockedUntil = lockMs > 0 ? Math.max(now + lockMs, running ?? 0) : running;
  return { failures, lastFailureAt: now, lockedUntil };
}

/**
 * The record after a successful sign-in whose attempt was counted as a failure beforehand (see
 * signIn): `clear` forgets everything (null: delete the record), `forgive` takes back that one count
 * and the lock it may have started, so a correct password neither costs budget nor resets a
 * guesser's count.
 */
export function afterSuccess(rule: Rule, record: FailureRecord | undefined, now: number): FailureRecord | null {
  if (!record || rule.onSuccess === 'clear') return null;
  const failures = Math.max(0, remembered(rule, record, now) - 1);
  const lockedUntil = failures >= rule.lockAt ? record.lockedUntil : null;
  if (failures === 0 && lockedUntil === null) return null;
  return { failures, lastFailureAt: record.lastFailureAt, lockedUntil };
}

/** Who is signing in, as far as throttling is concerned. */
export interface Attempt {
  /** The user name as typed (normalised to lower case, bounded). */
  user: string;
  /** The client's address group (see addressGroup). */
  address: string;
  /** The id of a valid device cookie issued to this user, if the browser presented one. */
  device: string | null;
  /** Whether the user signed in successfully from this address group lately. */
  knownAddress: boolean;
}

export interface KeyedRule {
  rule: Rule;
  key: string;
}

/** The records an attempt is checked against and counted in. */
export function rulesFor(attempt: Attempt): KeyedRule[] {
  const user = attempt.user.toLowerCase().slice(0, 64);
  if (attempt.device !== null) return [{ rule: RULES['user-device'], key: `user-device:${user}|${attempt.device}` }];
  const rules = [
    { rule: RULES.address, key: `address:${attempt.address}` },
    { rule: RULES['user-address'], key: `user-address:${user}|${attempt.address}` },
  ];
  if (!attempt.knownAddress) rules.push({ rule: RULES['user-unknown'], key: `user-unknown:${user}` });
  return rules;
}

export type ThrottleState = { locked: false } | { locked: true; retryAfterMs: number; rule: RuleName };

/** The longest lock among the records (each paired with its rule), or not locked. */
export function strictest(records: ReadonlyArray<{ rule: Rule; record: FailureRecord | undefined }>, now: number): ThrottleState {
  let state: ThrottleState = { locked: false };
  for (const { rule, record } of records) {
    const retryAfterMs = remainingLock(record, now);
    if (retryAfterMs > 0 && (!state.locked || retryAfterMs > state.retryAfterMs)) state = { locked: true, retryAfterMs, rule: rule.name };
  }
  return state;
}
