import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import type { RangeEntry } from '../../app/review.js';
import type { RangeCommit, RangeState } from '../../quarantine/servable-range.js';
import { Commit, CsrfField, Table, Time } from './components.js';
import { isoTime, shortCommit } from './format.js';

const STATE_LABEL: Record<RangeState, string> = {
  candidate: 'candidate',
  superseded: 'superseded, never decided',
  rejected: 'REJECTED',
  revoked: 'REVOKED',
  unrecorded: 'never reviewed alone',
};

/**
 * Every commit approving the candidate makes servable: publishing serves its whole history, so each
 * commit is named with its state and the flags found in its own tree, and the approval covers them all.
 */
export function RangeLog(props: { entries: readonly RangeEntry[]; pkgbase: string }) {
  const count = props.entries.length;
  return (
    <section class="served-range">
      <p class="muted small">
        Approving serves {count === 1 ? 'this commit' : `these ${count} commits`} (git history is served with the candidate); the approval, its audit
        row and its attestation name every one.
      </p>
      <Table head={['Commit', 'State', 'Flags', 'Author', 'Date', 'Subject']} rows={count} empty="No commits in the range.">
        {props.entries.map((entry) => {
          const serious = entry.flags.filter((flag) => flag.severity === 'high' || flag.severity === 'medium').length;
          return (
            <tr class={`state-${entry.state}`}>
              <td>
                <code title={entry.commit}>{shortCommit(entry.commit)}</code>
              </td>
              <td class={entry.state === 'rejected' || entry.state === 'revoked' ? 'warn-text' : ''}>{STATE_LABEL[entry.state]}</td>
              <td>
                {entry.flags.length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  <a href="#flags" title={entry.flags.map((flag) => `${flag.severity} ${flag.check}`).join('\n')}>
                    {entry.flags.length}
                    {serious > 0 ? ` (${serious} high/medium)` : ''}
                  </a>
                )}
              </td>
              <td class="wrap">{entry.authorName}</td>
              <td class="nowrap">{isoTime(entry.committedAt * 1000)}</td>
              <td class="wrap">{entry.subject}</td>
            </tr>
          );
        })}
      </Table>
    </section>
  );
}

/**
 * The rejected and revoked commits in a candidate's range, with who decided each, when and why:
 * approving the candidate would serve them, so the reviewer must see exactly what they would let in.
 */
export function BlockedHistoryNotice(props: { commits: readonly RangeCommit[] }) {
  const barred = props.commits.filter((entry) => entry.readmittedAt === null).length;
  const states = [...new Set(props.commits.map((entry) => entry.state))].join(' and ');
  return (
    <section class="revoked-history">
      <p class="warn">
        This revision's history contains {props.commits.length === 1 ? `a ${states} commit` : `${props.commits.length} ${states} commits`}.
        {barred > 0
          ? ' Approving it would serve their bytes as history, so a plain approval is refused: reject it and wait for upstream to rewrite its history, or have an admin re-admit each of them knowingly, with a reason.'
          : ' Each has been re-admitted, so approving serves them as part of this history.'}
      </p>
      <Table head={['Commit', 'State', 'Version', 'Decided by', 'When (UTC)', 'Reason', 'Status']} rows={props.commits.length}>
        {props.commits.map((entry) => (
          <tr>
            <td>
              <code class="full-commit">{entry.commit}</code>
            </td>
            <td>{entry.state}</td>
            <td>{entry.version ?? '?'}</td>
            <td>{entry.decidedBy ?? '?'}</td>
            <td class="nowrap">{isoTime(entry.decidedAt)}</td>
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
 * Instead of a plain Approve while rejected or revoked commits bar it: admins get a form that names
 * every barred commit (each box must be ticked), asks for the reason and an explicit confirmation;
 * others are told who can.
 */
export function ReadmitForm(props: { principal: Principal; pkgbase: string; commit: string; barred: readonly RangeCommit[] }) {
  if (!can(props.principal, 'admin')) {
    return (
      <p class="notice">
        Only an admin can approve this revision, by re-admitting the rejected or revoked commits above. You can reject it and wait for upstream to
        rewrite its history.
      </p>
    );
  }
  return (
    <form method="post" action={`/admin/review/${props.pkgbase}/approve`} class="stack approve readmit">
      <CsrfField principal={props.principal} />
      <input type="hidden" name="commit" value={props.commit} />
      <h3>Approve and re-admit</h3>
      <p>
        Approves exactly commit <code class="full-commit">{props.commit}</code> and lets these commits into the served repository as part of its
        history (their own snapshot URLs stay unserved):
      </p>
      {props.barred.map((entry) => (
        <label class="check">
          <input type="checkbox" name="readmit" value={entry.commit} required /> re-admit <Commit id={entry.commit} /> {entry.version ?? ''}{' '}
          <span class="muted small">
            ({entry.state}: {entry.reason ?? 'no reason recorded'})
          </span>
        </label>
      ))}
      <label class="check">
        <input type="checkbox" name="confirm" value="1" required /> I have read why they were{' '}
        {[...new Set(props.barred.map((entry) => entry.state))].join(' or ')} and re-admit them knowingly.
      </label>
      <label>
        Reason (audited and attested)
        <textarea name="comment" rows={2} maxlength={2000} required></textarea>
      </label>
      <button type="submit" class="danger">
        Approve {shortCommit(props.commit)} and re-admit {props.barred.length === 1 ? '1 commit' : `${props.barred.length} commits`}
      </button>
    </form>
  );
}
