import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { clientIp } from '../../http/client-address.js';
import type { AdminEnv } from '../auth/http.js';
import { safeEqual, randomSecret } from '../../accounts/secrets.js';
import { deleteSession } from '../../accounts/sessions.js';
import { signIn } from '../../app/sign-in.js';
import type { RuleName } from '../../accounts/throttle-rules.js';
import type { AdminServices } from '../services.js';
import { LoginPage } from '../views/login.js';
import { field, formOf, safeNext, type AdminContext } from './request.js';

/** What a throttled person is told: how long to wait, and for a lock on unknown sources, how to get in anyway. */
function lockedMessage(rule: RuleName, seconds: number): string {
  const wait = `Try again in ${formatWait(seconds)}`;
  switch (rule) {
    case 'address':
      return `Too many failed sign-ins from your network address. ${wait}.`;
    case 'user-unknown':
      return `Too many failed sign-ins for this user from browsers and addresses it has not signed in from. ${wait}, or use a browser you have signed in with before.`;
    default:
      return `Too many failed sign-ins for this user from here. ${wait}.`;
  }
}

function formatWait(seconds: number): string {
  if (seconds < 120) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

export type LoginStatus = 200 | 400 | 401 | 403 | 429 | 502;
export interface LoginOptions {
  error?: string | undefined;
  name?: string;
  next: string;
  status?: LoginStatus;
}

/** The sign-in page: the password form (unless turned off) and "Sign in with …" when single sign-on is set up. */
export function renderLogin(services: AdminServices, c: AdminContext, options: LoginOptions): Response | Promise<Response> {
  const token = randomSecret();
  services.cookies.setLogin(c, token);
  return c.html(
    <LoginPage
      loginToken={token}
      next={options.next}
      error={options.error}
      name={options.name}
      notice={c.req.query('notice')}
      sso={services.sso ? { providerName: services.sso.settings.providerName } : null}
      localSignIn={services.app.config.localSignIn}
    />,
    options.status ?? 200,
  );
}

/** Sign-in and sign-out. The only admin routes reachable without a session. */
export function sessionRoutes(services: AdminServices): Hono<AdminEnv> {
  const { app, cookies, throttle } = services;
  const router = new Hono<AdminEnv>();
  const loginPage = (c: AdminContext, options: LoginOptions) => renderLogin(services, c, options);

  router.get('/admin/login', (c) => {
    if (c.get('principal')) return c.redirect(safeNext(c.req.query('next')), 303);
    return loginPage(c, { next: safeNext(c.req.query('next')) });
  });

  router.post('/admin/login', async (c) => {
    if (!app.config.localSignIn) {
      return loginPage(c, { error: 'Password sign-in is turned off here: use single sign-on.', next: '/admin', status: 403 });
    }
    const form = await formOf(c);
    const name = field(form, 'name').trim().toLowerCase();
    const next = safeNext(field(form, 'next'));
    // Login CSRF: the form's token must match the cookie set with the form (double submit).
    const expected = getCookie(c, cookies.login);
    if (!expected || !safeEqual(field(form, '_login'), expected)) {
      return loginPage(c, { error: 'The sign-in form expired. Please try again.', name, next, status: 403 });
    }
    const ip = clientIp(c, app.config.trustedProxies);
    const result = await signIn(app.db, throttle, {
      name,
      password: field(form, 'password'),
      ip,
      userAgent: c.req.header('user-agent') ?? '',
      deviceCookie: getCookie(c, cookies.device),
    });
    if (!result.ok) {
      if (result.reason === 'locked') {
        const seconds = Math.ceil(result.retryAfterMs / 1000);
        app.logger.warn({ user: name, ip, rule: result.rule }, 'sign-in refused: throttled');
        c.header('Retry-After', String(seconds));
        return loginPage(c, { error: lockedMessage(result.rule, seconds), name, next, status: 429 });
      }
      app.logger.info({ user: name, ip }, 'sign-in failed');
      return loginPage(c, { error: 'Wrong user name or password.', name, next, status: 400 });
    }
    app.logger.info({ user: result.user.name, ip }, 'signed in');
    cookies.setDevice(c, result.deviceCookie);
    cookies.setSession(c, result.session.id);
    return c.redirect(next, 303);
  });

  return router;
}

/** Sign-out is a POST behind the CSRF checks, so another site cannot sign a reviewer out. */
export function signOutRoute(services: AdminServices): Hono<AdminEnv> {
  const router = new Hono<AdminEnv>();
  router.post('/admin/logout', (c) => {
    const sessionId = getCookie(c, services.cookies.session);
    if (sessionId) deleteSession(services.app.db, sessionId);
    services.cookies.clearSession(c);
    return c.redirect('/admin/login?notice=signed-out', 303);
  });
  return router;
}
