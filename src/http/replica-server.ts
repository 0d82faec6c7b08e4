import type { AurgateReplica } from '../compose-replica.js';
import { listRoutes } from '../serve/lists/index.js';
import { rpcService } from '../serve/rpc/index.js';
import { publicPageCsp } from '../serve/security-headers.js';
import { createApp } from './create-app.js';
import { Metrics, metricsRoutes } from './metrics.js';
import { replicaMetrics } from './replica-metrics.js';
import { requestLogging } from './request-log.js';
import { clientRouters, closeServer, InFlight, listen, type ClientSurface } from './client-surface.js';
import type { RunningServer } from './server.js';

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
  // A primary's client routes, answering from the replica's verified records and source cache.
  const surface: ClientSurface = {
    config,
    logger,
    db,
    catalog,
    snapshots,
    log: replica.log,
    blobs: replica.blobs,
    approvedRevision: (pkgbase, commit) => catalog.approvedRevision(pkgbase, commit),
    isApproved: (pkgbase, commit) => catalog.approvedRevision(pkgbase, commit) !== null,
    inFlight,
    metrics,
  };
  const http = createApp({
    logger,
    ready: () => {
      const status = replica.follower.status();
      return serving && status.state !== 'halted' && status.verifiedEntries > 0;
    },
    readiness: () => ({ replica: replica.follower.status() }),
    fastRouters: [rpc.routes, listRoutes(catalog)],
    middleware: [...requestLogging(logger, config.trustedProxies), metrics.middleware(), publicPageCsp()],
    routers: [metricsRoutes(metrics, config.metricsToken), ...clientRouters(surface)],
  });
  const { server, port, url } = await listen(http, rpc, metrics, config, options.port);
  replica.follower.start();
  serving = true;
  logger.info({ url, publicUrl: config.publicUrl, replicaOf: replica.remote.server, origin: replica.remote.origin }, 'aurgate serving');
  return {
    url,
    port,
    syncIdle: () => Promise.resolve(),
    close: async (graceMs = 30_000) => {
      serving = false;
      await closeServer(server, Promise.all([inFlight.idle(graceMs), replica.follower.stop()]));
    },
  };
}
