import { createSession, endSessionsOf, type NewSession } from '../accounts/sessions.js';
import { roleFor, type RoleMap } from '../accounts/sso-claims.js';
import { findSsoIdentity, insertSsoIdentity, refreshSsoIdentity, ssoUserName, type SsoProfile } from '../accounts/sso-identities.js';
import { revokeTokensOf } from '../accounts/tokens.js';
import type { Role } from '../accounts/roles.js';
import { enableAfterNoRole, findUserById, insertSsoUser, markDisabled, publicUser, updateRole, type User } from '../accounts/users.js';
import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { appendAudit } from '../quarantine/audit.js';

/** The audit log's actor for what single sign-on itself changes (accounts created, roles set from the claim). */
export const SSO_ACTOR = 'sso';

export type SsoSignInResult =
  | { ok: true; user: User; session: NewSession; created: boolean }
  /** no-role: the claim maps to no role (an existing account is disabled, its sessions and tokens end); disabled: by an admin. */
  | { ok: false; reason: 'no-role' | 'disabled'; user: string | null };

/**
 * A verified identity becomes a session. The account is found by (issuer, subject) alone; its role is
 * set from the claim at every sign-in. A claim that maps to no role refuses the sign-in and disables
 * an existing account (ending its sessions and tokens) until a later sign-in maps to a role again;
 * an account an admin disabled stays disabled whatever the claim says.
 */
export function signInWithSso(
  db: Db,
  roleMap: RoleMap,
  profile: SsoProfile,
  client: { ip: string; userAgent: string },
  now = Date.now(),
): SsoSignInResult {
  const role = roleFor(roleMap, profile.claimValues);
  return inTransaction(db, () => {
    const identity = findSsoIdentity(db, profile.issuer, profile.subject);
    if (identity) refreshSsoIdentity(db, identity.userId, profile, now);
    if (role === null) {
      if (identity) disableWithoutRole(db, identity.userId, profile, now);
      return { ok: false, reason: 'no-role', user: identity ? (findUserById(db, identity.userId)?.name ?? null) : null };
    }
    const created = identity === null;
    const user = identity ? applyRole(db, identity.userId, role, now) : createAccount(db, profile, role, now);
    if (user.disabledAt !== null) return { ok: false, reason: 'disabled', user: user.name };
    return { ok: true, user, session: createSession(db, user.id, client, now), created };
  });
}

function createAccount(db: Db, profile: SsoProfile, role: Role, now: number): User {
  const user = insertSsoUser(db, { name: ssoUserName(profile.issuer, profile.subject), role, createdBy: SSO_ACTOR }, now);
  insertSsoIdentity(db, user.id, profile, now);
  const detail = { user: user.name, role, issuer: profile.issuer, subject: profile.subject, displayName: profile.displayName };
  appendAudit(db, { actor: SSO_ACTOR, channel: 'web', action: 'user.added', detail }, now);
  return user;
}

function applyRole(db: Db, userId: number, role: Role, now: number): User {
  const found = findUserById(db, userId);
  if (!found) throw new Error(`sso_identities names user ${userId}, which does not exist`);
  let user = publicUser(found);
  if (user.disabledReason === 'no-role') {
    enableAfterNoRole(db, user.id);
    appendAudit(
      db,
      { actor: SSO_ACTOR, channel: 'web', action: 'user.enabled', detail: { user: user.name, reason: 'the sign-in claim maps to a role again' } },
      now,
    );
    user = { ...user, disabledAt: null, disabledReason: null };
  }
  if (user.disabledAt === null && user.role !== role) {
    updateRole(db, user.id, role);
    appendAudit(db, { actor: SSO_ACTOR, channel: 'web', action: 'user.role-changed', detail: { user: user.name, from: user.role, to: role } }, now);
    user = { ...user, role };
  }
  return user;
}

function disableWithoutRole(db: Db, userId: number, profile: SsoProfile, now: number): void {
  const user = findUserById(db, userId);
  if (!user || user.disabledAt !== null) return;
  markDisabled(db, user.id, now, 'no-role');
  endSessionsOf(db, user.id);
  revokeTokensOf(db, user.id, now);
  const detail = { user: user.name, reason: 'the sign-in claim maps to no role', claimValues: profile.claimValues.slice(0, 50) };
  appendAudit(db, { actor: SSO_ACTOR, channel: 'web', action: 'user.disabled', detail }, now);
}
