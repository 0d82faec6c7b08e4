import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The sign-in in flight between "Sign in with …" and the provider's redirect back: the state, nonce
 * and PKCE verifier this browser must come back with, and where to go afterwards. It travels in a
 * short-lived HttpOnly cookie, sealed with AES-256-GCM under a key only the server holds: the browser
 * can neither read the verifier nor change anything, and the server keeps no state per attempt (which
 * an anonymous client could otherwise grow). Node's cipher, not a JWT library: nothing here needs
 * more than one fixed algorithm, and a fixed one leaves no algorithm to negotiate.
 */
export interface SsoFlow {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** The admin page to open after signing in (already checked by the route). */
  next: string;
  issuedAt: number;
}

/** Ten minutes: time to type a password and pass a second factor at the provider, not much more. */
export const SSO_FLOW_MAX_AGE_MS = 10 * 60_000;
const VERSION = 'v1';
const AAD = Buffer.from('aurgate sso flow v1');
/** Far above a real flow (about 300 bytes sealed); anything longer is refused before decrypting. */
const MAX_SEALED_CHARS = 2048;
const TOKEN = /^[A-Za-z0-9_~.-]{16,128}$/;

export function sealFlow(key: Buffer, flow: SsoFlow): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(JSON.stringify(flow), 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

/** The flow in a cookie, or null when it is missing, altered, sealed under another key or older than ten minutes. */
export function openFlow(key: Buffer, sealed: string | undefined, now: number): SsoFlow | null {
  if (!sealed || sealed.length > MAX_SEALED_CHARS || !sealed.startsWith(`${VERSION}.`)) return null;
  const raw = Buffer.from(sealed.slice(VERSION.length + 1), 'base64url');
  if (raw.length < 12 + 16 + 2) return null;
  let text: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    text = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
  const flow = parseFlow(text);
  if (!flow) return null;
  const age = now - flow.issuedAt;
  return age >= 0 && age < SSO_FLOW_MAX_AGE_MS ? flow : null;
}

function parseFlow(text: string): SsoFlow | null {
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object') return null;
  const { state, nonce, codeVerifier, next, issuedAt } = value as Record<string, unknown>;
  const tokens = [state, nonce, codeVerifier].every((entry) => typeof entry === 'string' && TOKEN.test(entry));
  if (!tokens || typeof next !== 'string' || typeof issuedAt !== 'number') return null;
  return { state: state as string, nonce: nonce as string, codeVerifier: codeVerifier as string, next, issuedAt };
}
