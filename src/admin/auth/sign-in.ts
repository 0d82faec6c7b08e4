import type { Db } from '../../db/open.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { createSession, type NewSession } from './sessions.js';
import { LoginThrottle } from './throttle.js';
import { findUserByName, normalizeUserName, publicUser, type User } from './users.js';

export type SignInResult =
  { ok: true; user: User; session: NewSession } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'locked'; retryAfterMs: number };

export interface SignInRequest {
  name: string;
  password: string;
  ip: string;
  userAgent: string;
}

/**
 * Checks a password and opens a session. The attempt is counted as a failure before the (slow) hash
 * comparison and forgiven on success, so a burst of parallel guesses cannot slip past the throttle
 * while the first ones are still being hashed. Unknown and disabled users are compared against a
 * decoy hash, so the answer takes as long and says the same as for a wrong password.
 */
export async function signIn(db: Db, throttle: LoginThrottle, request: SignInRequest): Promise<SignInResult> {
  // Throttled under the same normalised name the account is found by: REV1 and rev1 share one count.
  const key = LoginThrottle.key(normalizeUserName(request.name), request.ip);
  const state = throttle.check(key);
  if (state.locked) return { ok: false, reason: 'locked', retryAfterMs: state.retryAfterMs };
  throttle.fail(key);
  const user = findUserByName(db, request.name);
  const usable = user !== null && user.disabledAt === null;
  const matches = await verifyPassword(request.password, usable ? user.passwordHash : await decoyHash());
  if (!usable || !matches) {
    // Say so when this failure started a lock-out, so the person knows to wait rather than retry.
    const after = throttle.check(key);
    return after.locked ? { ok: false, reason: 'locked', retryAfterMs: after.retryAfterMs } : { ok: false, reason: 'invalid' };
  }
  throttle.succeed(key);
  return { ok: true, user: publicUser(user), session: createSession(db, user.id, { ip: request.ip, userAgent: request.userAgent }) };
}
