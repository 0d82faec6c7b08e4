import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import type { Approval } from '../../quarantine/approvals.js';
import type { MetaComparison } from '../../review/meta-changes.js';
import type { RangeCommit } from '../../quarantine/servable-range.js';
import { ReadmitForm } from './range-parts.js';
import { CsrfField, Table, Time } from './components.js';
import { shortCommit } from './format.js';

export function MetaTable(props: { meta: MetaComparison; baseLabel: string | null }) {
  return (
    <>
      {props.meta.notes.map((note) => (
        <p class="warn">{note}</p>
      ))}
      <Table head={['Upstream', props.baseLabel ?? '—', 'Candidate']} rows={props.meta.rows.length}>
        {props.meta.rows.map((row) => (
          <tr class={row.changed ? (row.important ? 'changed important' : 'changed') : undefined}>
            <th>{row.label}</th>
            <td>{row.before}</td>
            <td>
              {row.after}
              {row.changed ? <span class={`tag ${row.important ? 'tag-warn' : ''}`}>changed</span> : null}
            </td>
          </tr>
        ))}
      </Table>
    </>
  );
}

export function ApprovalsLine(props: { approvals: readonly Approval[]; required: number }) {
  const counted = new Set(props.approvals.flatMap((approval) => (approval.userId === null ? [] : [approval.userId]))).size;
  return (
    <p class="approvals">
      <strong>
        {counted} of {props.required} {props.required === 1 ? 'approval' : 'approvals'}
      </strong>
      {props.approvals.length > 0 ? ': ' : ''}
      {props.approvals.map((approval, index) => (
        <>
          {index > 0 ? ', ' : ''}
          {approval.reviewer}
          {approval.userId === null ? ' [no account: not counted]' : ''} (<Time at={approval.at} />
          {approval.comment ? `: “${approval.comment}”` : ''})
        </>
      ))}
    </p>
  );
}

/**
 * The approve and reject forms. Each carries the exact commit shown on this page in a hidden field:
 * if upstream moved on while the reviewer read, the decision is refused instead of landing on a
 * commit nobody looked at.
 */
export function DecisionForms(props: {
  principal: Principal;
  pkgbase: string;
  commit: string;
  approvals: readonly Approval[];
  required: number;
  /** Rejected or revoked commits of the range not yet re-admitted: they replace the plain Approve form. */
  barred: readonly RangeCommit[];
}) {
  if (!can(props.principal, 'review')) {
    return <p class="muted">You can read this review. Approving and rejecting need the reviewer role.</p>;
  }
  const counted = new Set(props.approvals.flatMap((approval) => (approval.userId === null ? [] : [approval.userId]))).size;
  const alreadyApproved = props.approvals.some((approval) => approval.userId === props.principal.user.id) && counted < props.required;
  return (
    <div class="decide">
      {alreadyApproved ? (
        <p class="notice">You approved this commit; it needs another reviewer's approval.</p>
      ) : props.barred.length > 0 ? (
        <ReadmitForm principal={props.principal} pkgbase={props.pkgbase} commit={props.commit} barred={props.barred} />
      ) : (
        <form method="post" action={`/admin/review/${props.pkgbase}/approve`} class="stack approve">
          <CsrfField principal={props.principal} />
          <input type="hidden" name="commit" value={props.commit} />
          <h3>Approve</h3>
          <p>
            Approves exactly commit <code class="full-commit">{props.commit}</code>.
          </p>
          <label>
            Comment (optional)
            <textarea name="comment" rows={2} maxlength={2000}></textarea>
          </label>
          <button type="submit" class="primary">
            Approve {shortCommit(props.commit)}
          </button>
        </form>
      )}
      <form method="post" action={`/admin/review/${props.pkgbase}/reject`} class="stack reject">
        <CsrfField principal={props.principal} />
        <input type="hidden" name="commit" value={props.commit} />
        <h3>Reject</h3>
        <p>
          Rejects commit <code class="full-commit">{props.commit}</code>; it is never served.
        </p>
        <label>
          Reason (required)
          <textarea name="reason" rows={2} required maxlength={2000}></textarea>
        </label>
        <button type="submit" class="danger">
          Reject {shortCommit(props.commit)}
        </button>
      </form>
    </div>
  );
}
