import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: session ids, API tokens, the login form's token. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Session ids and tokens are 256-bit random values, so a fast hash is enough to store them: there is
 * nothing to brute-force, and a lookup by hash stays an indexed equality match.
 */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Keyed with the secret itself, so only a holder of the session cookie can compute the token. */
export function hmac(key: string, message: string): string {
  return createHmac('sha256', key).update(message).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
