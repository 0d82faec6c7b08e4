import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Aurgate } from '../src/compose.js';
import { forEachConcurrently } from '../src/sync/pool.js';
import type { SyncSummary } from '../src/sync/runs.js';
import { median, progress, runGit, timed } from './processes.js';
import type { Report } from './report.js';
import { addTally, countSpawns, describeSpawns, emptyTally } from './spawn-counter.js';
import type { BenchUpstream } from './upstream.js';

/** Prints a progress line every tenth of the work. */
function tenths(label: string, total: number): () => void {
  let done = 0;
  const step = Math.max(1, Math.ceil(total / 10));
  return () => {
    done += 1;
    if (done % step === 0 || done === total) progress(`${label}: ${done}/${total}`);
  };
}

export function checkSummary(summary: SyncSummary, expect: { fetched: number; newRevisions: number }, what: string): void {
  if (summary.failed > 0 || summary.fetched !== expect.fetched || summary.newRevisions !== expect.newRevisions) {
    const firstError = summary.errors[0] ? `; first error: ${summary.errors[0].pkgbase}: ${summary.errors[0].error}` : '';
    throw new Error(
      `${what} did not do the expected work: ${JSON.stringify({ ...summary, errors: summary.errors.length })}, expected ${JSON.stringify(expect)}${firstError}`,
    );
  }
}

/**
 * Benchmark 1: (a) initial sync of N allowlisted packages vs `git clone --mirror` of the same N URLs,
 * (b) a sync where nothing changed vs `git fetch` in N existing mirrors. Both baselines run through the
 * same pool helper (src/sync/pool.ts) with aurgate's syncConcurrency, against the same upstream.
 * (a) runs in interleaved chunks (`Aurgate.sync({ only })` per chunk) and compares the sums.
 */
export async function benchSync(root: string, app: Aurgate, upstream: BenchUpstream, chunks: number, report: Report): Promise<void> {
  const { packages } = upstream;
  const n = packages.length;
  const concurrency = app.config.syncConcurrency;
  const url = (pkgbase: string): string => `${upstream.url}/${pkgbase}.git`;
  progress(`sync: ${n} packages allowlisted; concurrency ${concurrency} for aurgate and baselines`);

  // Warms the upstream server, git's binaries and the page cache so neither side pays for them.
  const warm = path.join(root, 'warm-up');
  await forEachConcurrently(packages.slice(0, concurrency), concurrency, (pkg) =>
    runGit(['clone', '--mirror', '--quiet', url(pkg.pkgbase), path.join(warm, pkg.pkgbase)], root).then(() => undefined),
  );
  await rm(warm, { recursive: true, force: true });

  const mirrors = path.join(root, 'baseline-mirrors');
  await mkdir(mirrors, { recursive: true });
  // Other work on a shared machine comes and goes over minutes; interleaving baseline and aurgate in
  // chunks spreads that noise over both sides instead of letting it land on one.
  const size = Math.ceil(n / chunks);
  const chunkList = Array.from({ length: Math.ceil(n / size) }, (_, i) => packages.slice(i * size, (i + 1) * size));
  const clonesTick = tenths('  baseline clones', n);
  const syncTick = tenths('  aurgate sync', n);
  const spawns = emptyTally();
  let cloneMs = 0;
  let syncMs = 0;
  for (const [index, chunk] of chunkList.entries()) {
    progress(`sync (a) chunk ${index + 1}/${chunkList.length}: git clone --mirror × ${chunk.length}, then aurgate sync of the same ${chunk.length}`);
    cloneMs += (
      await timed(() =>
        forEachConcurrently(chunk, concurrency, async (pkg) => {
          await runGit(['clone', '--mirror', '--quiet', url(pkg.pkgbase), path.join(mirrors, `${pkg.pkgbase}.git`)], root);
          clonesTick();
        }),
      )
    ).ms;
    const only = chunkList.length === 1 ? undefined : chunk.map((pkg) => pkg.pkgbase);
    const run = await countSpawns(() => timed(() => app.sync({ trigger: 'cli', only, onProgress: syncTick })));
    checkSummary(run.value.value, { fetched: chunk.length, newRevisions: chunk.length }, 'the initial sync');
    syncMs += run.value.ms;
    addTally(spawns, run.spawns);
  }
  report.note('processes aurgate starts per package in an initial sync', describeSpawns(spawns, n));
  report.note('bench process RSS after the initial sync (spawn cost grows with it)', `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
  report.time('sync.initial', `initial sync, N=${n}`, syncMs, cloneMs, 'clone --mirror loop', 1.3);

  progress(`sync (b) baseline: git fetch in ${n} mirrors`);
  const fetchTick = tenths('  baseline fetches', n);
  const fetchLoop = await timed(() =>
    forEachConcurrently(packages, concurrency, async (pkg) => {
      await runGit(['fetch', '--quiet'], path.join(mirrors, `${pkg.pkgbase}.git`));
      fetchTick();
    }),
  );

  // A no-op sync takes a fraction of a second, so one run is noisy: take the median of three.
  const noOpRuns: number[] = [];
  let noOpSpawns = emptyTally();
  for (let run = 1; run <= 3; run += 1) {
    const result = await countSpawns(() => timed(() => app.sync({ trigger: 'cli' })));
    checkSummary(result.value.value, { fetched: 0, newRevisions: 0 }, 'a no-op sync');
    noOpRuns.push(result.value.ms);
    noOpSpawns = result.spawns;
  }
  progress(`sync (b) aurgate: no-op sync runs ${noOpRuns.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  report.note('processes aurgate starts in a no-op sync', describeSpawns(noOpSpawns, n));
  report.time('sync.noop', `no-op sync, N=${n}`, median(noOpRuns), fetchLoop.ms, 'git fetch loop', 1 / 20);
}
