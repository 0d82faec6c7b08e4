import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { ScheduledTask } from 'node-cron';
import { createAdmin } from '../admin/index.js';
import { createApp } from './create-app.js';
import type { Aurgate } from '../compose.js';
import { Metrics, metricsRoutes } from './metrics.js';
import { requestLogging } from './request-log.js';
import { lockRoutes } from '../serve/lock-routes.js';
import { trustRoutes } from '../serve/trust-routes.js';
import { sourceRoutes } from '../serve/source-routes.js';
import { approvedOnPrimary } from '../app/source-serving.js';
import { cgitRoutes } from '../serve/cgit/routes.js';
import { gitRoutes } from '../serve/git/routes.js';
import { listRoutes } from '../serve/lists/index.js';
import { pageRoutes } from '../serve/pages/routes.js';
import { rpcService, type RpcService } from '../serve/rpc/index.js';
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

/** Counts git requests in flight so shutdown can wait for clones to finish. */
export class InFlight {
  count = 0;
  private waiters: Array<() => void> = [];
  enter(): void {
    this.count += 1;
  }
  leave(): void {
    this.count -= 1;
    if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
  }
  idle(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => (clearTimeout(timer), resolve()));
    });
  }
}

/**
 * The node server under hono: sends X-Content-Type-Options on every response, and answers a
 * repeated RPC GET straight from the RPC cache, before a request object is built. Helpers
 * send the same info queries over and over; this keeps them at a fraction of the cost of the full
 * stack (hand-written because it is five lines that no framework offers below its request objects).
 * Conditional requests and everything not yet cached take the normal route.
 */
export function withRpcCache(rpc: RpcService, metrics: Metrics): typeof createHttpServer {
  const answerFromCache = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' || !req.url?.startsWith('/rpc') || req.headers['if-none-match'] !== undefined) return false;
    const hit = rpc.cachedGet(req.url);
    if (hit === undefined) return false;
    res.writeHead(hit.status, hit.headers);
    res.end(hit.body);
    metrics.countRequest('/rpc', hit.status);
    return true;
  };
  const create = (options: object, listener: RequestListener) =>
    createHttpServer(options, (req, res) => {
      // Set on the node response before anything answers, so it is on every response: cached RPC
      // answers written here, hono's answers, and @hono/node-server's own error answers.
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (!answerFromCache(req, res)) void listener(req, res);
    });
  return create as unknown as typeof createHttpServer;
}

/**
 * Counts every answer by route group and status, the cached hot paths included, without turning a
 * synchronous answer into a promise (which would cost @hono/node-server its fast path). The server's
 * bindings (`env`: the node request and response) are handed on untouched: the client's address is
 * read from them, and without them every request looked like it came from nowhere.
 */
export function countingFetch<Env>(
  fetch: (request: Request, env: Env) => Response | Promise<Response>,
  metrics: Metrics,
): (request: Request, env: Env) => Response | Promise<Response> {
  return (request, env) => {
    const url = request.url;
    const start = url.indexOf('/', url.indexOf('//') + 2);
    const query = url.indexOf('?', start);
    const path = query === -1 ? url.slice(start) : url.slice(start, query);
    const answer = fetch(request, env);
    if (!(answer instanceof Promise)) {
      metrics.countRequest(path, answer.status);
      return answer;
    }
    return answer.then((response) => {
      metrics.countRequest(path, response.status);
      return response;
    });
  };
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
  const rebased = await app.rebaseStalePending();
  if (rebased > 0) logger.warn({ rebased }, 'pending revisions re-based off revoked commits');
  // Source fetches a previous process queued or left running go on here, in the background.
  app.sources.resume();
  const sourcePoll = setInterval(() => app.sources.kick(), SOURCE_POLL_MS).unref();
  const catalog = new DbCatalog(db, logger);
  const { snapshots } = app;
  const inFlight = new InFlight();
  const metrics = new Metrics(db);
  // aurutils POSTs up to 5000 names at once; a generous body limit keeps that working.
  const rpc = rpcService(catalog, { maxBodyBytes: 1024 * 1024, logger });
  // Syncs run in a worker process by default, so neither their work nor their git processes hold up clients.
  const admin = createAdmin(app, options.syncIn ?? 'worker');
  const http = createApp({
    logger,
    ready: () => ready,
    fastRouters: [rpc.routes, listRoutes(catalog)],
    middleware: [...requestLogging(logger, config.trustedProxies), metrics.middleware(), publicPageCsp()],
    routers: [
      metricsRoutes(metrics, config.metricsToken),
      lockRoutes({ db, lookup: catalog, snapshots, publicUrl: config.publicUrl, attestations: app.trust }),
      trustRoutes(app.trust),
      sourceRoutes({
        db,
        blobs: app.blobs,
        publicUrl: config.publicUrl,
        logger,
        isApproved: (pkgbase, commit) => approvedOnPrimary(db, pkgbase, commit),
      }),
      admin.router,
      pageRoutes({ catalog, lookup: catalog, publicUrl: config.publicUrl }),
      cgitRoutes({ lookup: catalog, servedRoot: config.paths.servedRepos, snapshots }),
      gitRoutes({
        lookup: catalog,
        servedRoot: config.paths.servedRepos,
        timeoutMs: config.cloneTimeoutMs,
        logger,
        inFlight,
        onServed: (_pkgbase, kind) => metrics.gitServed(kind),
      }),
    ],
  });
  const server: ServerType = await new Promise((resolve) => {
    const started = serve(
      {
        fetch: countingFetch(http.fetch, metrics),
        hostname: config.host,
        port: options.port ?? config.port,
        createServer: withRpcCache(rpc, metrics),
      },
      () => resolve(started),
    );
  });
  const port = (server.address() as AddressInfo).port;
  let task: ScheduledTask | undefined;
  if (options.schedule) task = startScheduler(config.syncSchedule, () => admin.services.syncRunner.run({ trigger: 'schedule' }), logger);
  ready = true;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, publicUrl: config.publicUrl, schedule: options.schedule ? config.syncSchedule : null }, 'aurgate serving');
  return {
    url,
    port,
    syncIdle: () => admin.services.syncRunner.idle(),
    close: async (graceMs = 30_000) => {
      ready = false;
      clearInterval(sourcePoll);
      app.sources.stop();
      await task?.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([inFlight.idle(graceMs), admin.services.syncRunner.stop(graceMs)]);
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    },
  };
}
