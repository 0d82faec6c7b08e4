import type { AuditEntry } from '../../quarantine/audit.js';
import { MAX_COOLDOWN_HOURS, MAX_PATTERN_LENGTH, type PolicyRule } from '../../quarantine/auto-policy.js';
import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import { CsrfField, Table } from './components.js';
import { isoTime } from './format.js';

/** One line for a policy.* audit row (the Policy page's change list). */
export function describePolicyChange(entry: AuditEntry): string {
  const detail = entry.detail ?? {};
  const text = (key: string) => String(detail[key] ?? '');
  switch (entry.action) {
    case 'policy.seeded':
      return `seeded with ${text('value')} (${text('source')})`;
    case 'policy.changed':
      return `required approvals ${text('from')} → ${text('to')}`;
    case 'policy.rule-added':
      return `cooldown ${text('pattern')}: ${text('hours')} h${detail['note'] ? ` (${text('note')})` : ''}`;
    case 'policy.rule-removed':
      return `cooldown ${text('pattern')} removed`;
    case 'policy.frozen':
      return `froze ${text('pattern')}: ${text('note')}`;
    case 'policy.unfrozen':
      return `lifted the freeze of ${text('pattern')}`;
    case 'policy.auto-approved':
      return `approved ${entry.pkgbase ?? '?'} ${(entry.commit ?? '').slice(0, 12)} (${text('version')}) by the cooldown rule`;
    default:
      return entry.action;
  }
}

/** The opt-in automatic policies: cooldown approval of routine updates and the emergency freeze. */
export function AutomaticPoliciesPart(props: { principal: Principal; rules: readonly PolicyRule[] }) {
  const admin = can(props.principal, 'admin');
  const freezes = props.rules.filter((rule) => rule.kind === 'freeze');
  return (
    <>
      <h2>Automatic policies</h2>
      <p>
        Off unless an admin adds a rule. A <strong>cooldown</strong> approves a routine update (version and checksums only) by an unchanged maintainer
        with no flag above low once it has waited the given hours; the approval is audited as the policy's. A <strong>freeze</strong> stops every
        approval of matching packages, automatic or manual: serving holds at the current approvals, while revocations still work.
      </p>
      {freezes.length > 0 ? <p class="warn">Frozen: {freezes.map((rule) => rule.pattern).join(', ')}</p> : null}
      <Table
        head={['Kind', 'Pattern', 'Wait', 'Set (UTC)', 'Note', '']}
        rows={props.rules.length}
        empty="No automatic policy: every revision needs a person."
      >
        {props.rules.map((rule) => (
          <tr>
            <td>{rule.kind}</td>
            <td>
              <code>{rule.pattern}</code>
            </td>
            <td>{rule.kind === 'cooldown' ? `${rule.hours ?? '?'} h` : '—'}</td>
            <td class="nowrap">
              {isoTime(rule.createdAt)} by {rule.createdBy}
            </td>
            <td class="wrap small">{rule.note ?? ''}</td>
            <td>
              {admin ? (
                <form method="post" action="/admin/policy/rules/remove">
                  <CsrfField principal={props.principal} />
                  <input type="hidden" name="kind" value={rule.kind} />
                  <input type="hidden" name="pattern" value={rule.pattern} />
                  <button type="submit">{rule.kind === 'freeze' ? 'Lift' : 'Remove'}</button>
                </form>
              ) : null}
            </td>
          </tr>
        ))}
      </Table>
      {admin ? (
        <div class="columns">
          <form method="post" action="/admin/policy/rules" class="stack">
            <CsrfField principal={props.principal} />
            <input type="hidden" name="kind" value="cooldown" />
            <label>
              Packages (name or glob)
              <input name="pattern" required maxlength={MAX_PATTERN_LENGTH} placeholder="python-*" />
            </label>
            <label>
              Hours to wait
              <input type="number" name="hours" min={1} max={MAX_COOLDOWN_HOURS} value="48" required />
            </label>
            <label>
              Note
              <input name="note" maxlength={2000} />
            </label>
            <button type="submit">Add cooldown</button>
          </form>
          <form method="post" action="/admin/policy/rules" class="stack">
            <CsrfField principal={props.principal} />
            <input type="hidden" name="kind" value="freeze" />
            <label>
              Packages (name or glob)
              <input name="pattern" required maxlength={MAX_PATTERN_LENGTH} value="*" />
            </label>
            <label>
              Reason (required)
              <input name="note" required maxlength={2000} />
            </label>
            <button type="submit" class="danger">
              Freeze
            </button>
          </form>
        </div>
      ) : null}
    </>
  );
}
