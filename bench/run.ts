/**
 * `npm run bench`: aurgate's performance goals, each measured beside a baseline in the same run
 * (machines are noisy, so ratios are what is compared). Sizes come from AURGATE_BENCH_* variables
 * (see bench/settings.ts); a quick run: `AURGATE_BENCH_PACKAGES=50 AURGATE_BENCH_ONLY=sync,rpc,clones npm run bench`;
 * the hostile-load benchmark alone: `AURGATE_BENCH_ONLY=hostile npm run bench`; clients of a serve that
 * syncs: `AURGATE_BENCH_ONLY=serving npm run bench`; the reviewer's view (classify and assess a sync of
 * 500 updates, the queue page with 500 pending): `AURGATE_BENCH_ONLY=review npm run bench`; a primary and two
 * replicas (replication lag, load spread over replicas): `AURGATE_BENCH_ONLY=replica npm run bench`. A missed goal
 * is reported, not an exit code; a benchmark that could not run or whose work failed (a clone that
 * failed on either side) makes the run exit 1, since its figures mean nothing. Results: stdout table
 * and bench/results/latest.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { Aurgate } from '../src/compose.js';
import { createLogger } from '../src/log.js';
import { allowAll, approveAll } from './approve.js';
import { benchClones } from './clones.js';
import { benchHostile } from './hostile.js';
import { REPO_ROOT, progress } from './processes.js';
import { Report } from './report.js';
import { benchRpc } from './rpc.js';
import { benchReplica } from './replica.js';
import { benchReview } from './review.js';
import { benchServing } from './serving.js';
import { readSettings, SETTINGS_HELP } from './settings.js';
import { benchSync, checkSummary } from './sync.js';
import { startUpstream, type BenchUpstream } from './upstream.js';

const settings = readSettings();
const report = new Report();
const root = await mkdtemp(path.join(os.tmpdir(), 'aurgate-bench-'));
const gitVersion = execFileSync('git', ['--version'], { encoding: 'utf8' }).trim();
const meta = {
  date: new Date().toISOString(),
  node: process.version,
  git: gitVersion,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  settings: { ...settings, only: [...settings.only] },
};
progress(`aurgate benchmarks: ${settings.packages} packages, ${meta.cpus} cores, node ${meta.node}, ${gitVersion}; work dir ${root}`);
process.stdout.write(`sizes (env): ${SETTINGS_HELP}\n`);

// Only the concurrency is taken from the caller's environment: other AURGATE_* settings of the
// shell (a data dir, a config file) must not leak into a benchmark.
const env: Record<string, string> = {
  AURGATE_DATA_DIR: path.join(root, 'data'),
  AURGATE_LOG_LEVEL: 'warn',
  AURGATE_PORT: '0',
  AURGATE_REQUIRED_APPROVALS: '1',
  AURGATE_FULL_CHECK_HOURS: '24',
  ...(process.env['AURGATE_SYNC_CONCURRENCY'] ? { AURGATE_SYNC_CONCURRENCY: process.env['AURGATE_SYNC_CONCURRENCY'] } : {}),
};

let upstream: BenchUpstream | undefined;
let app: Aurgate | undefined;
let served = false;
try {
  // Benchmarks 1–3 share the set-up of N packages; with only `hostile` or `serving` selected it is skipped.
  if ([...settings.only].some((name) => name !== 'hostile' && name !== 'serving' && name !== 'replica')) {
    await mainBenchmarks().catch((error: unknown) => report.error(served ? 'clones' : 'sync', error));
  }
  if (settings.only.has('hostile')) {
    progress('── 4. hostile requests and snapshot builds ──');
    await mkdir(path.join(root, 'hostile'), { recursive: true });
    await benchHostile(path.join(root, 'hostile'), report).catch((error: unknown) => report.error('hostile', error));
  }
  if (settings.only.has('replica')) {
    progress('── 7. read replicas: replication lag, load spread over two replicas ──');
    await mkdir(path.join(root, 'replica'), { recursive: true });
    await benchReplica(path.join(root, 'replica'), settings, report).catch((error: unknown) => report.error('replica', error));
  }
  if (settings.only.has('serving')) {
    progress('── 5. serving during a sync in the same aurgate serve ──');
    await mkdir(path.join(root, 'serving'), { recursive: true });
    await benchServing(path.join(root, 'serving'), settings, report).catch((error: unknown) => report.error('serving', error));
  }
} finally {
  app?.close();
  await upstream?.stop();
  process.stdout.write(`\n${report.table()}\n`);
  if (report.notes.length > 0) process.stdout.write(`\n${report.notes.map((n) => `${n.label}: ${n.value}`).join('\n')}\n`);
  const file = path.join(REPO_ROOT, 'bench/results/latest.json');
  await report.writeJson(file, meta);
  process.stdout.write(`\nwritten: ${path.relative(process.cwd(), file)}${settings.keep ? `; kept ${root}` : ''}\n`);
  if (!settings.keep) await rm(root, { recursive: true, force: true, maxRetries: 5 });
}
process.exit(report.errors.length > 0 ? 1 : 0);

async function mainBenchmarks(): Promise<void> {
  upstream = await startUpstream(path.join(root, 'upstream'), settings.packages, settings.commits);
  env['AURGATE_UPSTREAM_URL'] = upstream.url;
  const config = loadConfig(env);
  app = new Aurgate(config, createLogger(config.logLevel, { process: 'bench' }));
  const names = upstream.packages.map((pkg) => pkg.pkgbase);
  allowAll(app, names);

  if (settings.only.has('sync')) {
    progress('── 1. sync ──');
    await benchSync(root, app, upstream, settings.syncChunks, report);
  } else {
    progress('set-up: initial sync (not measured: AURGATE_BENCH_ONLY)');
    checkSummary(await app.sync({ trigger: 'cli' }), { fetched: names.length, newRevisions: names.length }, 'the set-up sync');
  }
  if (settings.only.has('rpc') || settings.only.has('clones') || settings.only.has('review')) {
    progress('── approving every pending revision (set-up for 2, 3 and 5) ──');
    await approveAll(app, report);
  }
  if (settings.only.has('review')) {
    progress('── 5. review: classify and assess a sync, render the queue ──');
    const review = { commits: settings.commits, count: settings.reviewPackages, chunks: settings.syncChunks };
    await benchReview(app, upstream, review, report).catch((error: unknown) => report.error('review', error));
  }
  served = true;
  await upstream.stop();

  if (settings.only.has('rpc')) {
    progress('── 2. RPC ──');
    await benchRpc(app, root, names, settings, report).catch((error: unknown) => report.error('rpc', error));
  }
  app.close();
  app = undefined;

  if (settings.only.has('clones')) {
    progress('── 3. clones ──');
    // Spread over the package list so the clones are not all neighbours in the served directory.
    const stride = Math.max(1, Math.floor(names.length / settings.clones));
    const picked = Array.from({ length: settings.clones }, (_, i) => names[(i * stride) % names.length]!);
    await benchClones(root, config, env, [...new Set(picked)], settings.cloneRounds, settings.compiled, report);
  }
}
