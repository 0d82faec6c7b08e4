import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { Forbidden, InvalidInput, NotFound } from '../errors.js';
import { appendAudit } from '../quarantine/audit.js';
import { parseScopes, roleAllows, scopesForRole, type Scope } from './roles.js';
import { randomSecret, sha256 } from './secrets.js';
import { findUserById, publicUser, type User } from './users.js';

/** A recognisable prefix lets secret scanners spot a leaked token. */
const TOKEN_PREFIX = 'aurgate_';
const TOUCH_EVERY_MS = 60_000;

export interface ApiToken {
  id: number;
  userId: number;
  userName: string;
  name: string;
  scopes: Scope[];
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface TokenRow {
  id: number;
  user_id: number;
  name: string;
  scopes: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

const SELECT = 'SELECT * FROM api_tokens t';

function toToken(db: Db, row: TokenRow): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    userName: findUserById(db, row.user_id)?.name ?? `#${row.user_id}`,
    name: row.name,
    scopes: row.scopes.split(' ') as Scope[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export interface TokenRequest {
  name: string;
  scopes: readonly string[];
  /** Days until it stops working; none: until revoked. */
  expiresInDays?: number | undefined;
}

/** Creates a token for its owner; the token text is returned here once and never again. */
export function createToken(db: Db, owner: User, request: TokenRequest, now = Date.now()): { token: string; record: ApiToken } {
  const name = request.name.trim();
  if (!name || name.length > 100 || /[\u0000-\u001f\u007f]/.test(name)) throw new InvalidInput('a token needs a name (1-100 printable characters)');
  const scopes = parseScopes(request.scopes);
  const allowed = scopesForRole(owner.role);
  const excess = scopes.filter((scope) => !allowed.includes(scope));
  if (excess.length > 0) throw new Forbidden(`a ${owner.role} cannot create a token with scope ${excess.join(', ')}`);
  const days = request.expiresInDays;
  if (days !== undefined && (!Number.isFinite(days) || days <= 0 || days > 3650)) throw new InvalidInput('expiry must be between 1 and 3650 days');
  const token = `${TOKEN_PREFIX}${randomSecret()}`;
  const expiresAt = days === undefined ? null : now + Math.round(days * 86_400_000);
  return inTransaction(db, () => {
    const id = Number(
      db
        .prepare('INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(owner.id, name, sha256(token), scopes.join(' '), now, expiresAt).lastInsertRowid,
    );
    appendAudit(db, { actor: owner.name, action: 'token.created', detail: { token: id, name, scopes, expiresAt } }, now);
    return {
      token,
      record: { id, userId: owner.id, userName: owner.name, name, scopes, createdAt: now, expiresAt, lastUsedAt: null, revokedAt: null },
    };
  });
}

/** The owner and token of a bearer value, or null when unknown, revoked, expired or the owner is disabled. */
export function resolveToken(db: Db, bearer: string, now = Date.now()): { user: User; token: ApiToken } | null {
  if (!bearer.startsWith(TOKEN_PREFIX) || bearer.length > 200) return null;
  const row = db.prepare(`${SELECT} WHERE t.token_hash = ?`).get(sha256(bearer)) as TokenRow | undefined;
  if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return null;
  const user = findUserById(db, row.user_id);
  if (!user || user.disabledAt !== null) return null;
  if (row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS)
    db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now, row.id);
  return { user: publicUser(user), token: toToken(db, row) };
}

/** A user's own tokens, or everyone's for an admin asking for all. */
export function listTokens(db: Db, filter: { userId?: number } = {}): ApiToken[] {
  const rows = (
    filter.userId === undefined
      ? db.prepare(`${SELECT} ORDER BY t.id DESC`).all()
      : db.prepare(`${SELECT} WHERE t.user_id = ? ORDER BY t.id DESC`).all(filter.userId)
  ) as TokenRow[];
  return rows.map((row) => toToken(db, row));
}

/** Owners revoke their own tokens; admins revoke anyone's. */
export function revokeToken(db: Db, id: number, actor: User, now = Date.now()): ApiToken {
  return inTransaction(db, () => {
    const row = db.prepare(`${SELECT} WHERE t.id = ?`).get(id) as TokenRow | undefined;
    if (!row) throw new NotFound(`no token ${id}`);
    if (row.user_id !== actor.id && !roleAllows(actor.role, 'admin')) throw new Forbidden('only the owner or an admin can revoke a token');
    if (row.revoked_at === null) {
      db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(now, id);
      appendAudit(db, { actor: actor.name, action: 'token.revoked', detail: { token: id, name: row.name, owner: toToken(db, row).userName } }, now);
    }
    return { ...toToken(db, row), revokedAt: row.revoked_at ?? now };
  });
}

/** Admins see every token; everyone else only their own. */
/** Revokes every live token of a user (the account was disabled). */
export function revokeTokensOf(db: Db, userId: number, now = Date.now()): void {
  db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(now, userId);
}

export function tokensVisibleTo(db: Db, user: User): ApiToken[] {
  return roleAllows(user.role, 'admin') ? listTokens(db) : listTokens(db, { userId: user.id });
}
