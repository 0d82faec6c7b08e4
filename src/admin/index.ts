import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { Aurgate } from '../compose.js';
import { adminApi } from './api/admin-api.js';
import { reviewApi } from './api/review-api.js';
import { identify, originCheck, requireCsrfToken, requireSignedIn, type AdminEnv } from './auth/http.js';
import { accountRoutes } from './routes/account-routes.js';
import { assetRoutes } from './routes/assets.js';
import { adminErrorHandler } from './routes/errors.js';
import { packageRoutes } from './routes/package-routes.js';
import { policyRoutes } from './routes/policy-routes.js';
import { IOC_IMPORT_PATH, iocRoutes } from './routes/ioc-routes.js';
import { reviewRoutes } from './routes/review-routes.js';
import { sessionRoutes, signOutRoute } from './routes/session-routes.js';
import { ssoRoutes } from './routes/sso-routes.js';
import type { SyncPlacement } from '../scheduler/sync-runner.js';
import { createAdminServices, type AdminServices } from './services.js';

export type { AdminServices } from './services.js';

export interface Admin {
  /** Mount at the root: every route lives under /admin. */
  router: Hono;
  services: AdminServices;
}

/**
 * The admin is mounted at the root next to the AUR-facing routes, so every middleware is scoped to
 * this pattern (which also matches `/admin` itself) and never touches a git or RPC request.
 */
const ADMIN_PATHS = '/admin/*';
/** A form or JSON body of the admin: a batch approval of 500 entries is about 50 KB. Over it: 413. */
const MAX_ADMIN_BODY_BYTES = 256 * 1024;

/** Admin pages are personal and change with every decision: never cached by a browser or proxy. */
const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
};

/**
 * The web admin and its JSON API. Order matters: headers for everything, public stylesheets, then the
 * principal, the Origin check, sign-in (public), the signed-in requirement, the synchronizer token,
 * and only then the routes that read or change anything.
 */
export function createAdmin(app: Aurgate, syncIn?: SyncPlacement): Admin {
  const services = createAdminServices(app, syncIn);
  const secure = services.cookies.secure;
  const router = new Hono<AdminEnv>();
  router.use(
    ADMIN_PATHS,
    secureHeaders({
      // The admin runs no script at all. Not even 'self': same-origin JSONP (/rpc?callback=…) is served
      // as JavaScript, so 'self' would let injected markup run code through it.
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      strictTransportSecurity: secure ? 'max-age=31536000' : false,
      referrerPolicy: 'same-origin',
      crossOriginResourcePolicy: 'same-origin',
    }),
    noStore,
  );
  router.route('/', assetRoutes());
  // Every body is bounded before anything reads it, the public sign-in form included; an IOC list
  // pasted into its form has a larger bound of its own (routes/ioc-routes.tsx).
  // Connection: close, since the rest of the body may still be on its way: the socket is not reused.
  const bounded = bodyLimit({
    maxSize: MAX_ADMIN_BODY_BYTES,
    onError: (c) => c.text(`the request body is larger than ${MAX_ADMIN_BODY_BYTES} bytes\n`, 413, { Connection: 'close' }),
  });
  router.use(ADMIN_PATHS, (c, next) => (c.req.path === IOC_IMPORT_PATH ? next() : bounded(c, next)));
  router.use(ADMIN_PATHS, identify(app.db, services.cookies), originCheck(app.config.publicUrl));
  router.route('/', sessionRoutes(services));
  router.route('/', ssoRoutes(services));
  router.use(ADMIN_PATHS, requireSignedIn(), requireCsrfToken());
  router.route('/', signOutRoute(services));
  router.route('/', reviewApi(services));
  router.route('/', adminApi(services));
  router.route('/', reviewRoutes(services));
  router.route('/', packageRoutes(services));
  router.route('/', accountRoutes(services));
  router.route('/', policyRoutes(services));
  router.route('/', iocRoutes(services));
  router.onError(adminErrorHandler(app.logger));
  // createApp mounts plain Hono routers; the admin's typed context variables stay internal to it.
  return { router: router as unknown as Hono, services };
}
