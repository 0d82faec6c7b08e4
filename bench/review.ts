import type { Assessment } from '../src/app/assess.js';
import { reviewQueue } from '../src/app/overview.js';
import { ReviewService } from '../src/app/review.js';
import { syncWithNotifications } from '../src/app/sync.js';
import type { Aurgate } from '../src/compose.js';
import type { Principal } from '../src/admin/auth/principal.js';
import { QueuePage } from '../src/admin/views/queue.js';
import { listPendingRevisions } from '../src/quarantine/revisions.js';
import { forEachConcurrently } from '../src/sync/pool.js';
import { median, progress, timed } from './processes.js';
import type { Report } from './report.js';
import { checkSummary } from './sync.js';
import type { BenchUpstream } from './upstream.js';
import { pushVersion } from './upstream-repos.js';

/**
 * Benchmark 5, the reviewer's view at scale:
 * (a) a sync of N routine updates with every new revision classified and assessed (the class recorded
 *     and audited, the flags over both trees and the intermediate commits), against the same sync with
 *     assessment off, interleaved in chunks over the same packages;
 * (b) the queue page (data and HTML) with N pending revisions, against the same page without the
 *     class, the condensed change and the sort (the queue before classification), both from warm
 *     caches; the cold page (every revision assessed on first view) is a note.
 */
export async function benchReview(
  app: Aurgate,
  upstream: BenchUpstream,
  settings: { commits: number; count: number; chunks: number },
  report: Report,
): Promise<void> {
  const { commits, chunks } = settings;
  const packages = upstream.packages.slice(0, settings.count);
  const n = packages.length;
  const heads = new Map(packages.map((pkg) => [pkg.pkgbase, pkg.head]));
  // A week back, so no update carries the young-revision flag (as in a weekly review).
  const at = Math.floor(Date.now() / 1000) - 7 * 86_400;
  let round = 0;
  const bump = async (chunk: typeof packages): Promise<void> => {
    round += 1;
    await forEachConcurrently(chunk, 16, async (pkg) => {
      const index = upstream.packages.indexOf(pkg);
      const head = await pushVersion(upstream.reposDir, index, heads.get(pkg.pkgbase) ?? pkg.head, `2.0.${round}`, at + round, commits - 1);
      heads.set(pkg.pkgbase, head);
    });
  };
  const noAssessment = (): Promise<Assessment> =>
    Promise.resolve({ flags: [], classification: null, base: null, intermediate: { total: 0, analysed: 0 } });
  const sync = (only: string[], assess: boolean) => {
    const { db, config, rpc, mirror, logger, notifier, reviews } = app;
    const deps = {
      db,
      config,
      rpc,
      mirror,
      logger,
      notifier,
      assess: assess ? (r: Parameters<ReviewService['assessment']>[0]) => reviews.assessment(r) : noAssessment,
    };
    return syncWithNotifications(deps, { trigger: 'cli', only, full: true });
  };

  const only = new Set(packages.map((pkg) => pkg.pkgbase));
  const size = Math.ceil(n / chunks);
  let offMs = 0;
  let onMs = 0;
  for (let start = 0, index = 1; start < n; start += size, index += 1) {
    const chunk = packages.slice(start, start + size);
    const names = chunk.map((pkg) => pkg.pkgbase);
    progress(`review (a) chunk ${index}: sync of ${chunk.length} updates without assessment, then with it`);
    await bump(chunk);
    const off = await timed(() => sync(names, false));
    checkSummary(off.value, { fetched: chunk.length, newRevisions: chunk.length }, 'the sync without assessment');
    offMs += off.ms;
    await bump(chunk);
    const on = await timed(() => sync(names, true));
    checkSummary(on.value, { fetched: chunk.length, newRevisions: chunk.length }, 'the sync with assessment');
    onMs += on.ms;
  }
  const pending = listPendingRevisions(app.db).filter((revision) => only.has(revision.pkgbase));
  const routine = pending.filter((revision) => revision.classification?.class === 'routine').length;
  report.note('classified routine after the bench updates', `${routine} of ${pending.length}`);
  report.time('review.sync', `sync of N=${n} updates, classified and assessed`, onMs, offMs, 'the same sync without assessment', 1.5);

  // A reviewer's session: the page then shows the batch column and form, as reviewers see it.
  const principal: Principal = {
    user: { id: 0, name: 'bench', role: 'reviewer' } as Principal['user'],
    via: 'session',
    scopes: null,
    csrfToken: 'bench',
  };
  const cold = new ReviewService(app);
  const coldRun = await timed(() => reviewQueue(app, cold, 'risk'));
  report.note(`queue data with ${pending.length} pending, cold (each revision assessed)`, `${coldRun.ms.toFixed(0)} ms`);

  const render = async (withClasses: boolean): Promise<number> => {
    const entries = await reviewQueue(app, cold, withClasses ? 'risk' : 'age');
    const shown = withClasses ? entries : entries.map((entry) => ({ ...entry, classification: null, batchable: false }));
    return String(QueuePage({ principal, entries: shown, sort: withClasses ? 'risk' : 'age' })).length;
  };
  // One unmeasured render of each first, so neither side pays for compiling the code the other warmed.
  await render(false);
  await render(true);
  const newRuns: number[] = [];
  const oldRuns: number[] = [];
  for (let run = 0; run < 5; run += 1) {
    oldRuns.push((await timed(() => render(false))).ms);
    newRuns.push((await timed(() => render(true))).ms);
  }
  report.time('review.queue', `queue page with ${pending.length} pending (warm)`, median(newRuns), median(oldRuns), 'the page without classes', 1.5);
}
