import type { MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import type { Logger } from '../log.js';
import { clientIp } from './client-address.js';
import { routeLabel } from './route-label.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** hono accepts `[A-Za-z0-9_=-]` ids up to this length; anything else is replaced by a fresh UUID. */
const MAX_REQUEST_ID = 128;

/**
 * A request id per request (the caller's `X-Request-Id` when it is sane, so a proxy's id carries
 * through, else a UUID), echoed in the response, and one JSON log line per request with the client's
 * address (X-Forwarded-For only from `trustedProxies`), method, route group, path (never the query: it
 * may carry tokens), status and duration. Probes and scrapes
 * log at debug so a health check every few seconds does not drown the log.
 */
export function requestLogging(logger: Logger, trustedProxies: readonly string[] = []): MiddlewareHandler[] {
  const log: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    await next();
    const reqId = c.get('requestId');
    // Routes that stream (git, snapshots) return a bare Response, which hono does not merge c.header() into.
    if (!c.res.headers.has(REQUEST_ID_HEADER)) {
      try {
        c.res.headers.set(REQUEST_ID_HEADER, reqId);
      } catch {
        c.res = new Response(c.res.body, c.res);
        c.res.headers.set(REQUEST_ID_HEADER, reqId);
      }
    }
    const route = routeLabel(c.req.path);
    const status = c.res.status;
    const entry = {
      reqId,
      ip: clientIp(c, trustedProxies),
      method: c.req.method,
      route,
      path: c.req.path,
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    if (status >= 500) logger.error({ ...entry, err: c.error }, 'request failed');
    else if (route === 'health') logger.debug(entry, 'request');
    else logger.info(entry, 'request');
  };
  return [requestId({ headerName: REQUEST_ID_HEADER, limitLength: MAX_REQUEST_ID }), log];
}
