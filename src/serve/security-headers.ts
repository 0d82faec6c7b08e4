import type { MiddlewareHandler } from 'hono';
import { PUBLIC_PAGE_CSP } from './pages/layout.js';

/**
 * Gives every HTML page that does not bring its own policy (the admin does) the public pages'
 * Content-Security-Policy, so a page added later cannot be forgotten. Runs after the route.
 */
export function publicPageCsp(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    if (!headers.get('content-type')?.startsWith('text/html') || headers.has('content-security-policy')) return;
    try {
      headers.set('Content-Security-Policy', PUBLIC_PAGE_CSP);
    } catch {
      // A response with immutable headers (one passed on from fetch) is copied first.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set('Content-Security-Policy', PUBLIC_PAGE_CSP);
    }
  };
}
