import type { Aurgate } from '../context.js';
import type { Notifier } from '../notify/webhook.js';
import { CookiePolicy } from './auth/http.js';
import { LoginThrottle } from './auth/throttle.js';
import { AdminActions } from './model/actions.js';
import { DependencyResolver } from './model/dependencies.js';
import { ReviewService } from './model/review.js';
import { SyncRunner } from './model/sync-runner.js';

/** Everything the admin routes use, built once per server. */
export interface AdminServices {
  app: Aurgate;
  reviews: ReviewService;
  dependencies: DependencyResolver;
  syncRunner: SyncRunner;
  actions: AdminActions;
  throttle: LoginThrottle;
  cookies: CookiePolicy;
}

export function createAdminServices(app: Aurgate, notifier: Notifier): AdminServices {
  const reviews = new ReviewService(app);
  const dependencies = new DependencyResolver(app);
  const syncRunner = new SyncRunner({ app, notifier, assess: (revision) => reviews.flags(revision) });
  return {
    app,
    reviews,
    dependencies,
    syncRunner,
    actions: new AdminActions(app, syncRunner, dependencies),
    throttle: new LoginThrottle(app.db),
    cookies: new CookiePolicy(app.config.publicUrl.startsWith('https://')),
  };
}
