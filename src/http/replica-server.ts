import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { AurgateReplica } from '../compose-replica.js';
import { lockRoutes } from '../serve/lock-routes.js';
import { trustRoutes } from '../serve/trust-routes.js';
import { sourceRoutes } from '../serve/source-routes.js';
import { cgitRoutes } from '../serve/cgit/routes.js';
import { gitRoutes } from '../serve/git/routes.js';
import { listRoutes } from '../serve/lists/index.js';
import { pageRoutes } from '../serve/pages/routes.js';
import { rpcService } from '../serve/rpc/index.js';
import { publicPageCsp } from '../serve/security-headers.js';
import { createApp } from './create-app.js';
import { Metrics, metricsRoutes } from './metrics.js';
import { replicaMetrics } from './replica-metrics.js';
import { requestLogging } from './request-log.js';
import { countingFetch, InFlight, withRpcCache, type RunningServer } from './server.js';

/**
 * `aurgate serve --replica-of`: every client endpoint of a primary (RPC, git, cgit, lists, pages,
 * snapshots, locks, attestations, the log) answered from the replica's own verified state, and the
 * follower that extends it. No admin, no sync, no scheduler: `/admin` is a 404 like any unknown path.
 * Ready once the replica holds a verified checkpoint; not ready (503, with the reason) while halted,
 * so a load balancer drains a replica that can no longer apply revocations.
 */
export async function startReplicaServer(replica: AurgateReplica, options: { port?: number } = {}): Promise<RunningServer> {
  const { config, logger, db, catalog, snapshots } = replica;
  let serving = false;
  const repair = await replica.repair();
  if (repair.repaired > 0 || repair.failed > 0) logger.warn(repair, 'start-up repair of served repos');
  const inFlight = new InFlight();
  const metrics = new Metrics(db);
  const hooks = replicaMetrics(metrics.registry, () => replica.follower.status());
  replica.follower.observe(hooks);
  replica.sources.observe(hooks);
  const rpc = rpcService(catalog, { maxBodyBytes: 1024 * 1024, logger });
  const http = createApp({
    logger,
    ready: () => {
      const status = replica.follower.status();
      return serving && status.state !== 'halted' && status.verifiedEntries > 0;
    },
    readiness: () => ({ replica: replica.follower.status() }),
    fastRouters: [rpc.routes, listRoutes(catalog)],
    middleware: [...requestLogging(logger, config.trustedProxies), metrics.middleware(), publicPageCsp()],
    routers: [
      metricsRoutes(metrics, config.metricsToken),
      lockRoutes({
        db,
        lookup: catalog,
        snapshots,
        publicUrl: config.publicUrl,
        attestations: replica.log,
        approvedRevision: (pkgbase, commit) => catalog.approvedRevision(pkgbase, commit),
      }),
      trustRoutes(replica.log),
      // The same routes as a primary's, answering from the replica's verified copy of the source cache.
      sourceRoutes({
        db,
        blobs: replica.blobs,
        publicUrl: config.publicUrl,
        logger,
        isApproved: (pkgbase, commit) => catalog.approvedRevision(pkgbase, commit) !== null,
      }),
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
  replica.follower.start();
  serving = true;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, publicUrl: config.publicUrl, replicaOf: replica.remote.server, origin: replica.remote.origin }, 'aurgate serving');
  return {
    url,
    port,
    syncIdle: () => Promise.resolve(),
    close: async (graceMs = 30_000) => {
      serving = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([inFlight.idle(graceMs), replica.follower.stop()]);
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    },
  };
}
