import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../errors.js';
import { appendAudit } from '../quarantine/audit.js';
import { hashPassword } from './passwords.js';
import { assertRole, roleAllows, type Capability, type Role } from './roles.js';

/** 'local': a password account; 'sso': signs in through the identity provider only (no password). */
export type UserSource = 'local' | 'sso';
/** Why an account is disabled: by a person, or because its last single sign-on mapped to no role. */
export type DisabledReason = 'admin' | 'no-role';

export interface User {
  id: number;
  name: string;
  role: Role;
  source: UserSource;
  createdAt: number;
  createdBy: string;
  disabledAt: number | null;
  /** Set while disabled; accounts disabled before the reason was recorded count as 'admin'. */
  disabledReason: DisabledReason | null;
}

/** A user with the stored password hash; stays inside auth/. */
export interface UserWithSecret extends User {
  passwordHash: string;
}

interface UserRow {
  id: number;
  name: string;
  role: Role;
  password_hash: string;
  source: UserSource;
  created_at: number;
  created_by: string;
  disabled_at: number | null;
  disabled_reason: DisabledReason | null;
}

function toUser(row: UserRow): UserWithSecret {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    passwordHash: row.password_hash,
    source: row.source,
    createdAt: row.created_at,
    createdBy: row.created_by,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_at === null ? null : (row.disabled_reason ?? 'admin'),
  };
}

export function publicUser({ passwordHash: _secret, ...user }: UserWithSecret): User {
  return user;
}

/**
 * User names become reviewer names in the audit log and in the two-person rule, so they are kept to
 * plain lowercase ASCII: no look-alike characters, no spaces, no names of the automatic actors.
 */
const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const RESERVED = new Set(['sync', 'system', 'admin-api', 'unknown', 'sso']);
/** Names of single sign-on accounts (accounts/sso-identities.ts): never given to a local account. */
export const SSO_NAME_PREFIX = 'sso-';

/**
 * The one form in which user names are compared, wherever a name comes from (a flag, a form, a
 * legacy row): stored names are lowercase ASCII already, so `REV1` and ` rev1 ` are the account rev1.
 */
export function normalizeUserName(name: string): string {
  return name.trim().toLowerCase();
}

export function assertUserName(name: string): string {
  if (!USER_NAME.test(name) || RESERVED.has(name) || name.startsWith(SSO_NAME_PREFIX)) {
    throw new InvalidInput(
      `invalid user name ${JSON.stringify(name.slice(0, 40))}: 1-32 of a-z 0-9 . _ -, starting with a letter or digit, not ${[...RESERVED].join('/')}, not starting with ${SSO_NAME_PREFIX}`,
    );
  }
  return name;
}

export async function createUser(db: Db, input: { name: string; role: string; password: string }, actor: string): Promise<User> {
  // Checked before the costly hash, and again by addUser.
  assertUserName(input.name);
  assertRole(input.role);
  return addUser(db, { name: input.name, role: input.role, passwordHash: await hashPassword(input.password) }, actor);
}

/**
 * createUser with the password already hashed: the integration tests create hundreds of accounts with
 * one fixed password, and hash it once per process (at the production cost) instead of once per account.
 */
export function addUser(db: Db, input: { name: string; role: string; passwordHash: string }, actor: string): User {
  const name = assertUserName(input.name);
  const role = assertRole(input.role);
  return inTransaction(
    db,
    () => {
      const now = Date.now();
      const user = insertUser(db, { name, role, passwordHash: input.passwordHash, createdBy: actor }, now);
      appendAudit(db, { actor, action: 'user.added', detail: { user: name, role } }, now);
      return user;
    },
    { duplicate: `user ${name} already exists` },
  );
}

/** The row alone, for createUser and for unit tests' accounts (which skip the password hashing). */
export function insertUser(
  db: Db,
  input: { name: string; role: Role; passwordHash: string; createdBy: string; disabledAt?: number },
  now = Date.now(),
): User {
  const disabledAt = input.disabledAt ?? null;
  const disabledReason = disabledAt === null ? null : 'admin';
  const id = Number(
    db
      .prepare('INSERT INTO users (name, role, password_hash, created_at, created_by, disabled_at, disabled_reason) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(input.name, input.role, input.passwordHash, now, input.createdBy, disabledAt, disabledReason).lastInsertRowid,
  );
  return { id, name: input.name, role: input.role, source: 'local', createdAt: now, createdBy: input.createdBy, disabledAt, disabledReason };
}

/** A single sign-on account: no password (an empty hash matches none), named by sso-identities.ts. */
export function insertSsoUser(db: Db, input: { name: string; role: Role; createdBy: string }, now = Date.now()): User {
  const id = Number(
    db
      .prepare("INSERT INTO users (name, role, password_hash, source, created_at, created_by) VALUES (?, ?, '', 'sso', ?, ?)")
      .run(input.name, input.role, now, input.createdBy).lastInsertRowid,
  );
  return {
    id,
    name: input.name,
    role: input.role,
    source: 'sso',
    createdAt: now,
    createdBy: input.createdBy,
    disabledAt: null,
    disabledReason: null,
  };
}

/** The role of a single sign-on account, set from the identity provider's claim at each sign-in. */
export function updateRole(db: Db, userId: number, role: Role): void {
  db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, userId);
}

