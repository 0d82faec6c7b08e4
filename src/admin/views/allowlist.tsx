import type { AllowlistEntry } from '../../quarantine/packages.js';
import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import type { NeededPackages } from '../../app/dependencies.js';
import { CsrfField, Table, Time } from './components.js';
import { AdminLayout } from './layout.js';

function NeededSection(props: { principal: Principal; needed: NeededPackages }) {
  const { packages, error } = props.needed;
  return (
    <>
      <h2>AUR packages the allowlisted ones need</h2>
      {error ? <p class="warn">Could not ask upstream which dependencies are AUR packages: {error}</p> : null}
      {packages.length === 0 && !error ? (
        <p class="muted">Every dependency found in the AUR is on the allowlist (official repository packages are not listed).</p>
      ) : null}
      {packages.length > 0 ? (
        <form method="post" action="/admin/allowlist" class="stack">
          <CsrfField principal={props.principal} />
          <input type="hidden" name="fetch" value="1" />
          <fieldset>
            <legend>Depends, makedepends and checkdepends found in the AUR</legend>
            {packages.map((entry) => (
              <label class="check">
                <input type="checkbox" name="names" value={entry.name} checked /> {entry.name}
                {entry.pkgbase !== entry.name ? <span class="muted"> (pkgbase {entry.pkgbase})</span> : null}
                <span class="muted small"> needed by {entry.neededBy.join(', ')}</span>
              </label>
            ))}
          </fieldset>
          <button type="submit">Allow the selected packages</button>
        </form>
      ) : null}
    </>
  );
}

export function AllowlistPage(props: {
  principal: Principal;
  entries: AllowlistEntry[];
  needed: NeededPackages | null;
  notice?: string | undefined;
}) {
  const admin = can(props.principal, 'admin');
  return (
    <AdminLayout title="Allowlist" principal={props.principal} section="allowlist" notice={props.notice}>
      <h1>Allowlist</h1>
      {admin ? (
        <form method="post" action="/admin/allowlist" class="stack inline-form">
          <CsrfField principal={props.principal} />
          <label>
            AUR package names (space or comma separated)
            <input name="names" required placeholder="yay paru" autocomplete="off" />
          </label>
          <label class="check">
            <input type="checkbox" name="fetch" value="1" checked /> fetch them now
          </label>
          <button type="submit">Allow</button>
        </form>
      ) : (
        <p class="muted">Only admins change the allowlist.</p>
      )}
      {admin && props.needed ? <NeededSection principal={props.principal} needed={props.needed} /> : null}
      <h2>Allowed packages</h2>
      <Table
        head={admin ? ['Name', 'Pkgbase', 'Added', 'By', ''] : ['Name', 'Pkgbase', 'Added', 'By']}
        rows={props.entries.length}
        empty="The allowlist is empty."
      >
        {props.entries.map((entry) => (
          <tr>
            <td class="strong">{entry.pkgname}</td>
            <td>
              <a href={`/admin/packages/${entry.pkgbase}`}>{entry.pkgbase}</a>
            </td>
            <td>
              <Time at={entry.addedAt} />
            </td>
            <td>{entry.addedBy}</td>
            {admin ? (
              <td>
                <form method="post" action="/admin/allowlist/remove">
                  <CsrfField principal={props.principal} />
                  <input type="hidden" name="names" value={entry.pkgname} />
                  <button type="submit" class="small danger">
                    Remove
                  </button>
                </form>
              </td>
            ) : null}
          </tr>
        ))}
      </Table>
    </AdminLayout>
  );
}
