import type { Db } from '../db/open.js';
import { findUserById, publicUser, type User } from './users.js';
import { hmac, randomSecret, sha256 } from './secrets.js';

/** Sign-ins end after two idle hours, and after twelve hours whatever happens. */
export const SESSION_IDLE_MS = 2 * 3_600_000;
export const SESSION_ABSOLUTE_MS = 12 * 3_600_000;
/** last_seen_at is written at most this often, so reading pages does not turn into a write per request. */
const TOUCH_EVERY_MS = 60_000;

export interface NewSession {
  /** The cookie value; only its hash is stored. */
  id: string;
  expiresAt: number;
}

export interface ActiveSession {
  user: User;
  idHash: string;
  createdAt: number;
  expiresAt: number;
  csrfToken: string;
}

interface SessionRow {
  id_hash: string;
  user_id: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export function createSession(db: Db, userId: number, client: { ip: string; userAgent: string }, now = Date.now()): NewSession {
  const id = randomSecret();
  const expiresAt = now + SESSION_ABSOLUTE_MS;
  db.prepare('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?').run(now, now - SESSION_IDLE_MS);
  db.prepare('INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    sha256(id),
    userId,
    now,
    now,
    expiresAt,
    client.ip.slice(0, 100),
    client.userAgent.slice(0, 300),
  );
  return { id, expiresAt };
}

/**
 * The per-session synchronizer token for forms and the X-CSRF-Token header. Derived from the session
 * id rather than stored: it changes with every sign-in, and the database never holds anything that
 * would let a reader of it forge a request.
 */
export function csrfTokenFor(sessionId: string): string {
  return hmac(sessionId, 'aurgate csrf v1');
}

/** The signed-in user of a cookie value, or null (unknown, expired, idle too long, or user disabled). */
export function resolveSession(db: Db, sessionId: string, now = Date.now()): ActiveSession | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return null;
  const idHash = sha256(sessionId);
  const row = db.prepare('SELECT id_hash, user_id, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = ?').get(idHash) as
    SessionRow | undefined;
  if (!row) return null;
  const user = findUserById(db, row.user_id);
  if (row.expires_at <= now || now - row.last_seen_at >= SESSION_IDLE_MS || !user || user.disabledAt !== null) {
    db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
    return null;
  }
  if (now - row.last_seen_at >= TOUCH_EVERY_MS) db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(now, idHash);
  return { user: publicUser(user), idHash, createdAt: row.created_at, expiresAt: row.expires_at, csrfToken: csrfTokenFor(sessionId) };
}

/** Ends every session of a user (disabled, or a new password). */
export function endSessionsOf(db: Db, userId: number): void {
  db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
}

export function deleteSession(db: Db, sessionId: string): void {
  db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(sha256(sessionId));
}
