import { Hono } from 'hono';
import type { AdminEnv } from '../auth/http.js';
import { dashboard, reviewQueue } from '../../app/overview.js';
import type { AdminServices } from '../services.js';
import { DashboardPage } from '../views/dashboard.js';
import { parseDiffFormat } from '../views/diff.js';
import { FilePage } from '../views/file.js';
import { QueuePage } from '../views/queue.js';
import { ReviewPage } from '../views/review.js';
import { InvalidInput } from '../../errors.js';
import { field, fields, formOf, principalOf } from './request.js';

/** Dashboard, queue, the review page with its per-file view, and the two decisions. */
export function reviewRoutes(services: AdminServices): Hono<AdminEnv> {
  const { app, reviews, actions } = services;
  const router = new Hono<AdminEnv>();

  router.get('/admin', (c) => c.html(<DashboardPage principal={principalOf(c)} data={dashboard(app)} notice={c.req.query('notice')} />));

  router.get('/admin/queue', async (c) =>
    c.html(<QueuePage principal={principalOf(c)} entries={await reviewQueue(app, reviews)} notice={c.req.query('notice')} />),
  );

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

  router.post('/admin/review/:pkgbase/approve', async (c) => {
    const form = await formOf(c);
    const readmit = fields(form, 'readmit');
    // Re-admitting revoked commits is never a side effect of a stray field: the form's confirmation is required.
    if (readmit.length > 0 && field(form, 'confirm') !== '1')
      throw new InvalidInput('confirm the re-admission: tick "I have read why they were revoked and re-admit them knowingly"');
    const result = await actions.approve(principalOf(c), {
      pkgbase: c.req.param('pkgbase'),
      commit: field(form, 'commit'),
      note: field(form, 'comment'),
      readmit,
    });
    const pkgbase = result.revision.pkgbase;
    return c.redirect(result.approved ? `/admin/packages/${pkgbase}?notice=approved` : `/admin/review/${pkgbase}?notice=approval-recorded`, 303);
  });

  router.post('/admin/review/:pkgbase/reject', async (c) => {
    const form = await formOf(c);
    const revision = actions.reject(principalOf(c), { pkgbase: c.req.param('pkgbase'), commit: field(form, 'commit'), note: field(form, 'reason') });
    return c.redirect(`/admin/packages/${revision.pkgbase}?notice=rejected`, 303);
  });

  return router;
}
