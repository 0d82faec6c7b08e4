import { fork, type ChildProcess } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { createToken } from '../src/accounts/tokens.js';
import { createUser } from '../src/accounts/users.js';
import { loadConfig } from '../src/config.js';
import { lockHolder } from '../src/db/locks.js';
import { Aurgate } from '../src/compose.js';
import { createLogger } from '../src/log.js';
import { listPendingRevisions } from '../src/quarantine/revisions.js';
import type { SyncPlacement } from '../src/scheduler/sync-runner.js';
import { listRuns, type SyncRunRecord } from '../src/sync/runs.js';
import { allowAll, benchReviewer } from './approve.js';
import { memoryOf, progress } from './processes.js';
import { fmtMs, type Report } from './report.js';
import { percentiles, sampleClients, sampleIdle, type LoopDelay, type Percentiles, type Samples } from './serving-probes.js';
import type { BenchSettings } from './settings.js';
import { checkSummary } from './sync.js';
import { startUpstream } from './upstream.js';

const SERVER = fileURLToPath(new URL('./serving-server.ts', import.meta.url));
/** Approved and served before the measurement: what the RPC requests and clones ask for. */
const SERVED = 16;

type Placement = SyncPlacement;

interface Measured {
  idle: Samples[];
  sync: Samples;
  syncMs: number;
  workerPeakBytes: number | null;
  serverPeakBytes: number | null;
}

/** A data dir with SERVED packages approved and served, the others allowlisted but never synced. */
async function prepare(env: Record<string, string>, served: readonly string[], synced: readonly string[]): Promise<string> {
  const app = new Aurgate(loadConfig(env), createLogger('warn', { process: 'bench' }));
  try {
    allowAll(app, served);
    checkSummary(await app.sync({ trigger: 'cli' }), { fetched: served.length, newRevisions: served.length }, 'the set-up sync');
    const by = await benchReviewer(app);
    for (const revision of listPendingRevisions(app.db)) await app.approve({ pkgbase: revision.pkgbase, commit: revision.commit, by });
    allowAll(app, synced);
    const admin = await createUser(app.db, { name: 'bench-admin', role: 'admin', password: 'bench password, long enough' }, 'bench');
    return createToken(app.db, admin, { name: 'bench', scopes: ['review'] }).token;
  } finally {
    app.close();
  }
}

