import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import type { RevokedAncestor } from '../../quarantine/revoked-history.js';
import { Commit, CsrfField, Table, Time } from './components.js';
import { isoTime, shortCommit } from './format.js';

/**
 * The revoked commits in a candidate's history, with who revoked each, when and why: approving the
 * candidate would serve them again, so the reviewer must see exactly what they would bring back.
 */
export function RevokedHistoryNotice(props: { commits: readonly RevokedAncestor[] }) {
  const barred = props.commits.filter((entry) => entry.readmittedAt === null).length;
  return (
    <section class="revoked-history">
      <p class="warn">
        This revision's history contains {props.commits.length === 1 ? 'a revoked commit' : `${props.commits.length} revoked commits`}.
        {barred > 0
          ? ' Approving it would serve them again, so a plain approval is refused: reject it and wait for upstream to rewrite its history, or have an admin re-admit each of them knowingly.'
          : ' Each has been re-admitted, so approving serves them again as part of this history.'}
      </p>
      <Table head={['Revoked commit', 'Version', 'Revoked by', 'When (UTC)', 'Reason', 'Status']} rows={props.commits.length}>
        {props.commits.map((entry) => (
          <tr>
            <td>
              <code class="full-commit">{entry.commit}</code>
            </td>
            <td>{entry.version ?? '?'}</td>
            <td>{entry.revokedBy ?? '?'}</td>
            <td class="nowrap">{isoTime(entry.revokedAt)}</td>
            <td class="wrap">{entry.reason ?? ''}</td>
            <td>
              {entry.readmittedAt === null ? (
                <strong class="warn-text">barred</strong>
              ) : (
                <>
                  re-admitted by {entry.readmittedBy ?? '?'} <Time at={entry.readmittedAt} />
                </>
              )}
            </td>
          </tr>
        ))}
      </Table>
    </section>
  );
}

/**
 * Instead of a plain Approve while revoked commits bar it: admins get a form that names every barred
 * commit (each box must be ticked) and asks for an explicit confirmation; others are told who can.
 */
export function ReadmitForm(props: { principal: Principal; pkgbase: string; commit: string; barred: readonly RevokedAncestor[] }) {
  if (!can(props.principal, 'admin')) {
    return (
      <p class="notice">
        Only an admin can approve this revision, by re-admitting the revoked commits above. You can reject it and wait for upstream to rewrite its
        history.
      </p>
    );
  }
  return (
    <form method="post" action={`/admin/review/${props.pkgbase}/approve`} class="stack approve readmit">
      <CsrfField principal={props.principal} />
      <input type="hidden" name="commit" value={props.commit} />
      <h3>Approve and re-admit</h3>
      <p>
        Approves exactly commit <code class="full-commit">{props.commit}</code> and lets these revoked commits back into the served repository as part
        of its history (their own snapshot URLs stay revoked):
      </p>
      {props.barred.map((entry) => (
        <label class="check">
          <input type="checkbox" name="readmit" value={entry.commit} required /> re-admit <Commit id={entry.commit} /> {entry.version ?? ''}{' '}
          <span class="muted small">(revoked: {entry.reason ?? 'no reason recorded'})</span>
        </label>
      ))}
      <label class="check">
        <input type="checkbox" name="confirm" value="1" required /> I have read why they were revoked and re-admit them knowingly.
      </label>
      <label>
        Comment (optional)
        <textarea name="comment" rows={2} maxlength={2000}></textarea>
      </label>
      <button type="submit" class="danger">
        Approve {shortCommit(props.commit)} and re-admit {props.barred.length === 1 ? '1 commit' : `${props.barred.length} commits`}
      </button>
    </form>
  );
}
