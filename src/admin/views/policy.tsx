import type { AuditEntry } from '../../quarantine/audit.js';
import { MAX_REQUIRED_APPROVALS, type DecisionPolicy } from '../../quarantine/policy.js';
import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import { CsrfField, Table } from './components.js';
import { isoTime } from './format.js';
import { AdminLayout } from './layout.js';
import type { PolicyRule } from '../../quarantine/auto-policy.js';
import { AutomaticPoliciesPart, describePolicyChange } from './auto-policy.js';

export interface PolicyView {
  policy: DecisionPolicy;
  /** Why AURGATE_REQUIRED_APPROVALS is ignored, when it is set and disagrees. */
  warning: string | null;
  changes: AuditEntry[];
  rules: PolicyRule[];
}

/** The decision policy: one value in the database that every process enforces; admins change it here. */
export function PolicyPage(props: { principal: Principal; view: PolicyView; notice?: string | undefined }) {
  const { policy, warning, changes } = props.view;
  return (
    <AdminLayout title="Policy" principal={props.principal} section="policy" notice={props.notice}>
      <h1>Decision policy</h1>
      <p>
        Stored in the database and read inside every decision, so the server and every CLI process decide alike.{' '}
        <code>AURGATE_REQUIRED_APPROVALS</code> only seeds a new database.
      </p>
      {warning ? <p class="warn">{warning}</p> : null}
      <dl class="facts">
        <dt>Required approvals</dt>
        <dd>
          <strong>{policy.requiredApprovals}</strong> distinct {policy.requiredApprovals === 1 ? 'account' : 'accounts'} (reviewer or admin) before a
          revision is served
        </dd>
        <dt>Last set</dt>
        <dd>{policy.updatedAt ? `${isoTime(policy.updatedAt)} by ${policy.updatedBy ?? '?'}` : 'never (the default applies)'}</dd>
      </dl>
      {can(props.principal, 'admin') ? (
        <form method="post" action="/admin/policy" class="stack">
          <CsrfField principal={props.principal} />
          <label>
            Required approvals
            <input type="number" name="requiredApprovals" min={1} max={MAX_REQUIRED_APPROVALS} value={String(policy.requiredApprovals)} required />
          </label>
          <button type="submit">Save policy</button>
        </form>
      ) : (
        <p class="muted">Only admins change the policy.</p>
      )}
      <AutomaticPoliciesPart principal={props.principal} rules={props.view.rules} />
      <h2>Changes</h2>
      <Table head={['When (UTC)', 'By', 'Channel', 'Change']} rows={changes.length} empty="No change recorded.">
        {changes.map((entry) => (
          <tr>
            <td class="nowrap">{isoTime(entry.at)}</td>
            <td>{entry.actor}</td>
            <td>{entry.channel ?? '—'}</td>
            <td class="wrap small">{describePolicyChange(entry)}</td>
          </tr>
        ))}
      </Table>
    </AdminLayout>
  );
}
