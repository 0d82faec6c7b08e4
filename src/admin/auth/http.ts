import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import type { Db } from '../../db/open.js';
import { Forbidden } from '../../errors.js';
import type { Principal } from './principal.js';
import { safeEqual } from './secrets.js';
import { resolveSession, SESSION_ABSOLUTE_MS } from './sessions.js';
import { resolveToken } from './tokens.js';

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

  setSession(c: Context, id: string): void {
    setCookie(c, this.session, id, { httpOnly: true, sameSite: 'Lax', secure: this.secure, path: '/', maxAge: SESSION_ABSOLUTE_MS / 1000 });
  }

  clearSession(c: Context): void {
    deleteCookie(c, this.session, { path: '/', secure: this.secure });
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
 * The client's address. Behind a trusted reverse proxy (AURGATE_TRUSTED_PROXIES) every request comes
 * from the proxy, so the rightmost X-Forwarded-For entry that is not itself a trusted proxy is the
 * client; the header is believed only when the socket's peer is trusted, since anyone can send it.
 */
export function clientIp(c: Context, trustedProxies: readonly string[] = []): string {
  let peer: string;
  try {
    peer = getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Requests dispatched without a socket (app.request in tests) have no address.
    return 'unknown';
  }
  const trusted = proxyList(trustedProxies);
  if (!isTrusted(trusted, peer)) return peer;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (let index = forwarded.length - 1; index >= 0; index -= 1) {
    const hop = forwarded[index] ?? '';
    if (!isTrusted(trusted, hop)) return hop;
  }
  return peer;
}

const proxyLists = new WeakMap<readonly string[], BlockList>();

/** The configured proxies as a BlockList (addresses and CIDR subnets), built once per list. */
function proxyList(entries: readonly string[]): BlockList {
  let list = proxyLists.get(entries);
  if (!list) {
    list = new BlockList();
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(bits), family);
    }
    proxyLists.set(entries, list);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  // IPv4 peers of a dual-stack socket arrive as ::ffff:a.b.c.d.
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(plain);
  return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}

function unauthenticated(c: Context, message: string): Response {
  return c.json({ error: { code: 'unauthenticated', message } }, 401, { 'WWW-Authenticate': 'Bearer realm="aurgate"' });
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
      if (!resolved) return unauthenticated(c, 'invalid, expired or revoked API token');
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
    if (isApiPath(c.req.path)) return unauthenticated(c, 'sign in or send an API token (Authorization: Bearer …)');
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
