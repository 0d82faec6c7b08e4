import { createHash } from 'node:crypto';
import type { Db } from '../db/open.js';
import { SSO_NAME_PREFIX } from './users.js';

/** The `sso_identities` table: which (issuer, subject) of the identity provider is which account. */
export interface SsoIdentity {
  userId: number;
  issuer: string;
  subject: string;
  displayName: string;
  email: string | null;
  /** The role claim's values at the last sign-in. */
  claimValues: string[];
  firstSeenAt: number;
  lastSignInAt: number;
}

export interface SsoProfile {
  issuer: string;
  subject: string;
  displayName: string;
  email: string | null;
  claimValues: readonly string[];
}

interface IdentityRow {
  user_id: number;
  issuer: string;
  subject: string;
  display_name: string;
  email: string | null;
  claim_values: string;
  first_seen_at: number;
  last_sign_in_at: number;
}

function toIdentity(row: IdentityRow): SsoIdentity {
  const values: unknown = JSON.parse(row.claim_values);
  return {
    userId: row.user_id,
    issuer: row.issuer,
    subject: row.subject,
    displayName: row.display_name,
    email: row.email,
    claimValues: Array.isArray(values) ? values.filter((value): value is string => typeof value === 'string') : [],
    firstSeenAt: row.first_seen_at,
    lastSignInAt: row.last_sign_in_at,
  };
}

/**
 * The account name of a single sign-on identity, and so its reviewer name in approvals, the audit log
 * and attestations: `sso-` and the first 16 hex digits of SHA-256("<issuer>\n<subject>"). It depends
 * on nothing the user or the provider's admins can rename, differs between two people who share a
 * display name, and anyone who knows the issuer and subject can recompute it.
 */
export function ssoUserName(issuer: string, subject: string): string {
  return `${SSO_NAME_PREFIX}${createHash('sha256').update(`${issuer}\n${subject}`).digest('hex').slice(0, 16)}`;
}

export function findSsoIdentity(db: Db, issuer: string, subject: string): SsoIdentity | null {
  const row = db.prepare('SELECT * FROM sso_identities WHERE issuer = ? AND subject = ?').get(issuer, subject) as IdentityRow | undefined;
  return row ? toIdentity(row) : null;
}

export function insertSsoIdentity(db: Db, userId: number, profile: SsoProfile, now: number): void {
  db.prepare(
    'INSERT INTO sso_identities (user_id, issuer, subject, display_name, email, claim_values, first_seen_at, last_sign_in_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(userId, profile.issuer, profile.subject, profile.displayName, profile.email, JSON.stringify(profile.claimValues), now, now);
}

/** What the provider says about the person now (their display name may have changed; who they are has not). */
export function refreshSsoIdentity(db: Db, userId: number, profile: SsoProfile, now: number): void {
  db.prepare('UPDATE sso_identities SET display_name = ?, email = ?, claim_values = ?, last_sign_in_at = ? WHERE user_id = ?').run(
    profile.displayName,
    profile.email,
    JSON.stringify(profile.claimValues),
    now,
    userId,
  );
}

/** Every identity by account id, for the account lists. */
export function listSsoIdentities(db: Db): Map<number, SsoIdentity> {
  const rows = db.prepare('SELECT * FROM sso_identities').all() as IdentityRow[];
  return new Map(rows.map((row) => [row.user_id, toIdentity(row)]));
}
