import type { SyncRunRecord } from '../../sync/runs.js';
import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import { Badge, CsrfField, Table, Time } from './components.js';
import { AdminLayout } from './layout.js';

export function SyncPage(props: { principal: Principal; runs: SyncRunRecord[]; running: boolean; schedule: string; notice?: string | undefined }) {
  return (
    <AdminLayout title="Sync" principal={props.principal} section="sync" notice={props.notice}>
      <h1>Sync</h1>
      <p>
        Scheduled: <code>{props.schedule}</code>. {props.running ? <strong>A sync is running now.</strong> : null}
      </p>
      {can(props.principal, 'review') ? (
        <form method="post" action="/admin/sync">
          <CsrfField principal={props.principal} />
          <button type="submit">Sync now</button>
        </form>
      ) : null}
      <h2>Recent runs</h2>
      <Table
        head={['Run', 'Started', 'Trigger', 'Status', 'Packages', 'Fetched', 'New', 'Failed', 'Errors']}
        rows={props.runs.length}
        empty="No sync has run yet."
      >
        {props.runs.map((run) => (
          <tr>
            <td>#{run.id}</td>
            <td>
              <Time at={run.startedAt} />
            </td>
            <td>{run.trigger}</td>
            <td>
              <Badge severity={run.status === 'ok' ? 'ok' : run.status === 'running' ? 'info' : 'high'}>{run.status}</Badge>
            </td>
            <td>{run.packages}</td>
            <td>{run.fetched}</td>
            <td>{run.newRevisions}</td>
            <td>{run.failed}</td>
            <td class="wrap small">{run.errors.map((entry) => `${entry.pkgbase}: ${entry.error}`).join('; ')}</td>
          </tr>
        ))}
      </Table>
    </AdminLayout>
  );
}
