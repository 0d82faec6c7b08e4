import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import type { Db } from '../../db/open.js';
import { Forbidden, Unauthenticated } from '../../errors.js';
import { DEVICE_COOKIE_MAX_AGE_MS } from '../../accounts/device-cookies.js';
import { SSO_FLOW_MAX_AGE_MS } from '../../accounts/sso-flow.js';
import type { Principal } from './principal.js';
import { safeEqual } from '../../accounts/secrets.js';
import { resolveSession, SESSION_ABSOLUTE_MS } from '../../accounts/sessions.js';
import { resolveToken } from '../../accounts/tokens.js';

export type AdminEnv = { Variables: { principal: Principal | null } };

export const API_PREFIX = '/admin/api/';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE = /^(POST|PUT|PATCH|DELETE)$/;

/**
 * Cookie settings. With an https public URL the cookies get the `__Host-` prefix, which makes the
 * browser insist on Secure, Path=/ and no Domain, so no sibling host can plant or read them.
 */
export class CookiePolicy {
  constructor(readonly secure: boolean) {}

  get session(): string {
    return this.secure ? '__Host-aurgate_session' : 'aurgate_session';
  }

  get login(): string {
    return this.secure ? '__Host-aurgate_login' : 'aurgate_login';
  }

  get device(): string {
    return this.secure ? '__Host-aurgate_device' : 'aurgate_device';
  }

  get ssoFlow(): string {
    return this.secure ? '__Host-aurgate_sso' : 'aurgate_sso';
  }

  setSession(c: Context, id: string): void {
    setCookie(c, this.session, id, { httpOnly: true, sameSite: 'Lax', secure: this.secure, path: '/', maxAge: SESSION_ABSOLUTE_MS / 1000 });
  }

  clearSession(c: Context): void {
    deleteCookie(c, this.session, { path: '/', secure: this.secure });
  }

  /** Marks this browser as known to the user who just signed in (sign-in throttling); only the sign-in form reads it. */
  setDevice(c: Context, value: string): void {
    setCookie(c, this.device, value, { httpOnly: true, sameSite: 'Strict', secure: this.secure, path: '/', maxAge: DEVICE_COOKIE_MAX_AGE_MS / 1000 });
  }

  /**
   * The single sign-on in flight (sealed, accounts/sso-flow.ts). SameSite=Lax, not Strict: the
   * provider's redirect back is a navigation from another site, which must carry it.
   */
  setSsoFlow(c: Context, value: string): void {
    setCookie(c, this.ssoFlow, value, { httpOnly: true, sameSite: 'Lax', secure: this.secure, path: '/', maxAge: SSO_FLOW_MAX_AGE_MS / 1000 });
  }

  clearSsoFlow(c: Context): void {
    deleteCookie(c, this.ssoFlow, { path: '/', secure: this.secure });
  }

  /** The login form's own token (double-submit): there is no session yet to tie a token to. */
  setLogin(c: Context, value: string): void {
    setCookie(c, this.login, value, { httpOnly: true, sameSite: 'Strict', secure: this.secure, path: '/', maxAge: 3600 });
  }
}

export function isApiPath(path: string): boolean {
  return path.startsWith(API_PREFIX);
}

/**
 * Finds the principal: a bearer token on API paths (and then never the cookie, so a token request
 * cannot borrow a browser session), else the session cookie. A bad token is refused outright.
 */
export function identify(db: Db, cookies: CookiePolicy): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined && isApiPath(c.req.path)) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const resolved = match?.[1] ? resolveToken(db, match[1]) : null;
      if (!resolved) throw new Unauthenticated('invalid, expired or revoked API token');
      c.set('principal', { user: resolved.user, via: 'token', scopes: resolved.token.scopes, csrfToken: null });
      return next();
    }
    const sessionId = getCookie(c, cookies.session);
    const session = sessionId ? resolveSession(db, sessionId) : null;
    if (sessionId && !session) cookies.clearSession(c);
    c.set('principal', session ? { user: session.user, via: 'session', scopes: null, csrfToken: session.csrfToken } : null);
    return next();
  };
}

/**
 * First CSRF layer, hono's csrf middleware: a state-changing form request must come from our own
 * origin (Origin or Sec-Fetch-Site). The public URL counts as ours besides the request's own origin,
 * since a TLS-terminating proxy makes the two differ. Token requests carry no ambient credentials,
 * so they skip it.
 */
export function originCheck(publicUrl: string): MiddlewareHandler<AdminEnv> {
  const publicOrigin = new URL(publicUrl).origin;
  const check = csrf({ origin: (origin, c) => origin === publicOrigin || origin === new URL(c.req.url).origin });
  return async (c, next) => (c.get('principal')?.via === 'token' ? next() : check(c, next));
}

export function requireSignedIn(): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    if (c.get('principal')) return next();
    if (isApiPath(c.req.path)) throw new Unauthenticated('sign in or send an API token (Authorization: Bearer …)');
    const back = c.req.method === 'GET' ? `?next=${encodeURIComponent(c.req.path + (new URL(c.req.url).search || ''))}` : '';
    return c.redirect(`/admin/login${back}`, 303);
  };
}

/**
 * Second CSRF layer: the session's synchronizer token, in the form field or the X-CSRF-Token header,
 * on every state-changing request of a browser session. Works without JavaScript (hidden field).
 */
export function requireCsrfToken(): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!UNSAFE.test(c.req.method) || principal?.via !== 'session' || !principal.csrfToken) return next();
    let sent = c.req.header(CSRF_HEADER);
    if (sent === undefined && /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c.req.header('content-type') ?? '')) {
      // Always { all: true }: hono caches the first parse, and the routes read repeated fields.
      const value = (await c.req.parseBody({ all: true }))[CSRF_FIELD];
      sent = typeof value === 'string' ? value : undefined;
    }
    if (!sent || !safeEqual(sent, principal.csrfToken)) throw new Forbidden('missing or wrong CSRF token: reload the page and try again');
    return next();
  };
}
