import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { MiddlewareHandler } from 'hono';
import { countSignals } from '../sync/signal-store.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/open.js';
import { servingStats } from '../app/stats.js';
import { lastFinishedRunId, runsFinishedAfter } from '../sync/runs.js';
import { routeLabel } from './route-label.js';
import { blobTotals, sourceCounts } from '../sources/records.js';

/**
 * Prometheus metrics of one `aurgate serve` process, in a registry of its own (tests run several
 * servers in one process, and nothing else's metrics leak in). Request and clone counters count in
 * this process; everything about syncs and the review queue is read from the database at scrape
 * time, because syncs and decisions also happen in other processes.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'route' | 'status'>;
  private readonly httpDuration: Histogram<'route'>;
  private readonly gitClones: Counter;
  private readonly syncDuration: Histogram<'status'>;
  private readonly syncFailures: Counter<'status'>;
  private readonly gauges: Record<'lastSync' | 'lastFailed' | 'pending' | 'oldestPending' | 'served' | 'iocApproved', Gauge>;
  private readonly sourceGauges: Record<'bytes' | 'files' | 'failed', Gauge> & { jobs: Gauge<'state'> };
  private readonly requestCounts = new Map<string, number>();
  /** Sync runs up to this id were finished before this process started, or have been observed. */
  private observedRunId: number;

  constructor(private readonly db: Db) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const requestCounts = this.requestCounts;
    this.httpRequests = new Counter({
      name: 'aurgate_http_requests_total',
      help: 'HTTP requests by route group and status',
      labelNames: ['route', 'status'],
      registers,
      // Requests are counted in a plain Map on the hot path and handed to prom-client only when scraped.
      collect() {
        this.reset();
        for (const [key, count] of requestCounts) {
          const [route = 'other', status = '0'] = key.split(' ');
          this.inc({ route, status }, count);
        }
      },
    });
    this.httpDuration = new Histogram({
      name: 'aurgate_http_request_duration_seconds',
      help: 'Time until the response headers were ready, by route group (git and snapshot bodies stream on afterwards)',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.gitClones = new Counter({
      name: 'aurgate_git_clones_total',
      help: 'git clones and fetches served (one upload-pack advertisement each)',
      registers,
    });
    this.syncDuration = new Histogram({
      name: 'aurgate_sync_duration_seconds',
      help: 'Duration of sync runs that finished since this server started (any process), by final status',
      labelNames: ['status'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.syncFailures = new Counter({
      name: 'aurgate_sync_failures_total',
      help: 'Sync runs since this server started that did not end ok (partial, failed, interrupted)',
      labelNames: ['status'],
      registers,
    });
    const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
    this.gauges = {
      lastSync: gauge('aurgate_last_sync_timestamp_seconds', 'When the last sync run finished (any status), epoch seconds; 0 if none ever did'),
      lastFailed: gauge('aurgate_last_sync_failed_packages', 'Packages that failed in the last finished sync run'),
      pending: gauge('aurgate_pending_revisions', 'Revisions awaiting review (allowlisted packages)'),
      oldestPending: gauge('aurgate_oldest_pending_age_seconds', 'Age of the oldest revision awaiting review; 0 when none waits'),
      served: gauge('aurgate_served_packages', 'Allowlisted pkgbases with an approved revision being served'),
      iocApproved: gauge('aurgate_ioc_approved_hits', 'IOC hits ever found on approved revisions (each also sent a webhook alert)'),
    };
    this.sourceGauges = {
      bytes: gauge('aurgate_source_cache_bytes', 'Bytes of PKGBUILD sources in the source cache'),
      files: gauge('aurgate_source_cache_files', 'Files (distinct sha256) in the source cache'),
      failed: gauge('aurgate_source_fetch_failures', 'Sources whose last fetch failed (refused, unreachable, over a cap, checksum mismatch)'),
      jobs: new Gauge({ name: 'aurgate_source_jobs', help: 'Source fetch jobs by state', labelNames: ['state'], registers }),
    };
    this.observedRunId = lastFinishedRunId(db);
  }

  /** Counts one answered request under its route group (called for every request, so kept to a Map update). */
  countRequest(path: string, status: number): void {
    const key = `${routeLabel(path)} ${status}`;
    this.requestCounts.set(key, (this.requestCounts.get(key) ?? 0) + 1);
  }

  /** Times requests of the routes behind the middleware (the cached hot paths are counted, not timed). */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const started = performance.now();
      await next();
      this.httpDuration.observe({ route: routeLabel(c.req.path) }, (performance.now() - started) / 1000);
    };
  }

  /** The `onServed` hook of the git routes. */
  gitServed(kind: 'advertise' | 'upload-pack'): void {
    if (kind === 'advertise') this.gitClones.inc();
  }

  async render(now = Date.now()): Promise<string> {
    this.observeDatabase(now);
    return this.registry.metrics();
  }

  private observeDatabase(now: number): void {
    for (const run of runsFinishedAfter(this.db, this.observedRunId)) {
      this.syncDuration.observe({ status: run.status }, Math.max(0, run.finishedAt - run.startedAt) / 1000);
      if (run.status !== 'ok') this.syncFailures.inc({ status: run.status });
      this.observedRunId = run.id;
    }
    const stats = servingStats(this.db);
    this.gauges.lastSync.set(stats.lastRun ? stats.lastRun.finishedAt / 1000 : 0);
    this.gauges.lastFailed.set(stats.lastRun?.failed ?? 0);
    this.gauges.pending.set(stats.pendingRevisions);
    this.gauges.oldestPending.set(stats.oldestPendingAt === null ? 0 : Math.max(0, (now - stats.oldestPendingAt) / 1000));
    this.gauges.served.set(stats.servedPackages);
    this.gauges.iocApproved.set(countSignals(this.db, 'ioc-approved'));
    const cache = blobTotals(this.db);
    const counts = sourceCounts(this.db);
    this.sourceGauges.bytes.set(cache.bytes);
    this.sourceGauges.files.set(cache.count);
    this.sourceGauges.failed.set(counts.failedSources);
    for (const [state, count] of Object.entries(counts.jobs)) this.sourceGauges.jobs.set({ state }, count);
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `GET /metrics`; with a token configured, only `Authorization: Bearer <token>` may scrape. */
export function metricsRoutes(metrics: Metrics, token: string | undefined): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    if (token !== undefined && !sameSecret(c.req.header('Authorization') ?? '', `Bearer ${token}`)) {
      return c.text('aurgate: /metrics needs Authorization: Bearer <AURGATE_METRICS_TOKEN>\n', 401, { 'WWW-Authenticate': 'Bearer' });
    }
    return c.body(await metrics.render(), 200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
  });
  return app;
}
