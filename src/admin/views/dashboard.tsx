import type { Principal } from '../auth/principal.js';
import type { Dashboard } from '../../app/overview.js';
import { Badge, Table, Time } from './components.js';
import { plural } from './format.js';
import { AdminLayout } from './layout.js';

export function DashboardPage(props: { principal: Principal; data: Dashboard; notice?: string | undefined }) {
  const { data } = props;
  const run = data.lastRun;
  return (
    <AdminLayout title="Dashboard" principal={props.principal} section="dashboard" notice={props.notice}>
      <h1>Dashboard</h1>
      <div class="cards">
        <a class="card" href="/admin/queue">
          <span class="big">{data.pending}</span>
          <span>pending {data.pending === 1 ? 'revision' : 'revisions'}</span>
        </a>
        <div class="card">
          <span class="big">{data.oldestPendingAt ? <Time at={data.oldestPendingAt} /> : '—'}</span>
          <span>oldest pending</span>
        </div>
        <a class="card" href="/admin/sync">
          <span class="big">{run ? <Time at={run.startedAt} /> : 'never'}</span>
          <span>
            last sync {run ? <Badge severity={run.status === 'ok' ? 'ok' : run.status === 'running' ? 'info' : 'high'}>{run.status}</Badge> : null}
          </span>
        </a>
        <a class="card" href="/admin/packages">
          <span class="big">{data.allowlisted}</span>
          <span>allowlisted packages</span>
        </a>
      </div>
      <h2>Failing packages</h2>
      <Table head={['Package', 'Error', 'Since']} rows={data.failing.length} empty="No package failed its last sync.">
        {data.failing.map((pkg) => (
          <tr>
            <td>
              <a href={`/admin/packages/${pkg.pkgbase}`}>{pkg.pkgbase}</a>
            </td>
            <td class="wrap">{pkg.lastError ?? ''}</td>
            <td>
              <Time at={pkg.lastErrorAt} />
            </td>
          </tr>
        ))}
      </Table>
      {data.deletedUpstream.length > 0 ? (
        <>
          <h2>Deleted upstream</h2>
          <p>
            {plural(data.deletedUpstream.length, 'package')} no longer exist in the AUR:{' '}
            {data.deletedUpstream.map((pkg, index) => (
              <>
                {index > 0 ? ', ' : ''}
                <a href={`/admin/packages/${pkg.pkgbase}`}>{pkg.pkgbase}</a>
              </>
            ))}
          </p>
        </>
      ) : null}
    </AdminLayout>
  );
}
