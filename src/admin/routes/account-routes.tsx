import { Hono } from 'hono';
import type { AdminEnv } from '../auth/http.js';
import { assertCan } from '../auth/principal.js';
import { tokensVisibleTo } from '../../accounts/tokens.js';
import { listAccounts } from '../../app/accounts.js';
import type { AdminServices } from '../services.js';
import { TokensPage, UsersPage } from '../views/accounts.js';
import { field, fields, formOf, parseExpiryDays, parseId, principalOf, requires } from './request.js';

/** User management (admins) and API tokens (everyone, for themselves). */
export function accountRoutes(services: AdminServices): Hono<AdminEnv> {
  const { app, actions } = services;
  const router = new Hono<AdminEnv>();

  router.get('/admin/users', (c) => {
    const principal = principalOf(c);
    assertCan(principal, 'admin', 'managing users');
    return c.html(<UsersPage principal={principal} users={listAccounts(app.db)} notice={c.req.query('notice')} />);
  });

  router.post('/admin/users', requires('admin', 'adding users'), async (c) => {
    const form = await formOf(c);
    await actions.createUser(principalOf(c), { name: field(form, 'name').trim(), role: field(form, 'role'), password: field(form, 'password') });
    return c.redirect('/admin/users?notice=user-added', 303);
  });

  router.post('/admin/users/:name/disable', (c) => {
    actions.disableUser(principalOf(c), c.req.param('name'));
    return c.redirect('/admin/users?notice=user-disabled', 303);
  });

  router.get('/admin/tokens', (c) => {
    const principal = principalOf(c);
    return c.html(<TokensPage principal={principal} tokens={tokensVisibleTo(app.db, principal.user)} notice={c.req.query('notice')} />);
  });

  // The new token is shown in this response only (no redirect): it is never stored in readable form.
  router.post('/admin/tokens', async (c) => {
    const principal = principalOf(c);
    const form = await formOf(c);
    const created = actions.createToken(principal, {
      name: field(form, 'name'),
      scopes: fields(form, 'scopes'),
      expiresInDays: parseExpiryDays(field(form, 'expiresInDays')),
    });
    return c.html(<TokensPage principal={principal} tokens={tokensVisibleTo(app.db, principal.user)} created={created} />, 201);
  });

  router.post('/admin/tokens/:id/revoke', (c) => {
    actions.revokeToken(principalOf(c), parseId(c.req.param('id')));
    return c.redirect('/admin/tokens?notice=token-revoked', 303);
  });

  return router;
}
