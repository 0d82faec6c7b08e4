import { Hono } from 'hono';
import type { AdminEnv } from '../auth/http.js';
import { dashboard, reviewQueue } from '../../app/overview.js';
import type { AdminServices } from '../services.js';
import { DashboardPage } from '../views/dashboard.js';
import { parseDiffFormat } from '../views/diff.js';
import { FilePage } from '../views/file.js';
import { QueuePage } from '../views/queue.js';
import { ReviewPage } from '../views/review.js';
import { Conflict, InvalidInput } from '../../errors.js';
import { parseQueueSort } from '../../app/queue-sort.js';
import { approveBatch, parseBatchItem } from '../../app/batch-approve.js';
import { BatchResultPage, StaleDecisionPage } from '../views/decision-results.js';
import { field, fields, formOf, principalOf, requires, type AdminContext } from './request.js';

/** Dashboard, queue, the review page with its per-file view, and the two decisions. */
export function reviewRoutes(services: AdminServices): Hono<AdminEnv> {
  const { app, reviews, actions } = services;
  const router = new Hono<AdminEnv>();

  router.get('/admin', (c) => c.html(<DashboardPage principal={principalOf(c)} data={dashboard(app)} notice={c.req.query('notice')} />));

  router.get('/admin/queue', async (c) => {
    const sort = parseQueueSort(c.req.query('sort'));
    return c.html(
      <QueuePage principal={principalOf(c)} entries={await reviewQueue(app, reviews, sort)} sort={sort} notice={c.req.query('notice')} />,
    );
  });

  // Several routine updates at once, each entry `pkgbase:commit`: a stale one is refused on its own.
  router.post('/admin/queue/approve', requires('review', 'approving'), async (c) => {
    const form = await formOf(c);
    const principal = principalOf(c);
    const items = fields(form, 'approve').map(parseBatchItem);
    const note = field(form, 'comment');
    const outcomes = await approveBatch(app, reviews, items, (item) => actions.approve(principal, { ...item, note }));
    return c.html(<BatchResultPage principal={principal} outcomes={outcomes} />);
  });

  router.get('/admin/review/:pkgbase', async (c) => {
    const model = await reviews.review(c.req.param('pkgbase'));
    return c.html(
      <ReviewPage principal={principalOf(c)} model={model} format={parseDiffFormat(c.req.query('view'))} notice={c.req.query('notice')} />,
    );
  });

  router.get('/admin/review/:pkgbase/file', async (c) => {
    const view = await reviews.file(c.req.param('pkgbase'), c.req.query('rev') === 'base' ? 'base' : 'candidate', c.req.query('path') ?? '');
    return c.html(<FilePage principal={principalOf(c)} view={view} />);
  });

  router.post('/admin/review/:pkgbase/approve', requires('review', 'approving'), async (c) => {
    const form = await formOf(c);
    const readmit = fields(form, 'readmit');
    // Re-admitting revoked commits is never a side effect of a stray field: the form's confirmation is required.
    if (readmit.length > 0 && field(form, 'confirm') !== '1')
      throw new InvalidInput('confirm the re-admission: tick "I have read why they were revoked and re-admit them knowingly"');
    const request = { pkgbase: c.req.param('pkgbase'), commit: field(form, 'commit'), note: field(form, 'comment'), readmit };
    const result = await keptOnStale(c, 'approve', request, () => actions.approve(principalOf(c), request));
    if (result instanceof Response) return result;
    const pkgbase = result.revision.pkgbase;
    return c.redirect(result.approved ? `/admin/packages/${pkgbase}?notice=approved` : `/admin/review/${pkgbase}?notice=approval-recorded`, 303);
  });

  router.post('/admin/review/:pkgbase/reject', requires('review', 'rejecting'), async (c) => {
    const form = await formOf(c);
    const request = { pkgbase: c.req.param('pkgbase'), commit: field(form, 'commit'), note: field(form, 'reason') };
    const revision = await keptOnStale(c, 'reject', request, async () => actions.reject(principalOf(c), request));
    if (revision instanceof Response) return revision;
    return c.redirect(`/admin/packages/${revision.pkgbase}?notice=rejected`, 303);
  });

  /**
   * Runs a decision; when it is refused because the commit is no longer the pending one, answers 409
   * with a page that keeps what the reviewer typed and links the new candidate. Other refusals go to
   * the error handler as before.
   */
  async function keptOnStale<T>(
    c: AdminContext,
    decision: 'approve' | 'reject',
    request: { pkgbase: string; commit: string; note: string },
    run: () => Promise<T>,
  ): Promise<T | Response> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
      const pending = reviews.currentPending(request.pkgbase);
      const submitted = request.commit.trim().toLowerCase();
      if (submitted === '' || pending?.commit.startsWith(submitted)) throw error;
      return c.html(
        <StaleDecisionPage
          principal={principalOf(c)}
          pkgbase={request.pkgbase}
          decision={decision}
          submittedCommit={request.commit}
          pending={pending}
          text={request.note}
          message={error.message}
        />,
        409,
      );
    }
  }

  return router;
}
