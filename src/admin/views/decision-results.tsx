import type { Principal } from '../auth/principal.js';
import type { BatchOutcome } from '../../app/batch-approve.js';
import type { Revision } from '../../quarantine/revisions.js';
import { Commit, Time } from './components.js';
import { AdminLayout } from './layout.js';

/**
 * A decision about a commit that is no longer the pending one (409). Nothing was applied; what the
 * reviewer typed is kept in a field to copy from, and the page links the commit that waits now.
 */
export function StaleDecisionPage(props: {
  principal: Principal;
  pkgbase: string;
  decision: 'approve' | 'reject';
  submittedCommit: string;
  pending: Revision | null;
  text: string;
  message: string;
}) {
  const { pkgbase, pending } = props;
  return (
    <AdminLayout title={`Stale decision · ${pkgbase}`} principal={props.principal} section="queue">
      <h1>Not applied: {pkgbase} moved on</h1>
      <p class="error">{props.message}</p>
      <dl class="facts">
        <dt>You reviewed</dt>
        <dd>
          <code class="full-commit">{props.submittedCommit}</code>
        </dd>
        <dt>Waiting now</dt>
        <dd>
          {pending ? (
            <>
              <Commit id={pending.commit} /> {pending.version ?? ''} recorded <Time at={pending.recordedAt} />{' '}
              <a href={`/admin/review/${pkgbase}`} class="strong" id="new-candidate">
                Review the new candidate
              </a>
            </>
          ) : (
            <span class="muted">nothing is waiting for review</span>
          )}
        </dd>
      </dl>
      <form class="stack" method="get" action={`/admin/review/${pkgbase}`}>
        <label>
          Your {props.decision === 'approve' ? 'comment' : 'reason'} (kept: copy it into the new review)
          <textarea name="kept" rows={3} readonly>
            {props.text}
          </textarea>
        </label>
      </form>
    </AdminLayout>
  );
}

const OUTCOME_TEXT: Record<BatchOutcome['outcome'], string> = {
  approved: 'approved, served now',
  'approval-recorded': 'approval recorded, waits for more approvals',
  refused: 'refused',
};

/** What a batch approval did, entry by entry (refused ones name why and link their page). */
export function BatchResultPage(props: { principal: Principal; outcomes: readonly BatchOutcome[] }) {
  const refused = props.outcomes.filter((outcome) => outcome.outcome === 'refused').length;
  return (
    <AdminLayout title="Batch approval" principal={props.principal} section="queue">
      <h1>Batch approval</h1>
      <p class={refused > 0 ? 'warn' : 'notice'}>
        {props.outcomes.length - refused} of {props.outcomes.length} applied{refused > 0 ? `; ${refused} refused, each on its own` : ''}.
      </p>
      <ul class="results">
        {props.outcomes.map((outcome) => (
          <li class={`batch-${outcome.outcome}`}>
            <a href={`/admin/review/${outcome.pkgbase}`} class="strong">
              {outcome.pkgbase}
            </a>{' '}
            <code>{outcome.commit.slice(0, 12)}</code>: <strong>{OUTCOME_TEXT[outcome.outcome]}</strong>
            {outcome.message ? <span> — {outcome.message}</span> : null}
          </li>
        ))}
      </ul>
      <p>
        <a href="/admin/queue">Back to the queue</a>
      </p>
    </AdminLayout>
  );
}
