import { beforeEach, describe, expect, it } from 'vitest';
import { resolveSession } from '../accounts/sessions.js';
import type { RoleMap } from '../accounts/sso-claims.js';
import { findSsoIdentity, ssoUserName, type SsoProfile } from '../accounts/sso-identities.js';
import { createToken, resolveToken } from '../accounts/tokens.js';
import { findUserByName } from '../accounts/users.js';
import { openDatabase, type Db } from '../db/open.js';
import { listAudit } from '../quarantine/audit.js';
import { disableUser, enableUser, resetPassword, setRole } from './accounts.js';
import { signInWithSso } from './sso-sign-in.js';

const MAP: RoleMap = { admin: ['ops'], reviewer: ['packagers'], viewer: ['staff'] };
const ISSUER = 'https://idp.example.com/realms/team';
const CLIENT = { ip: '192.0.2.1', userAgent: 'test' };

function profile(subject: string, claimValues: string[], displayName = 'Ann Example'): SsoProfile {
  return { issuer: ISSUER, subject, displayName, email: null, claimValues };
}

let db: Db;
beforeEach(() => {
  db = openDatabase(':memory:');
});

describe('signing in with single sign-on', () => {
  it('creates one account per (issuer, subject), named from them, with the role of the claim', () => {
    const first = signInWithSso(db, MAP, profile('s-1', ['packagers']), CLIENT);
    expect(first).toMatchObject({ ok: true, created: true, user: { name: ssoUserName(ISSUER, 's-1'), role: 'reviewer', source: 'sso' } });
    const again = signInWithSso(db, MAP, profile('s-1', ['packagers'], 'Ann Renamed'), CLIENT);
    expect(again).toMatchObject({ ok: true, created: false, user: { id: first.ok ? first.user.id : -1 } });
    expect(findSsoIdentity(db, ISSUER, 's-1')?.displayName).toBe('Ann Renamed');
    const twin = signInWithSso(db, MAP, profile('s-2', ['packagers']), CLIENT);
    expect(twin.ok && first.ok && twin.user.id !== first.user.id).toBe(true);
  });

  it('names accounts stably: the same for the same pair, different for another issuer or subject', () => {
    expect(ssoUserName(ISSUER, 'a')).toBe(ssoUserName(ISSUER, 'a'));
    expect(ssoUserName(ISSUER, 'a')).toMatch(/^sso-[0-9a-f]{16}$/);
    expect(new Set([ssoUserName(ISSUER, 'a'), ssoUserName(ISSUER, 'b'), ssoUserName('https://other.example', 'a')]).size).toBe(3);
  });

  it('sets the role from the claim at every sign-in', () => {
    signInWithSso(db, MAP, profile('s-1', ['staff']), CLIENT);
    expect(signInWithSso(db, MAP, profile('s-1', ['ops', 'staff']), CLIENT)).toMatchObject({ ok: true, user: { role: 'admin' } });
    expect(findUserByName(db, ssoUserName(ISSUER, 's-1'))?.role).toBe('admin');
    expect(listAudit(db, { action: 'user.role-changed' }).map((entry) => entry.detail)).toEqual([
      { user: ssoUserName(ISSUER, 's-1'), from: 'viewer', to: 'admin' },
    ]);
  });

  it('refuses a claim that maps to no role, creating nothing', () => {
    expect(signInWithSso(db, MAP, profile('s-1', ['contractors']), CLIENT)).toEqual({ ok: false, reason: 'no-role', user: null });
    expect(findSsoIdentity(db, ISSUER, 's-1')).toBeNull();
  });

  it('disables a known account whose claim no longer maps, ending its sessions and tokens, until a role maps again', () => {
    const first = signInWithSso(db, MAP, profile('s-1', ['packagers']), CLIENT);
    if (!first.ok) throw new Error('expected a sign-in');
    const { token } = createToken(db, first.user, { name: 'ci', scopes: ['review'] });
    expect(signInWithSso(db, MAP, profile('s-1', []), CLIENT)).toMatchObject({ ok: false, reason: 'no-role', user: first.user.name });
    expect(resolveSession(db, first.session.id)).toBeNull();
    expect(resolveToken(db, token)).toBeNull();
    expect(findUserByName(db, first.user.name)).toMatchObject({ disabledReason: 'no-role' });

    const back = signInWithSso(db, MAP, profile('s-1', ['staff']), CLIENT);
    expect(back).toMatchObject({ ok: true, user: { role: 'viewer', disabledAt: null } });
    expect(resolveToken(db, token)).toBeNull();
  });

  it('keeps an account an admin disabled disabled, whatever the claim says', () => {
    const first = signInWithSso(db, MAP, profile('s-1', ['packagers']), CLIENT);
    if (!first.ok) throw new Error('expected a sign-in');
    signInWithSso(db, MAP, profile('s-1', []), CLIENT);
    disableUser(db, first.user.name, 'ada');
    expect(signInWithSso(db, MAP, profile('s-1', ['packagers']), CLIENT)).toEqual({ ok: false, reason: 'disabled', user: first.user.name });
    enableUser(db, first.user.name, 'ada');
    expect(signInWithSso(db, MAP, profile('s-1', ['packagers']), CLIENT)).toMatchObject({ ok: true });
  });

  it('leaves roles and passwords of single sign-on accounts to the provider', async () => {
    const first = signInWithSso(db, MAP, profile('s-1', ['staff']), CLIENT);
    if (!first.ok) throw new Error('expected a sign-in');
    expect(() => setRole(db, first.user.name, 'admin', 'ada')).toThrow(/single sign-on/);
    await expect(resetPassword(db, first.user.name, 'a long enough password', 'ada')).rejects.toThrow(/single sign-on/);
    expect(findUserByName(db, first.user.name)?.role).toBe('viewer');
  });
});
