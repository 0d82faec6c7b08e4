import type { Db } from '../db/open.js';
import { deviceCookieSecret, issueDeviceCookie, verifyDeviceCookie } from '../accounts/device-cookies.js';
import { decoyHash, verifyPassword } from '../accounts/passwords.js';
import { createSession, type NewSession } from '../accounts/sessions.js';
import type { LoginThrottle } from '../accounts/throttle.js';
import type { RuleName } from '../accounts/throttle-rules.js';
import { findUserByName, normalizeUserName, publicUser, type User } from '../accounts/users.js';

export type SignInResult =
  | { ok: true; user: User; session: NewSession; deviceCookie: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; retryAfterMs: number; rule: RuleName };

export interface SignInRequest {
  name: string;
  password: string;
  ip: string;
  userAgent: string;
  /** The browser's device cookie, if it sent one (see device-cookies.ts). */
  deviceCookie?: string;
}

/**
 * Checks a password and opens a session. The attempt is counted as a failure before the (slow) hash
 * comparison and taken back on success, so a burst of parallel guesses cannot slip past the throttle
 * while the first ones are still being hashed. Unknown and disabled users are compared against a
 * decoy hash, so the answer takes as long and says the same as for a wrong password. A success issues
 * a new device cookie, which makes this browser a known source for the user from then on.
 */
export async function signIn(db: Db, throttle: LoginThrottle, request: SignInRequest, now = Date.now()): Promise<SignInResult> {
  // Throttled under the same normalised name the account is found by: REV1 and rev1 share one count.
  const name = normalizeUserName(request.name);
  const secret = deviceCookieSecret(db);
  const attempt = throttle.attempt(name, request.ip, verifyDeviceCookie(secret, request.deviceCookie, name, now), now);
  const state = throttle.check(attempt, now);
  if (state.locked) return { ok: false, reason: 'locked', retryAfterMs: state.retryAfterMs, rule: state.rule };
  const counted = throttle.fail(attempt, now);
  const user = findUserByName(db, name);
  // Single sign-on accounts have no password: they are refused like an unknown name.
  const usable = user !== null && user.disabledAt === null && user.source === 'local';
  const matches = await verifyPassword(request.password, usable ? user.passwordHash : await decoyHash());
  if (!usable || !matches) {
    // Say so when this failure started a lock-out, so the person knows to wait rather than retry.
    return counted.locked
      ? { ok: false, reason: 'locked', retryAfterMs: counted.retryAfterMs, rule: counted.rule }
      : { ok: false, reason: 'invalid' };
  }
  throttle.succeed(attempt, user.id, now);
  return {
    ok: true,
    user: publicUser(user),
    session: createSession(db, user.id, { ip: request.ip, userAgent: request.userAgent }),
    deviceCookie: issueDeviceCookie(secret, name, now),
  };
}
