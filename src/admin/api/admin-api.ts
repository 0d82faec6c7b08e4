import { Hono } from 'hono';
import { buildPackages, listBuilds } from '../../build/records.js';
import { closeRunsWithoutHolder } from '../../app/sync.js';
import { listAudit } from '../../quarantine/audit.js';
import { listAllowlist } from '../../quarantine/packages.js';
import { listRuns } from '../../sync/runs.js';
import type { AdminEnv } from '../auth/http.js';
import { assertCan } from '../auth/principal.js';
import { listUsers } from '../../accounts/users.js';
import { tokensVisibleTo } from '../../accounts/tokens.js';
import { auditFilterOf, parseId, principalOf, requires } from '../routes/request.js';
import type { AdminServices } from '../services.js';
import { policyView } from '../routes/policy-routes.js';
import { allowBody, buildBody, jsonBody, policyBody, tokenBody, userBody } from './body.js';

/** JSON for the allowlist, audit log, sync, users and tokens. */
export function adminApi(services: AdminServices): Hono<AdminEnv> {
  const { app, actions, dependencies, syncRunner } = services;
  const api = new Hono<AdminEnv>();

  api.get('/admin/api/allowlist', (c) => c.json({ allowlist: listAllowlist(app.db) }));

  api.get('/admin/api/allowlist/needed', async (c) => {
    assertCan(principalOf(c), 'admin', 'resolving dependencies for the allowlist');
    return c.json(await dependencies.needed());
  });

  api.post('/admin/api/allowlist', requires('admin', 'changing the allowlist'), async (c) => {
    const body = await jsonBody(c, allowBody);
    const result = await actions.allow(principalOf(c), body.names, body.fetch ?? false);
    return c.json(result, 201);
  });

  api.delete('/admin/api/allowlist/:name', (c) => c.json({ removed: actions.disallow(principalOf(c), [c.req.param('name')]) }));

  api.get('/admin/api/audit', (c) => {
    const limit = Math.min(Math.max(Number(c.req.query('limit')) || 100, 1), 1000);
    return c.json({
      entries: listAudit(
        app.db,
        auditFilterOf((name) => c.req.query(name), limit),
      ),
    });
  });

  api.get('/admin/api/policy', (c) => {
    const view = policyView(app);
    return c.json({ ...view.policy, warning: view.warning });
  });

  api.put('/admin/api/policy', requires('admin', 'changing the decision policy'), async (c) => {
    const body = await jsonBody(c, policyBody);
    const { before, after } = actions.setRequiredApprovals(principalOf(c), body.requiredApprovals);
    return c.json({ ...after, previous: { requiredApprovals: before } });
  });

  api.get('/admin/api/builds', (c) => {
    const pkgbase = c.req.query('pkgbase');
    const builds = listBuilds(app.db, pkgbase ? { pkgbase } : {});
    return c.json({ builds: builds.map((build) => ({ ...build, packages: buildPackages(app.db, build.id) })) });
  });

  api.post('/admin/api/builds/:pkgbase', requires('review', 'requesting a build'), async (c) => {
    const body = await jsonBody(c, buildBody);
    return c.json({ build: actions.requestBuild(principalOf(c), { pkgbase: c.req.param('pkgbase'), commit: body.commit }) }, 202);
  });

  api.get('/admin/api/sync', (c) => {
    closeRunsWithoutHolder(app.db);
    return c.json({ running: syncRunner.running, schedule: app.config.syncSchedule, runs: listRuns(app.db, 20) });
  });

  api.post('/admin/api/sync', requires('review', 'starting a sync'), async (c) => {
    const outcome = await actions.syncNow(principalOf(c));
    return outcome.started ? c.json({ started: true }, 202) : c.json({ started: false, reason: outcome.reason }, 409);
  });

  api.get('/admin/api/users', (c) => {
    assertCan(principalOf(c), 'admin', 'listing users');
    return c.json({ users: listUsers(app.db) });
  });

  api.post('/admin/api/users', requires('admin', 'adding users'), async (c) =>
    c.json({ user: await actions.createUser(principalOf(c), await jsonBody(c, userBody)) }, 201),
  );

  api.post('/admin/api/users/:name/disable', (c) => c.json({ user: actions.disableUser(principalOf(c), c.req.param('name')) }));

  api.get('/admin/api/tokens', (c) => c.json({ tokens: tokensVisibleTo(app.db, principalOf(c).user) }));

  api.post('/admin/api/tokens', async (c) => {
    const created = actions.createToken(principalOf(c), await jsonBody(c, tokenBody));
    return c.json({ token: created.token, record: created.record }, 201);
  });

  api.delete('/admin/api/tokens/:id', (c) => c.json({ token: actions.revokeToken(principalOf(c), parseId(c.req.param('id'))) }));

  return api;
}
