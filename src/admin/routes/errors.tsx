import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { statusFor } from '../../app.js';
import { AurgateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { isApiPath, type AdminEnv } from '../auth/http.js';
import { ErrorPage } from '../views/layout.js';

/**
 * Domain errors become HTTP answers here, once for the whole admin: JSON `{error: {code, message}}`
 * on the API, an error page elsewhere. Statuses come from the app-wide mapping; unexpected errors are
 * logged and shown without details.
 */
export function adminErrorHandler(logger: Logger) {
  return (error: Error, c: Context<AdminEnv>): Response | Promise<Response> => {
    if (error instanceof HTTPException) {
      // hono's csrf middleware: a cross-origin form post.
      const message = error.status === 403 ? 'cross-origin request refused' : error.message || 'request refused';
      return isApiPath(c.req.path)
        ? c.json({ error: { code: 'forbidden', message } }, error.status)
        : c.html(<ErrorPage principal={c.get('principal') ?? null} status={error.status} message={message} />, error.status);
    }
    const status = statusFor(error);
    if (status === 500) logger.error({ err: error, path: c.req.path }, 'admin request failed');
    const known = error instanceof AurgateError && status !== 500;
    const code = known ? error.code : 'internal_error';
    const message = known ? error.message : 'internal error (logged on the server)';
    if (isApiPath(c.req.path)) return c.json({ error: { code, message } }, status);
    return c.html(<ErrorPage principal={c.get('principal') ?? null} status={status} message={message} />, status);
  };
}