/** The server process; its first message is its URL. */
async function startServing(placement: Placement, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(SERVER, [placement], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env, AURGATE_PORT: '0' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // aurgate's host is not its clients' machine: its own session, so the clients' work (the probe,
    // the git clones) is not charged to its scheduling group (see startUpstream's `remote`).
    detached: true,
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the bench server exited early (code ${code})`)));
  });
  return { child, url };
}

/**
 * Polls the database (read-only, not through the server under test) until the admin-started run
 * is finished, noting the peak memory of the process that holds the sync lock (the worker).
 */
async function syncFinished(database: string, serverPid: number): Promise<{ run: SyncRunRecord; workerPeakBytes: number | null }> {
  const db = new BetterSqlite3(database, { readonly: true, fileMustExist: true });
  let workerPeakBytes: number | null = null;
  try {
    for (;;) {
      const owner = lockHolder(db, 'sync');
      const memory = owner && owner.pid !== serverPid ? memoryOf(owner.pid) : null;
      if (memory) workerPeakBytes = Math.max(workerPeakBytes ?? 0, memory.peakBytes);
      const run = listRuns(db, 1)[0];
      if (run && run.trigger === 'admin' && run.status !== 'running') return { run, workerPeakBytes };
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    db.close();
  }
}

async function stopServing(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/** A promise settled later from another one (here: "the sync is finished", once it was asked for). */
function deferred<T>(): { promise: Promise<T>; settle: (from: Promise<T>) => void } {
  let settle: (from: Promise<T>) => void = () => undefined;
  const promise = new Promise<T>((resolve, reject) => (settle = (from) => void from.then(resolve, reject)));
  return { promise, settle };
}

/**
 * One server: clients sampled while idle, then during the sync (the probes start before the sync
 * is asked for, so the worker's start-up counts), then idle again; the two idle spans make one
 * baseline, so a change in the machine's other load over the minutes of the sync weighs on both sides.
 */
async function measure(
  placement: Placement,
  env: Record<string, string>,
  token: string,
  served: readonly string[],
  synced: number,
  idleMs: number,
  root: string,
): Promise<Measured> {
  const server = await startServing(placement, env);
  try {
    const dir = path.join(root, `clones-${placement}`);
    await sampleIdle(server, served, dir, 1000); // warm-up
    const before = await sampleIdle(server, served, dir, idleMs);
    progress(
      `serving (${placement}): idle RPC p99 ${fmtMs(percentiles(before.rpcMs).p99)}, clone p99 ${fmtMs(percentiles(before.cloneMs).p99)}; starting the sync of ${synced} packages`,
    );
    const finished = deferred<Awaited<ReturnType<typeof syncFinished>>>();
    const during = sampleClients(server, served, dir, finished.promise);
    const started = performance.now();
    const response = await fetch(`${server.url}/admin/api/sync`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    if (response.status !== 202)
      finished.settle(Promise.reject(new Error(`POST /admin/api/sync answered ${response.status}: ${await response.text()}`)));
    else finished.settle(syncFinished(path.join(env['AURGATE_DATA_DIR'] ?? '', 'aurgate.db'), server.child.pid ?? 0));
    const sync = await during;
    const { run, workerPeakBytes } = await finished.promise;
    const syncMs = performance.now() - started;
    if (run.status !== 'ok' || run.fetched !== synced || run.newRevisions !== synced)
      throw new Error(`the sync under measurement did not do the expected work: ${JSON.stringify({ ...run, errors: run.errors.slice(0, 3) })}`);
    progress(`serving (${placement}): sync of ${synced} packages done in ${fmtMs(syncMs)}; sampling the idle server again`);
    const after = await sampleIdle(server, served, dir, idleMs);
    const serverPeakBytes = memoryOf(server.child.pid ?? 0)?.peakBytes ?? null;
    return { idle: [before, after], sync, syncMs, workerPeakBytes, serverPeakBytes };
  } finally {
    await stopServing(server.child);
  }
}

const line = (p: Percentiles): string => `p50 ${fmtMs(p.p50)}, p99 ${fmtMs(p.p99)}, max ${fmtMs(p.max)} (${p.count})`;
const mb = (bytes: number | null): string => (bytes === null ? '?' : `${(bytes / 2 ** 20).toFixed(0)} MB`);

/** Clients' figures: idle (both spans pooled) and during the sync. */
function figures(m: Measured): { idle: { rpc: Percentiles; clone: Percentiles }; sync: { rpc: Percentiles; clone: Percentiles } } {
  return {
    idle: { rpc: percentiles(m.idle.flatMap((s) => s.rpcMs)), clone: percentiles(m.idle.flatMap((s) => s.cloneMs)) },
    sync: { rpc: percentiles(m.sync.rpcMs), clone: percentiles(m.sync.cloneMs) },
  };
}

function describe(label: string, m: Measured, report: Report): void {
  const f = figures(m);
  const errors = m.sync.rpcErrors + m.idle.reduce((sum, s) => sum + s.rpcErrors, 0);
  report.note(`${label}: RPC idle / during the sync`, `${line(f.idle.rpc)} / ${line(f.sync.rpc)}${errors > 0 ? `; ${errors} failed requests` : ''}`);
  report.note(`${label}: clone idle / during the sync`, `${line(f.idle.clone)} / ${line(f.sync.clone)}`);
  const loop = (l: LoopDelay): string => `p99 ${fmtMs(l.p99Ms)}, max ${fmtMs(l.maxMs)}`;
  report.note(
    `${label}: server event-loop delay idle before / during the sync / idle after`,
    [m.idle[0], m.sync, m.idle[1]].map((s) => (s ? loop(s.loop) : '?')).join(' / '),
  );
  const worker = m.workerPeakBytes === null ? '' : `, worker peak RSS ${mb(m.workerPeakBytes)}`;
  report.note(`${label}: sync and memory`, `sync ${fmtMs(m.syncMs)}; server peak RSS ${mb(m.serverPeakBytes)}${worker}`);
}

/**
 * Benchmark 5: what clients of `aurgate serve` notice of an initial sync of N packages that the
 * same server runs (started through the admin API): RPC p99 (a request due every 5 ms, timed from
 * when it was due) and clone p99 (one clone after another) during the sync, against both when idle,
 * right before and after in the same server. Then the same with the sync on the server's own event
 * loop (the behaviour before the sync worker), on a copy of the same data dir. The upstream stand-in
 * runs as a remote one would weigh (see startUpstream's `remote`).
 */
export async function benchServing(root: string, settings: BenchSettings, report: Report): Promise<void> {
  const upstream = await startUpstream(path.join(root, 'upstream'), SERVED + settings.packages, settings.commits, { remote: true });
  try {
    const served = upstream.packages.slice(0, SERVED).map((pkg) => pkg.pkgbase);
    const synced = upstream.packages.slice(SERVED).map((pkg) => pkg.pkgbase);
    const envFor = (placement: Placement): Record<string, string> => ({
      AURGATE_DATA_DIR: path.join(root, `data-${placement}`),
      AURGATE_UPSTREAM_URL: upstream.url,
      AURGATE_LOG_LEVEL: 'warn',
      AURGATE_REQUIRED_APPROVALS: '1',
      AURGATE_FULL_CHECK_HOURS: '24',
      ...(process.env['AURGATE_SYNC_CONCURRENCY'] ? { AURGATE_SYNC_CONCURRENCY: process.env['AURGATE_SYNC_CONCURRENCY'] } : {}),
    });
    progress(`serving: set-up: ${SERVED} packages served, ${synced.length} allowlisted and not yet synced`);
    const token = await prepare(envFor('worker'), served, synced);
    await cp(path.join(root, 'data-worker'), path.join(root, 'data-in-process'), { recursive: true });
    const measureIn = (placement: Placement): Promise<Measured> =>
      measure(placement, envFor(placement), token, served, synced.length, settings.servingIdleMs, root);

    const worker = await measureIn('worker');
    describe('sync in a worker process', worker, report);
    const f = figures(worker);
    const title = (what: string): string => `${what} p99 during an initial sync of ${synced.length} in the same serve`;
    report.time('serving.rpc.p99', title('RPC'), f.sync.rpc.p99, f.idle.rpc.p99, 'idle RPC p99, same run', 2);
    report.time('serving.clone.p99', title('clone'), f.sync.clone.p99, f.idle.clone.p99, 'idle clone p99, same run', 2);

    const inProcess = await measureIn('in-process');
    describe('sync in the server process (before the worker)', inProcess, report);
    const old = figures(inProcess);
    const ratio = (x: { idle: { rpc: Percentiles; clone: Percentiles }; sync: { rpc: Percentiles; clone: Percentiles } }, key: 'rpc' | 'clone') =>
      `${(x.sync[key].p99 / x.idle[key].p99).toFixed(2)}×`;
    report.note(
      'p99 during the sync ÷ idle p99: worker vs in-process',
      `RPC ${ratio(f, 'rpc')} vs ${ratio(old, 'rpc')}; clone ${ratio(f, 'clone')} vs ${ratio(old, 'clone')}; sync took ${fmtMs(worker.syncMs)} vs ${fmtMs(inProcess.syncMs)}`,
    );
  } finally {
    await upstream.stop();
  }
}
