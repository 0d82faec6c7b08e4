import type { Principal } from '../auth/principal.js';
import type { QueueEntry } from '../../app/overview.js';
import { Commit, FlagCounts, Table, Time } from './components.js';
import { AdminLayout } from './layout.js';

export function QueuePage(props: { principal: Principal; entries: QueueEntry[]; notice?: string | undefined }) {
  return (
    <AdminLayout title="Review queue" principal={props.principal} section="queue" notice={props.notice}>
      <h1>Review queue</h1>
      <p class="muted">Oldest first. Nothing here is served until it is approved.</p>
      <Table
        head={['Package', 'Version', 'Commit', 'Waiting', 'Risk', 'Top flag', 'Approvals']}
        rows={props.entries.length}
        empty="Nothing is waiting for review."
      >
        {props.entries.map((entry) => (
          <tr>
            <td>
              <a href={`/admin/review/${entry.revision.pkgbase}`} class="strong">
                {entry.revision.pkgbase}
              </a>
              {entry.revision.baseCommit ? null : <span class="tag">first revision</span>}
              {entry.revision.historyRewritten ? <span class="tag tag-warn">history rewritten</span> : null}
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
          </tr>
        ))}
      </Table>
    </AdminLayout>
  );
}
