import type { Aurgate } from '../compose.js';
import { CookiePolicy } from './auth/http.js';
import { LoginThrottle } from '../accounts/throttle.js';
import { AdminActions } from './actions.js';
import { DependencyResolver } from '../app/dependencies.js';
import { ReviewService } from '../app/review.js';
import { SsoSignIn, ssoSettingsOf } from '../app/sso.js';
import { SyncRunner, syncLauncher, type SyncPlacement } from '../scheduler/sync-runner.js';

/** Everything the admin routes use, built once per server. */
export interface AdminServices {
  app: Aurgate;
  reviews: ReviewService;
  dependencies: DependencyResolver;
  syncRunner: SyncRunner;
  actions: AdminActions;
  throttle: LoginThrottle;
  cookies: CookiePolicy;
  /** Single sign-on, when AURGATE_OIDC_ISSUER is set. */
  sso: SsoSignIn | null;
}

/** `syncIn`: where the server's syncs run (a worker process unless a test or the bench's baseline asks otherwise). */
export function createAdminServices(app: Aurgate, syncIn: SyncPlacement = 'worker'): AdminServices {
  const dependencies = new DependencyResolver(app);
  const syncRunner = new SyncRunner({ sync: syncLauncher(app, syncIn), logger: app.logger });
  return {
    app,
    reviews: app.reviews,
    dependencies,
    syncRunner,
    actions: new AdminActions(app, syncRunner),
    throttle: new LoginThrottle(app.db),
    cookies: new CookiePolicy(app.config.publicUrl.startsWith('https://')),
    sso: ssoOf(app),
  };
}

function ssoOf(app: Aurgate): SsoSignIn | null {
  const settings = ssoSettingsOf(app.config);
  return settings ? new SsoSignIn(settings, app.db) : null;
}
