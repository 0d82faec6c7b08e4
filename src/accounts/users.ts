import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { Forbidden, InvalidInput, NotFound } from '../errors.js';
import { appendAudit } from '../quarantine/audit.js';
import { hashPassword } from './passwords.js';
import { assertRole, roleAllows, type Capability, type Role } from './roles.js';

export interface User {
  id: number;
  name: string;
  role: Role;
  createdAt: number;
  createdBy: string;
  disabledAt: number | null;
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
  created_at: number;
  created_by: string;
  disabled_at: number | null;
}

function toUser(row: UserRow): UserWithSecret {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
    disabledAt: row.disabled_at,
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
const RESERVED = new Set(['sync', 'system', 'admin-api', 'unknown']);

/**
 * The one form in which user names are compared, wherever a name comes from (a flag, a form, a
 * legacy row): stored names are lowercase ASCII already, so `REV1` and ` rev1 ` are the account rev1.
 */
export function normalizeUserName(name: string): string {
  return name.trim().toLowerCase();
}

export function assertUserName(name: string): string {
  if (!USER_NAME.test(name) || RESERVED.has(name)) {
    throw new InvalidInput(
      `invalid user name ${JSON.stringify(name.slice(0, 40))}: 1-32 of a-z 0-9 . _ -, starting with a letter or digit, not ${[...RESERVED].join('/')}`,
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
  const id = Number(
    db
      .prepare('INSERT INTO users (name, role, password_hash, created_at, created_by, disabled_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(input.name, input.role, input.passwordHash, now, input.createdBy, disabledAt).lastInsertRowid,
  );
  return { id, name: input.name, role: input.role, createdAt: now, createdBy: input.createdBy, disabledAt };
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

/** Marks the account disabled (see app/accounts.ts, which also ends its sessions and tokens). */
export function markDisabled(db: Db, userId: number, at: number): void {
  db.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(at, userId);
}

export function setPasswordHash(db: Db, userId: number, passwordHash: string): void {
  db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId);
}

/** Re-enables a disabled user (their old sessions and tokens stay gone). */
export function enableUser(db: Db, name: string, actor: string): User {
  return inTransaction(db, () => {
    const user = findUserByName(db, name);
    if (!user) throw new NotFound(`no user ${name}`);
    if (user.disabledAt === null) return publicUser(user);
    db.prepare('UPDATE users SET disabled_at = NULL WHERE id = ?').run(user.id);
    appendAudit(db, { actor, action: 'user.enabled', detail: { user: name } });
    return { ...publicUser(user), disabledAt: null };
  });
}

/** Changes a user's role; it applies to their next request. */
export function setRole(db: Db, name: string, role: string, actor: string): User {
  const checked = assertRole(role);
  return inTransaction(db, () => {
    const user = findUserByName(db, name);
    if (!user) throw new NotFound(`no user ${name}`);
    db.prepare('UPDATE users SET role = ? WHERE id = ?').run(checked, user.id);
    appendAudit(db, { actor, action: 'user.role-changed', detail: { user: name, from: user.role, to: checked } });
    return { ...publicUser(user), role: checked };
  });
}
