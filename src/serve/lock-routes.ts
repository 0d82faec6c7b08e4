import { Hono } from 'hono';
import { errorReplyFor } from '../error-mapping.js';
import { parseLockFormat, renderLock } from '../pin/format.js';
import { createLock, type LockDeps } from '../app/lock.js';

/**
 * `GET /api/v1/lock?pkg=a&pkg=b` (or `pkg=a,b`), optionally `&format=dockerfile|dockerfile-portable|git`. Answers what
 * `aurgate lock` prints; errors are JSON `{ "error": … }` with the domain error's status, so a build
 * script sees which name is not served.
 */
export function lockRoutes(deps: LockDeps): Hono {
  const app = new Hono();
  app.get('/api/v1/lock', async (c) => {
    try {
      const format = parseLockFormat(c.req.query('format'));
      const lock = await createLock(deps, c.req.queries('pkg') ?? []);
      // generatedAt changes on every call and the served head may move: never cache a lock.
      c.header('Cache-Control', 'no-store');
      if (format === 'json') return c.json(lock);
      return c.text(renderLock(lock, format));
    } catch (error) {
      const reply = errorReplyFor(error);
      // Internal errors go on to the app's handler, which logs them.
      if (reply.internal) throw error;
      return c.json({ error: reply.message }, reply.status);
    }
  });
  return app;
}
