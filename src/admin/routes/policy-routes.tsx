import { Hono } from 'hono';
import type { Aurgate } from '../../compose.js';
import { listAudit } from '../../quarantine/audit.js';
import { parseRequiredApprovals, readPolicy } from '../../quarantine/policy.js';
import { listPolicyRules } from '../../quarantine/auto-policy.js';
import type { AdminEnv } from '../auth/http.js';
import type { AdminServices } from '../services.js';
import { PolicyPage, type PolicyView } from '../views/policy.js';
import { field, formOf, principalOf, requires } from './request.js';

export function policyView(app: Aurgate): PolicyView {
  return {
    policy: readPolicy(app.db),
    warning: app.policyWarning,
    changes: listAudit(app.db, { action: 'policy', limit: 20 }),
    rules: listPolicyRules(app.db),
  };
}

/** The Policy page: everyone reads it, admins change it. */
export function policyRoutes(services: AdminServices): Hono<AdminEnv> {
  const { app, actions } = services;
  const router = new Hono<AdminEnv>();

  router.get('/admin/policy', (c) => c.html(<PolicyPage principal={principalOf(c)} view={policyView(app)} notice={c.req.query('notice')} />));

  router.post('/admin/policy', requires('admin', 'changing the decision policy'), async (c) => {
    const form = await formOf(c);
    actions.setRequiredApprovals(principalOf(c), parseRequiredApprovals(field(form, 'requiredApprovals')));
    return c.redirect('/admin/policy?notice=policy-saved', 303);
  });

  router.post('/admin/policy/rules', requires('admin', 'changing the automatic policies'), async (c) => {
    const form = await formOf(c);
    const kind = field(form, 'kind') === 'freeze' ? 'freeze' : 'cooldown';
    actions.addPolicyRule(principalOf(c), {
      kind,
      pattern: field(form, 'pattern'),
      hours: kind === 'cooldown' ? field(form, 'hours') : null,
      note: field(form, 'note'),
    });
    return c.redirect(`/admin/policy?notice=${kind === 'freeze' ? 'policy-frozen' : 'policy-saved'}`, 303);
  });

  router.post('/admin/policy/rules/remove', requires('admin', 'changing the automatic policies'), async (c) => {
    const form = await formOf(c);
    const kind = field(form, 'kind') === 'freeze' ? 'freeze' : 'cooldown';
    actions.removePolicyRule(principalOf(c), { kind, pattern: field(form, 'pattern') });
    return c.redirect(`/admin/policy?notice=${kind === 'freeze' ? 'policy-unfrozen' : 'policy-saved'}`, 303);
  });

  return router;
}