/** Enables an account disabled because its sign-in mapped to no role (its next sign-in with a role). */
export function enableAfterNoRole(db: Db, userId: number): void {
  db.prepare("UPDATE users SET disabled_at = NULL, disabled_reason = NULL WHERE id = ? AND disabled_reason = 'no-role'").run(userId);
}

export function findUserByName(db: Db, name: string): UserWithSecret | null {
  const row = db.prepare('SELECT * FROM users WHERE name = ?').get(normalizeUserName(name)) as UserRow | undefined;
  return row ? toUser(row) : null;
}

export function findUserById(db: Db, id: number): UserWithSecret | null {
  const row = db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
  return row ? toUser(row) : null;
}

/**
 * The account behind a decision, read fresh (inside the decision's transaction), so a user disabled or
 * demoted a moment ago cannot decide any more: it must exist, be enabled and have a role reaching `need`.
 */
export function requireAccount(db: Db, userId: number, need: Capability, what: string): User {
  const user = findUserById(db, userId);
  if (!user) throw new NotFound(`no account with id ${userId}`);
  if (user.disabledAt !== null) throw new Forbidden(`${what} needs an enabled account; ${user.name} is disabled`);
  if (!roleAllows(user.role, need)) throw new Forbidden(`${what} needs the ${need} permission; ${user.name} is a ${user.role}`);
  return publicUser(user);
}

export function listUsers(db: Db): User[] {
  return (db.prepare('SELECT * FROM users ORDER BY name').all() as UserRow[]).map((row) => publicUser(toUser(row)));
}

/**
 * Marks the account disabled (see app/accounts.ts, which also ends its sessions and tokens). A person's
 * 'admin' also overrides an earlier 'no-role', so a later sign-in does not enable the account again.
 */
export function markDisabled(db: Db, userId: number, at: number, reason: DisabledReason = 'admin'): void {
  db.prepare('UPDATE users SET disabled_at = coalesce(disabled_at, ?), disabled_reason = ? WHERE id = ?').run(at, reason, userId);
}

export function setPasswordHash(db: Db, userId: number, passwordHash: string): void {
  db.prepare("UPDATE users SET password_hash = ? WHERE id = ? AND source = 'local'").run(passwordHash, userId);
}

/** Passwords and roles of single sign-on accounts come from the identity provider, never from a person here. */
export function assertLocalAccount(user: Pick<User, 'name' | 'source'>, what: string): void {
  if (user.source === 'sso') throw new Conflict(`${what}: ${user.name} signs in through single sign-on; its identity provider decides that`);
}

/** Re-enables a disabled user (their old sessions and tokens stay gone). */
export function enableUser(db: Db, name: string, actor: string): User {
  return inTransaction(db, () => {
    const user = findUserByName(db, name);
    if (!user) throw new NotFound(`no user ${name}`);
    if (user.disabledAt === null) return publicUser(user);
    db.prepare('UPDATE users SET disabled_at = NULL, disabled_reason = NULL WHERE id = ?').run(user.id);
    appendAudit(db, { actor, action: 'user.enabled', detail: { user: name } });
    return { ...publicUser(user), disabledAt: null, disabledReason: null };
  });
}

/** Changes a user's role; it applies to their next request. */
export function setRole(db: Db, name: string, role: string, actor: string): User {
  const checked = assertRole(role);
  return inTransaction(db, () => {
    const user = findUserByName(db, name);
    if (!user) throw new NotFound(`no user ${name}`);
    assertLocalAccount(user, 'changing the role');
    updateRole(db, user.id, checked);
    appendAudit(db, { actor, action: 'user.role-changed', detail: { user: name, from: user.role, to: checked } });
    return { ...publicUser(user), role: checked };
  });
}
