import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { errorReplyFor } from '../../error-mapping.js';
import type { Logger } from '../../log.js';
import { isApiPath, type AdminEnv } from '../auth/http.js';
import { ErrorPage } from '../views/layout.js';

/**
 * Domain errors become HTTP answers here, once for the whole admin: JSON `{error: {code, message}}`
 * on the API, an error page elsewhere. Statuses and codes come from error-mapping.ts; unexpected errors
 * are logged and shown without details.
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
    const { status, code, internal, ...reply } = errorReplyFor(error);
    if (internal) logger.error({ err: error, path: c.req.path }, 'admin request failed');
    const message = internal ? 'internal error (logged on the server)' : reply.message;
    if (isApiPath(c.req.path)) {
      // A 401 names the scheme that would work (RFC 9110).
      if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="aurgate"');
      return c.json({ error: { code, message } }, status);
    }
    return c.html(<ErrorPage principal={c.get('principal') ?? null} status={status} message={message} />, status);
  };
}
