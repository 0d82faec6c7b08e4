import type { ApiToken } from '../../accounts/tokens.js';
import type { Principal } from '../auth/principal.js';
import { ROLES, scopesForRole } from '../../accounts/roles.js';
import type { AccountListing } from '../../app/accounts.js';
import { CsrfField, Table, Time } from './components.js';
import { AdminLayout } from './layout.js';

export function UsersPage(props: { principal: Principal; users: AccountListing[]; notice?: string | undefined }) {
  return (
    <AdminLayout title="Users" principal={props.principal} section="users" notice={props.notice}>
      <h1>Users</h1>
      <Table head={['Name', 'Role', 'Created', 'By', 'Status', '']} rows={props.users.length}>
        {props.users.map((user) => (
          <tr>
            <td class="strong">
              {user.name}
              {user.sso ? <div class="muted">single sign-on: {user.sso.displayName}</div> : null}
            </td>
            <td>{user.role}</td>
            <td>
              <Time at={user.createdAt} />
            </td>
            <td>{user.createdBy}</td>
            <td>
              {user.disabledAt ? (
                <>
                  disabled <Time at={user.disabledAt} />
                </>
              ) : (
                'active'
              )}
            </td>
            <td>
              {user.disabledAt || user.name === props.principal.user.name ? null : (
                <form method="post" action={`/admin/users/${user.name}/disable`}>
                  <CsrfField principal={props.principal} />
                  <button type="submit" class="small danger">
                    Disable
                  </button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <h2>Add a user</h2>
      <form method="post" action="/admin/users" class="stack narrow">
        <CsrfField principal={props.principal} />
        <label>
          Name <input name="name" required pattern="[a-z0-9][a-z0-9._-]{0,31}" autocomplete="off" />
        </label>
        <label>
          Role
          <select name="role">
            {ROLES.map((role) => (
              <option value={role} selected={role === 'reviewer'}>
                {role}
              </option>
            ))}
          </select>
        </label>
        <label>
          Password (at least 12 characters) <input name="password" type="password" required minlength={12} autocomplete="new-password" />
        </label>
        <button type="submit">Add user</button>
      </form>
    </AdminLayout>
  );
}

export function TokensPage(props: {
  principal: Principal;
  tokens: ApiToken[];
  created?: { token: string; record: ApiToken } | undefined;
  notice?: string | undefined;
}) {
  const scopes = scopesForRole(props.principal.user.role);
  return (
    <AdminLayout title="API tokens" principal={props.principal} section="tokens" notice={props.notice}>
      <h1>API tokens</h1>
      {props.created ? (
        <div class="notice">
          <p>
            Token <strong>{props.created.record.name}</strong> created. Copy it now: it is not shown again.
          </p>
          <pre class="secret">{props.created.token}</pre>
        </div>
      ) : null}
      <p class="muted">
        Send a token as <code>Authorization: Bearer &lt;token&gt;</code> to <code>/admin/api/…</code>. A token never grants more than its owner's
        role.
      </p>
      <Table head={['Name', 'Owner', 'Scopes', 'Created', 'Expires', 'Last used', '']} rows={props.tokens.length} empty="No tokens.">
        {props.tokens.map((token) => (
          <tr class={token.revokedAt ? 'muted' : undefined}>
            <td class="strong">{token.name}</td>
            <td>{token.userName}</td>
            <td>{token.scopes.join(', ')}</td>
            <td>
              <Time at={token.createdAt} />
            </td>
            <td>{token.expiresAt ? new Date(token.expiresAt).toISOString().slice(0, 10) : 'never'}</td>
            <td>
              <Time at={token.lastUsedAt} />
            </td>
            <td>
              {token.revokedAt ? (
                'revoked'
              ) : (
                <form method="post" action={`/admin/tokens/${token.id}/revoke`}>
                  <CsrfField principal={props.principal} />
                  <button type="submit" class="small danger">
                    Revoke
                  </button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </Table>
      <h2>New token</h2>
      <form method="post" action="/admin/tokens" class="stack narrow">
        <CsrfField principal={props.principal} />
        <label>
          Name <input name="name" required maxlength={100} placeholder="ci-bot" />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {scopes.map((scope) => (
            <label class="check">
              <input type="checkbox" name="scopes" value={scope} checked={scope === 'read'} /> {scope}
            </label>
          ))}
        </fieldset>
        <label>
          Expires after (days, empty: never) <input name="expiresInDays" type="number" min={1} max={3650} />
        </label>
        <button type="submit">Create token</button>
      </form>
    </AdminLayout>
  );
}
