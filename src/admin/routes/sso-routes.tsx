import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { errorReplyFor } from '../../error-mapping.js';
import { IdentityProviderError, SsoRejected } from '../../errors.js';
import { clientIp } from '../../http/client-address.js';
import type { AdminEnv } from '../auth/http.js';
import type { AdminServices } from '../services.js';
import { safeNext, type AdminContext } from './request.js';
import { renderLogin, type LoginStatus } from './session-routes.js';

/**
 * Single sign-on: "Sign in with …" starts the flow (a GET link: the admin's CSP lets forms post only
 * to aurgate, and starting a sign-in changes nothing), the provider redirects back to the callback.
 * Failures are shown on the sign-in page with the status error-mapping.ts gives them.
 */
export function ssoRoutes(services: AdminServices): Hono<AdminEnv> {
  const { app, cookies, sso } = services;
  const router = new Hono<AdminEnv>();
  if (!sso) return router;

  const refused = (c: AdminContext, error: unknown, next: string) => {
    if (!(error instanceof SsoRejected || error instanceof IdentityProviderError)) throw error;
    const { status, message } = errorReplyFor(error);
    app.logger.warn({ err: error, ip: clientIp(c, app.config.trustedProxies) }, 'single sign-on refused');
    return renderLogin(services, c, { error: `Single sign-on failed: ${message}`, next, status: status as LoginStatus });
  };

  router.get('/admin/sso/start', async (c) => {
    const next = safeNext(c.req.query('next'));
    try {
      const { location, flowCookie } = await sso.begin(next);
      cookies.setSsoFlow(c, flowCookie);
      return c.redirect(location, 303);
    } catch (error) {
      return refused(c, error, next);
    }
  });

  router.get('/admin/sso/callback', async (c) => {
    const flowCookie = getCookie(c, cookies.ssoFlow);
    // One flow, one callback: whatever happens next, this browser's flow is spent.
    cookies.clearSsoFlow(c);
    const ip = clientIp(c, app.config.trustedProxies);
    try {
      const result = await sso.complete(new URL(c.req.url).searchParams, flowCookie, { ip, userAgent: c.req.header('user-agent') ?? '' });
      if (!result.ok) {
        app.logger.warn({ user: result.user, ip, reason: result.reason }, 'single sign-on refused');
        const error =
          result.reason === 'no-role'
            ? `Your ${sso.settings.providerName} account has no role here (its ${sso.settings.rolesClaim} claim matches no entry of the role map). Ask an admin of ${sso.settings.providerName}.`
            : 'This account is disabled here. Ask an aurgate admin.';
        return renderLogin(services, c, { error, next: '/admin', status: 403 });
      }
      app.logger.info({ user: result.user.name, ip, created: result.created }, 'signed in with single sign-on');
      cookies.setSession(c, result.session.id);
      return c.redirect(result.next, 303);
    } catch (error) {
      return refused(c, error, '/admin');
    }
  });

  return router;
}
