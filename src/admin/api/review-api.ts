import { Hono } from 'hono';
import type { AdminEnv } from '../auth/http.js';
import { assertCan } from '../auth/principal.js';
import { dashboard, packageSummaries, packageTimeline, reviewQueue } from '../../app/overview.js';
import { principalOf, requires } from '../routes/request.js';
import { parseQueueSort } from '../../app/queue-sort.js';
import type { AdminServices } from '../services.js';
import { decisionBody, jsonBody } from './body.js';
import { queueEntryJson, revisionJson, reviewJson } from './serialize.js';

/** JSON for reading the queue and packages and for the decisions (same use cases as the pages). */
export function reviewApi(services: AdminServices): Hono<AdminEnv> {
  const { app, reviews, actions } = services;
  const api = new Hono<AdminEnv>();

  // Every principal can read; the check is explicit so a future scope below "read" stays closed.
  api.use('/admin/api/*', async (c, next) => {
    assertCan(principalOf(c), 'read', 'reading');
    await next();
  });

  api.get('/admin/api/me', (c) => {
    const principal = principalOf(c);
    return c.json({ user: principal.user, via: principal.via, scopes: principal.scopes });
  });

  api.get('/admin/api/dashboard', (c) => c.json(dashboard(app)));

  api.get('/admin/api/queue', async (c) =>
    c.json({ pending: (await reviewQueue(app, reviews, parseQueueSort(c.req.query('sort')))).map(queueEntryJson) }),
  );

  api.get('/admin/api/revisions/:pkgbase', async (c) =>
    c.json(reviewJson(await reviews.review(c.req.param('pkgbase')), c.req.query('diff') === '1')),
  );

  api.post('/admin/api/revisions/:pkgbase/approve', requires('review', 'approving'), async (c) => {
    const body = await jsonBody(c, decisionBody);
    const result = await actions.approve(principalOf(c), {
      pkgbase: c.req.param('pkgbase'),
      commit: body.commit,
      note: body.comment,
      readmit: body.readmit,
    });
    return c.json({
      approved: result.approved,
      approvals: result.approvals,
      required: result.required,
      readmitted: result.readmitted,
      revision: revisionJson(result.revision),
    });
  });

  api.post('/admin/api/revisions/:pkgbase/reject', requires('review', 'rejecting'), async (c) => {
    const body = await jsonBody(c, decisionBody);
    const revision = actions.reject(principalOf(c), { pkgbase: c.req.param('pkgbase'), commit: body.commit, note: body.reason });
    return c.json({ revision: revisionJson(revision) });
  });

  api.post('/admin/api/revisions/:pkgbase/revoke', requires('admin', 'revoking'), async (c) => {
    const body = await jsonBody(c, decisionBody);
    const revoked = await actions.revoke(principalOf(c), { pkgbase: c.req.param('pkgbase'), commit: body.commit, note: body.reason });
    return c.json({ revoked: revoked.map(revisionJson) });
  });

  api.get('/admin/api/packages', (c) =>
    c.json({
      packages: packageSummaries(app).map(({ pkg, served, pending }) => ({
        ...pkg,
        served: served ? revisionJson(served) : null,
        pending: pending ? revisionJson(pending) : null,
      })),
    }),
  );

  api.get('/admin/api/packages/:pkgbase', (c) => {
    const timeline = packageTimeline(app, c.req.param('pkgbase'));
    return c.json({
      package: timeline.pkg,
      served: timeline.served ? revisionJson(timeline.served) : null,
      pending: timeline.pending ? revisionJson(timeline.pending) : null,
      revisions: timeline.revisions.map(({ revision, approvals }) => ({ ...revisionJson(revision), approvals })),
    });
  });

  return api;
}
