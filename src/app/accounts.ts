import { hashPassword } from '../accounts/passwords.js';
import { listSsoIdentities } from '../accounts/sso-identities.js';
import { endSessionsOf } from '../accounts/sessions.js';
import { revokeTokensOf } from '../accounts/tokens.js';
import { assertLocalAccount, findUserByName, listUsers, markDisabled, publicUser, setPasswordHash, type User } from '../accounts/users.js';
import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { NotFound } from '../errors.js';
import { appendAudit } from '../quarantine/audit.js';

export { createUser, enableUser, listUsers, setRole } from '../accounts/users.js';

/** An account as the lists show it: single sign-on accounts with who the provider says they are. */
export interface AccountListing extends User {
  sso: { issuer: string; subject: string; displayName: string; email: string | null; lastSignInAt: number } | null;
}

export function listAccounts(db: Db): AccountListing[] {
  const identities = listSsoIdentities(db);
  return listUsers(db).map((user) => {
    const identity = identities.get(user.id);
    if (!identity) return { ...user, sso: null };
    const { issuer, subject, displayName, email, lastSignInAt } = identity;
    return { ...user, sso: { issuer, subject, displayName, email, lastSignInAt } };
  });
}

/** Disabling ends the user's sessions and revokes their tokens in the same transaction. */
export function disableUser(db: Db, name: string, actor: string): User {
  return inTransaction(db, () => {
    const user = findUserByName(db, name);
    if (!user) throw new NotFound(`no user ${name}`);
    // Disabled by its last sign-in (no role): a person's disabling still counts, so no sign-in undoes it.
    if (user.disabledReason === 'no-role') markDisabled(db, user.id, Date.now(), 'admin');
    if (user.disabledAt !== null) return { ...publicUser(user), disabledReason: 'admin' };
    const now = Date.now();
    markDisabled(db, user.id, now);
    endSessionsOf(db, user.id);
    revokeTokensOf(db, user.id, now);
    appendAudit(db, { actor, action: 'user.disabled', detail: { user: user.name } }, now);
    return { ...publicUser(user), disabledAt: now, disabledReason: 'admin' };
  });
}

/** A new password ends every session of the user: whoever knew the old one is signed out. */
export async function resetPassword(db: Db, name: string, password: string, actor: string): Promise<User> {
  const passwordHash = await hashPassword(password);
  return inTransaction(db, () => {
    const user = findUserByName(db, name);
    if (!user) throw new NotFound(`no user ${name}`);
    assertLocalAccount(user, 'setting a password');
    setPasswordHash(db, user.id, passwordHash);
    endSessionsOf(db, user.id);
    appendAudit(db, { actor, action: 'user.password-reset', detail: { user: user.name } });
    return publicUser(user);
  });
}
