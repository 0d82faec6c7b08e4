import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../db/open.js';
import { safeEqual } from './secrets.js';

/**
 * Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser that
 * signed in as a user gets a cookie that proves it, and sign-in throttling treats it as a known
 * source for that user. The cookie holds a random id, the time it was issued and an HMAC over both
 * and the user name, keyed with a secret that never leaves the server; the name itself is not in
 * the cookie, so the cookie says nothing about whom it belongs to.
 */
export const DEVICE_COOKIE_MAX_AGE_MS = 180 * 24 * 3_600_000;
const FORMAT = /^v1\.([A-Za-z0-9_-]{22})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{43})$/;
const SECRET_NAME = 'device-cookie';

function signature(secret: Buffer, user: string, id: string, issuedAt: string): string {
  return createHmac('sha256', secret).update(`aurgate device v1|${user}|${id}|${issuedAt}`).digest('base64url');
}

/** A new cookie value for `user` (lower-case name), issued at `now`. */
export function issueDeviceCookie(secret: Buffer, user: string, now: number): string {
  const id = randomBytes(16).toString('base64url');
  const issuedAt = now.toString(36);
  return `v1.${id}.${issuedAt}.${signature(secret, user, id, issuedAt)}`;
}

/** The device id of `value` if it is a genuine, unexpired cookie issued to `user`; else null. */
export function verifyDeviceCookie(secret: Buffer, value: string | undefined, user: string, now: number): string | null {
  const match = value === undefined ? null : FORMAT.exec(value);
  if (!match) return null;
  const [, id = '', issuedAt = '', sent = ''] = match;
  const age = now - Number.parseInt(issuedAt, 36);
  if (!(age >= 0 && age < DEVICE_COOKIE_MAX_AGE_MS)) return null;
  return safeEqual(sent, signature(secret, user, id, issuedAt)) ? id : null;
}

/**
 * The signing key, created by whichever process needs it first (see serverSecret). Deleting the row
 * from server_secrets invalidates every device cookie.
 */
export function deviceCookieSecret(db: Db): Buffer {
  return serverSecret(db, SECRET_NAME);
}

/**
 * A 32-byte server secret by name (device cookies; the single sign-on flow cookie), created by
 * whichever process needs it first (INSERT OR IGNORE, then read back, so all processes agree).
 */
export function serverSecret(db: Db, name: string): Buffer {
  db.prepare('INSERT OR IGNORE INTO server_secrets (name, value, created_at) VALUES (?, ?, ?)').run(
    name,
    randomBytes(32).toString('base64url'),
    Date.now(),
  );
  const row = db.prepare('SELECT value FROM server_secrets WHERE name = ?').get(name) as { value: string };
  return Buffer.from(row.value, 'base64url');
}
