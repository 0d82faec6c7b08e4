import { Hono } from 'hono';
import { closeRunsWithoutHolder } from '../../app/sync.js';
import { listAudit } from '../../quarantine/audit.js';
import { listAllowlist } from '../../quarantine/packages.js';
import { listRuns } from '../../sync/runs.js';
import type { AdminEnv } from '../auth/http.js';
import { can } from '../auth/principal.js';
import { packageSummaries, packageTimeline } from '../../app/overview.js';
import { packageSignals, parseTakedownChoice } from '../../app/signals.js';
import type { AdminServices } from '../services.js';
import { AllowlistPage } from '../views/allowlist.js';
import { AuditPage } from '../views/audit.js';
import { PackagePage, PackagesPage } from '../views/packages.js';
import { SyncPage } from '../views/sync.js';
import { auditFilterOf, field, fields, formOf, principalOf, requires } from './request.js';

const AUDIT_PAGE_SIZE = 100;

/** Packages and their timelines, revocation, the allowlist, the audit log and the sync page. */
export function packageRoutes(services: AdminServices): Hono<AdminEnv> {
  const { app, actions, dependencies, syncRunner } = services;
  const router = new Hono<AdminEnv>();

  router.get('/admin/packages', (c) => c.html(<PackagesPage principal={principalOf(c)} packages={packageSummaries(app)} />));

  router.get('/admin/packages/:pkgbase', (c) => {
    const timeline = packageTimeline(app, c.req.param('pkgbase'));
    const signals = packageSignals(app.db, timeline.pkg.pkgbase);
    return c.html(<PackagePage principal={principalOf(c)} timeline={timeline} signals={signals} notice={c.req.query('notice')} />);
  });

  router.post('/admin/packages/:pkgbase/takedown', requires('admin', 'deciding a takedown'), async (c) => {
    const form = await formOf(c);
    const pkgbase = c.req.param('pkgbase');
    const { choice } = await actions.decideTakedown(principalOf(c), {
      pkgbase,
      choice: parseTakedownChoice(field(form, 'choice')),
      note: field(form, 'reason'),
    });
    return c.redirect(`/admin/packages/${encodeURIComponent(pkgbase)}?notice=takedown-${choice === 'keep' ? 'kept' : 'withdrawn'}`, 303);
  });

  router.post('/admin/packages/:pkgbase/revoke', requires('admin', 'revoking'), async (c) => {
    const form = await formOf(c);
    const pkgbase = c.req.param('pkgbase');
    await actions.revoke(principalOf(c), { pkgbase, commit: field(form, 'commit'), note: field(form, 'reason') });
    return c.redirect(`/admin/packages/${encodeURIComponent(pkgbase)}?notice=revoked`, 303);
  });

  router.get('/admin/allowlist', async (c) => {
    const principal = principalOf(c);
    const needed = can(principal, 'admin') ? await dependencies.needed() : null;
    return c.html(<AllowlistPage principal={principal} entries={listAllowlist(app.db)} needed={needed} notice={c.req.query('notice')} />);
  });

  router.post('/admin/allowlist', requires('admin', 'changing the allowlist'), async (c) => {
    const form = await formOf(c);
    const result = await actions.allow(principalOf(c), fields(form, 'names'), field(form, 'fetch') === '1');
    const notice =
      result.added.length === 0 ? 'already-allowed' : !result.sync ? 'allowed' : result.sync.started ? 'allowed-fetching' : 'allowed-later';
    return c.redirect(`/admin/allowlist?notice=${notice}`, 303);
  });

  router.post('/admin/allowlist/remove', requires('admin', 'changing the allowlist'), async (c) => {
    actions.disallow(principalOf(c), fields(await formOf(c), 'names'));
    return c.redirect('/admin/allowlist?notice=disallowed', 303);
  });

  router.get('/admin/audit', (c) => {
    const filter = auditFilterOf((name) => c.req.query(name), AUDIT_PAGE_SIZE);
    return c.html(<AuditPage principal={principalOf(c)} entries={listAudit(app.db, filter)} filter={filter} pageSize={AUDIT_PAGE_SIZE} />);
  });

  router.get('/admin/sync', (c) => {
    // A run whose process is gone is closed first: it is not running, whatever its row says.
    closeRunsWithoutHolder(app.db);
    const runs = listRuns(app.db, 20);
    const running = syncRunner.running || runs[0]?.status === 'running';
    return c.html(
      <SyncPage principal={principalOf(c)} runs={runs} running={running} schedule={app.config.syncSchedule} notice={c.req.query('notice')} />,
    );
  });

  router.post('/admin/sync', async (c) => {
    const outcome = await actions.syncNow(principalOf(c));
    return c.redirect(`/admin/sync?notice=${outcome.started ? 'sync-started' : 'sync-busy'}`, 303);
  });

  return router;
}
