import type { ScheduledTask } from 'node-cron';
import { closeRunsWithoutHolder } from '../app/sync.js';
import { describeError } from '../errors.js';
import { createAdmin } from '../admin/index.js';
import { createApp } from './create-app.js';
import { clientRouters, closeServer, InFlight, listen, type ClientSurface } from './client-surface.js';
import type { Aurgate } from '../compose.js';
import { Metrics, metricsRoutes } from './metrics.js';
import { requestLogging } from './request-log.js';
import { approvedOnPrimary } from '../app/source-serving.js';
import { listRoutes } from '../serve/lists/index.js';
import { rpcService } from '../serve/rpc/index.js';
import { publicPageCsp } from '../serve/security-headers.js';
import { DbCatalog } from '../store/catalog.js';
import { reconcileAll } from '../app/publish.js';
import { startScheduler } from '../scheduler/cron.js';
import type { SyncPlacement } from '../scheduler/sync-runner.js';

/** How often the server looks for source fetches queued by other processes (CLI approvals, the sync worker). */
const SOURCE_POLL_MS = 60_000;

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Stops accepting and stops the scheduler; in-flight clones and a running sync get graceMs to
   * finish, then the sync is stopped (it is crash-safe).
   */
  close(graceMs?: number): Promise<void>;
  /** Resolves once the sync this server is running (scheduled or started from the admin) is done. */
  syncIdle(): Promise<void>;
}

/**
 * Starts `aurgate serve`: repairs the served repos from the database first (the database is the source
 * of truth after a crash), then serves the AUR-facing routes and, if asked, runs the sync schedule.
 */
export async function startServer(app: Aurgate, options: { schedule: boolean; port?: number; syncIn?: SyncPlacement }): Promise<RunningServer> {
  const { config, logger, db } = app;
  let ready = false;
  // A log that no longer matches what it signed is never served: every verifier would be handed a fork.
  const integrity = app.trust.verifyIntegrity();
  app.trust.publish();
  logger.info({ origin: app.trust.origin, entries: integrity.size, checkpoints: integrity.checkpoints }, 'approval log verified');
  const repair = await reconcileAll(db, app.served, logger);
  if (repair.repaired > 0 || repair.failed > 0) logger.warn(repair, 'start-up repair of served repos');
  const abandoned = closeRunsWithoutHolder(db);
  if (abandoned > 0) logger.warn({ runs: abandoned }, 'sync runs of a process that is gone recorded as interrupted');
  const rebased = await app.rebaseStalePending();
  if (rebased > 0) logger.warn({ rebased }, 'pending revisions re-based off revoked commits');
  // The package repository exists from the start (an empty signed database, its key at
  // /repo/aurgate/key.asc), so clients can be set up before the first build is added.
  await app
    .pacmanRepo()
    .catch((error: unknown) => logger.warn({ err: describeError(error) }, 'the pacman repository could not be opened: /repo/ serves nothing'));
  // Source fetches a previous process queued or left running go on here, in the background.
  app.sources.resume();
  // Builds queued before (or by another process: a CLI approval) run here, one at a time.
  app.builds.resume();
  const sourcePoll = setInterval(() => (app.sources.kick(), app.builds.kick()), SOURCE_POLL_MS).unref();
  const catalog = new DbCatalog(db, logger);
  const { snapshots } = app;
  const inFlight = new InFlight();
  const metrics = new Metrics(db);
  // aurutils POSTs up to 5000 names at once; a generous body limit keeps that working.
  const rpc = rpcService(catalog, { maxBodyBytes: 1024 * 1024, logger });
  // Syncs run in a worker process by default, so neither their work nor their git processes hold up clients.
  const admin = createAdmin(app, options.syncIn ?? 'worker');
  const surface: ClientSurface = {
    config,
    logger,
    db,
    catalog,
    snapshots,
    log: app.trust,
    blobs: app.blobs,
    isApproved: (pkgbase, commit) => approvedOnPrimary(db, pkgbase, commit),
    inFlight,
    metrics,
  };
  const http = createApp({
    logger,
    ready: () => ready,
    fastRouters: [rpc.routes, listRoutes(catalog)],
    middleware: [...requestLogging(logger, config.trustedProxies), metrics.middleware(), publicPageCsp()],
    routers: [metricsRoutes(metrics, config.metricsToken), admin.router, ...clientRouters(surface)],
  });
  const { server, port, url } = await listen(http, rpc, metrics, config, options.port);
  let task: ScheduledTask | undefined;
  if (options.schedule) task = startScheduler(config.syncSchedule, () => admin.services.syncRunner.run({ trigger: 'schedule' }), logger);
  ready = true;
  logger.info({ url, publicUrl: config.publicUrl, schedule: options.schedule ? config.syncSchedule : null }, 'aurgate serving');
  return {
    url,
    port,
    syncIdle: () => admin.services.syncRunner.idle(),
    close: async (graceMs = 30_000) => {
      ready = false;
      clearInterval(sourcePoll);
      app.sources.stop();
      app.builds.stop();
      await task?.stop();
      await closeServer(server, Promise.all([inFlight.idle(graceMs), admin.services.syncRunner.stop(graceMs)]));
    },
  };
}
