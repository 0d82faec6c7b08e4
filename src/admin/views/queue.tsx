import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import type { QueueEntry } from '../../app/overview.js';
import { QUEUE_SORTS, type QueueSort } from '../../app/queue-sort.js';
import { Commit, CsrfField, FlagCounts, Table, Time } from './components.js';
import { AdminLayout } from './layout.js';
import { ChangeSummary, ClassTag } from './review-class.js';

const SORT_LABEL: Record<QueueSort, string> = { risk: 'risk', class: 'class', age: 'oldest first' };
const SORT_NOTE: Record<QueueSort, string> = {
  risk: 'Most high flags first, then medium and low; ties by class, then oldest first.',
  class: 'Most demanding class first (unclassified, first revision, install-time code … routine); ties by risk.',
  age: 'Oldest first.',
};

const BATCH_FORM = 'batch';

export function QueuePage(props: { principal: Principal; entries: QueueEntry[]; sort: QueueSort; notice?: string | undefined }) {
  const batch = can(props.principal, 'review') && props.entries.some((entry) => entry.batchable);
  return (
    <AdminLayout title="Review queue" principal={props.principal} section="queue" notice={props.notice}>
      <h1>Review queue</h1>
      <p class="sorts">
        Sort by:{' '}
        {QUEUE_SORTS.map((sort) => (
          <a
            href={`/admin/queue?sort=${sort}`}
            class={sort === props.sort ? 'active' : undefined}
            aria-current={sort === props.sort ? 'true' : undefined}
          >
            {SORT_LABEL[sort]}
          </a>
        ))}
      </p>
      <p class="muted">{SORT_NOTE[props.sort]} Nothing here is served until it is approved; a class never approves anything.</p>
      <Table
        head={['Package', 'Class and change', 'Version', 'Commit', 'Waiting', 'Risk', 'Top flag', 'Approvals', ...(batch ? ['Batch'] : [])]}
        rows={props.entries.length}
        empty="Nothing is waiting for review."
      >
        {props.entries.map((entry) => (
          <tr>
            <td>
              <a href={`/admin/review/${entry.revision.pkgbase}`} class="strong">
                {entry.revision.pkgbase}
              </a>
              {entry.revision.historyRewritten ? <span class="tag tag-warn">history rewritten</span> : null}
            </td>
            <td class="wrap">
              <ClassTag classification={entry.classification} />
              <ChangeSummary classification={entry.classification} limit={2} />
            </td>
            <td>{entry.revision.version ?? '?'}</td>
            <td>
              <Commit id={entry.revision.commit} />
            </td>
            <td>
              <Time at={entry.revision.recordedAt} />
            </td>
            <td>
              <FlagCounts counts={entry.flags} />
            </td>
            <td class="wrap small">{entry.topFlag && entry.topFlag.severity !== 'info' ? entry.topFlag.reason : ''}</td>
            <td>
              {entry.approvals} of {entry.required}
            </td>
            {batch ? (
              <td>
                {entry.batchable ? (
                  <label class="check">
                    <input type="checkbox" form={BATCH_FORM} name="approve" value={`${entry.revision.pkgbase}:${entry.revision.commit}`} />
                    <span class="small">approve {entry.revision.commit.slice(0, 12)}</span>
                  </label>
                ) : null}
              </td>
            ) : null}
          </tr>
        ))}
      </Table>
      {batch ? (
        <form id={BATCH_FORM} method="post" action="/admin/queue/approve" class="stack batch">
          <CsrfField principal={props.principal} />
          <h2>Approve the ticked routine updates</h2>
          <p class="muted small">
            Only routine updates with no flag above low can be ticked. Each tick approves exactly the commit shown in its row: one that moved on since
            this page was loaded is refused on its own, the others go through.
          </p>
          <label>
            Comment for each approval (optional)
            <textarea name="comment" rows={2} maxlength={2000}></textarea>
          </label>
          <button type="submit" class="primary">
            Approve ticked updates
          </button>
        </form>
      ) : null}
    </AdminLayout>
  );
}
