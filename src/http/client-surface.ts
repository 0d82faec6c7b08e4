import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { ApprovedRevisionFacts, LockDeps } from '../app/lock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import type { Logger } from '../log.js';
import { cgitRoutes } from '../serve/cgit/routes.js';
import { gitRoutes } from '../serve/git/routes.js';
import { lockRoutes } from '../serve/lock-routes.js';
import { pageRoutes } from '../serve/pages/routes.js';
import { repoRoutes } from '../serve/repo-routes.js';
import type { RpcService } from '../serve/rpc/index.js';
import { sourceRoutes } from '../serve/source-routes.js';
import { trustRoutes } from '../serve/trust-routes.js';
import type { BlobStore } from '../sources/blob-store.js';
import type { Catalog, RevisionLookup, ServedLookup } from '../store/served-catalog.js';
import type { SnapshotStore } from '../store/snapshots.js';
import type { PublishedLog } from '../trust/published-log.js';
import type { Metrics } from './metrics.js';

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

/** What a primary and a replica both answer clients from: their catalog, served repos, log and source cache. */
export interface ClientSurface {
  config: Config;
  logger: Logger;
  db: Db;
  catalog: Catalog & ServedLookup & RevisionLookup;
  snapshots: SnapshotStore;
  /** The approval log: served at /log and naming each locked revision's attestation. */
  log: PublishedLog & NonNullable<LockDeps['attestations']>;
  blobs: BlobStore;
  /** Approved revisions as this server knows them (a replica: its verified records; a primary: its database). */
  approvedRevision?: (pkgbase: string, commit: string) => ApprovedRevisionFacts | null;
  isApproved: (pkgbase: string, commit: string) => boolean;
  inFlight: InFlight;
  metrics: Metrics;
}

/** The client-facing routers beyond RPC and lists (those are fast routers): locks, the log, sources, the pacman repository, pages, cgit, git. */
export function clientRouters(surface: ClientSurface): Hono[] {
  const { config, logger, db, catalog, snapshots, metrics } = surface;
  return [
    lockRoutes({
      db,
      lookup: catalog,
      snapshots,
      publicUrl: config.publicUrl,
      attestations: surface.log,
      ...(surface.approvedRevision ? { approvedRevision: surface.approvedRevision } : {}),
    }),
    trustRoutes(surface.log),
    sourceRoutes({ db, blobs: surface.blobs, publicUrl: config.publicUrl, logger, isApproved: surface.isApproved }),
    repoRoutes({ root: config.paths.repo }),
    pageRoutes({ catalog, lookup: catalog, publicUrl: config.publicUrl }),
    cgitRoutes({ lookup: catalog, servedRoot: config.paths.servedRepos, snapshots }),
    gitRoutes({
      lookup: catalog,
      servedRoot: config.paths.servedRepos,
      timeoutMs: config.cloneTimeoutMs,
      logger,
      inFlight: surface.inFlight,
      onServed: (_pkgbase, kind) => metrics.gitServed(kind),
    }),
  ];
}

export interface Listening {
  server: ServerType;
  port: number;
  url: string;
}

/** Listens on the configured host and port (or `port`), counting every answer and serving repeated RPC GETs from the cache. */
export function listen(http: Hono, rpc: RpcService, metrics: Metrics, config: Config, port?: number): Promise<Listening> {
  return new Promise((resolve) => {
    const server = serve(
      { fetch: countingFetch(http.fetch, metrics), hostname: config.host, port: port ?? config.port, createServer: withRpcCache(rpc, metrics) },
      () => {
        const bound = (server.address() as AddressInfo).port;
        const host = config.host.includes(':') ? `[${config.host}]` : config.host;
        resolve({ server, port: bound, url: `http://${host}:${bound}` });
      },
    );
  });
}

/** Stops accepting, waits for `drained` (clones, a sync, the follower), then drops idle connections; at most a second more for the rest. */
export async function closeServer(server: ServerType, drained: Promise<unknown>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await drained;
  if ('closeIdleConnections' in server) server.closeIdleConnections();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
}
