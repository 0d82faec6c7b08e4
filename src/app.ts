import { Hono } from 'hono';
import type { Context, MiddlewareHandler } from 'hono';
import { AurgateError, Busy, Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated } from './errors.js';
import type { Logger } from './log.js';

export interface AppRouters {
  logger: Logger;
  /** Routers mounted at the root, in order. */
  routers: Hono[];
  ready: () => boolean;
  /**
   * Routers answered before any middleware: the AUR RPC and package lists are served from caches by
   * the thousand per second, and request ids, log lines and timers would cost more than the answer.
   */
  fastRouters?: Hono[];
  /** Runs around every other request, health endpoints included (request ids, logging, timing). */
  middleware?: MiddlewareHandler[];
}

export function statusFor(error: unknown): 400 | 401 | 403 | 404 | 409 | 503 | 500 {
  if (error instanceof InvalidInput) return 400;
  if (error instanceof Unauthenticated) return 401;
  if (error instanceof Forbidden) return 403;
  if (error instanceof NotFound) return 404;
  if (error instanceof Conflict) return 409;
  if (error instanceof Busy) return 503;
  return 500;
}

/**
 * The HTTP application: health endpoints plus the mounted routers. Domain errors are mapped to HTTP
 * statuses here, once; anything else is a 500 that is logged and never shows its details.
 */
export function createApp({ logger, routers, fastRouters = [], ready, middleware = [] }: AppRouters): Hono {
  const app = new Hono();
  for (const router of fastRouters) app.route('/', router);
  for (const handler of middleware) app.use(handler);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => (ready() ? c.json({ status: 'ready' }) : c.json({ status: 'starting' }, 503)));
  for (const router of routers) app.route('/', router);
  app.notFound((c) => c.text('not found\n', 404));
  app.onError((error, c: Context) => {
    const status = statusFor(error);
    if (status === 500) {
      logger.error({ err: error, path: c.req.path }, 'request failed');
      return c.text('internal error\n', 500);
    }
    return c.text(`${error instanceof AurgateError ? error.message : 'error'}\n`, status);
  });
  return app;
}
