import { Hono } from 'hono';
import type { Context, MiddlewareHandler } from 'hono';
import { errorReplyFor } from '../error-mapping.js';
import type { Logger } from '../log.js';

export interface AppRouters {
  logger: Logger;
  /** Routers mounted at the root, in order. */
  routers: Hono[];
  ready: () => boolean;
  /** Why the server is not ready, or facts about its readiness, added to `/readyz`'s JSON (a replica's state). */
  readiness?: () => Record<string, unknown>;
  /**
   * Routers answered before any middleware: the AUR RPC and package lists are served from caches by
   * the thousand per second, and request ids, log lines and timers would cost more than the answer.
   */
  fastRouters?: Hono[];
  /** Runs around every other request, health endpoints included (request ids, logging, timing). */
  middleware?: MiddlewareHandler[];
}

/**
 * The HTTP application: health endpoints plus the mounted routers. Errors no router answered get the
 * status error-mapping.ts gives them, as text; a 500 is logged and never shows its details.
 */
export function createApp({ logger, routers, fastRouters = [], ready, readiness, middleware = [] }: AppRouters): Hono {
  const app = new Hono();
  for (const router of fastRouters) app.route('/', router);
  for (const handler of middleware) app.use(handler);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const detail = readiness?.() ?? {};
    return ready() ? c.json({ status: 'ready', ...detail }) : c.json({ status: 'starting', ...detail }, 503);
  });
  for (const router of routers) app.route('/', router);
  app.notFound((c) => c.text('not found\n', 404));
  app.onError((error, c: Context) => {
    const reply = errorReplyFor(error);
    if (reply.internal) logger.error({ err: error, path: c.req.path }, 'request failed');
    return c.text(`${reply.message}\n`, reply.status);
  });
  return app;
}
