import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import type { PackageSummary, PackageTimeline } from '../../app/overview.js';
import { Badge, Commit, CsrfField, Table, Time } from './components.js';
import { AdminLayout } from './layout.js';
import type { PackageSignals } from '../../app/signals.js';
import { PackageSignalsPart } from './package-signals.js';

export function PackagesPage(props: { principal: Principal; packages: PackageSummary[] }) {
  return (
    <AdminLayout title="Packages" principal={props.principal} section="packages">
      <h1>Packages</h1>
      <Table
        head={['Package', 'Names', 'Served', 'Pending', 'Upstream', 'Checked', 'Error']}
        rows={props.packages.length}
        empty="No package is allowlisted yet."
      >
        {props.packages.map(({ pkg, served, pending }) => (
          <tr>
            <td>
              <a href={`/admin/packages/${pkg.pkgbase}`} class="strong">
                {pkg.pkgbase}
              </a>
            </td>
            <td class="wrap small">{pkg.pkgnames.join(' ')}</td>
            <td>
              {served ? (
                <>
                  {served.version ?? '?'} <Commit id={served.commit} />
                </>
              ) : (
                <span class="muted">nothing</span>
              )}
            </td>
            <td>{pending ? <a href={`/admin/review/${pkg.pkgbase}`}>{pending.version ?? '?'}</a> : <span class="muted">—</span>}</td>
            <td>{pkg.upstreamStatus === 'deleted' ? <Badge severity="high">deleted</Badge> : (pkg.upstreamVersion ?? '—')}</td>
            <td>
              <Time at={pkg.lastCheckedAt} />
            </td>
            <td class="wrap small">{pkg.lastError ?? ''}</td>
          </tr>
        ))}
      </Table>
    </AdminLayout>
  );
}

const STATE_BADGE = { approved: 'ok', pending: 'medium', rejected: 'high', revoked: 'high', superseded: 'info' } as const;

export function PackagePage(props: { principal: Principal; timeline: PackageTimeline; signals?: PackageSignals; notice?: string | undefined }) {
  const { pkg, served, pending, revisions } = props.timeline;
  const mayRevoke = can(props.principal, 'admin');
  return (
    <AdminLayout title={pkg.pkgbase} principal={props.principal} section="packages" notice={props.notice}>
      <h1>{pkg.pkgbase}</h1>
      <dl class="facts">
        <dt>Served commit</dt>
        <dd>
          {served ? (
            <>
              <code class="full-commit">{served.commit}</code> ({served.version ?? '?'})
            </>
          ) : (
            <span class="muted">nothing is served</span>
          )}
        </dd>
        <dt>Pending</dt>
        <dd>{pending ? <a href={`/admin/review/${pkg.pkgbase}`}>{pending.version ?? '?'} awaits review</a> : <span class="muted">nothing</span>}</dd>
        <dt>Allowlisted names</dt>
        <dd>{pkg.pkgnames.length > 0 ? pkg.pkgnames.join(', ') : <span class="muted">none (not mirrored)</span>}</dd>
        <dt>Upstream</dt>
        <dd>
          {pkg.upstreamStatus} · maintainer {pkg.upstreamMeta?.Maintainer ?? '(orphan)'} · checked <Time at={pkg.lastCheckedAt} />
        </dd>
        {pkg.lastError ? (
          <>
            <dt>Last error</dt>
            <dd class="error">{pkg.lastError}</dd>
          </>
        ) : null}
      </dl>
      {props.signals ? <PackageSignalsPart principal={props.principal} pkgbase={pkg.pkgbase} view={props.signals} /> : null}
      <h2>Timeline</h2>
      <ol class="timeline">
        {revisions.map(({ revision, approvals }) => (
          <li class={`state-${revision.state}`}>
            <div>
              <Badge severity={STATE_BADGE[revision.state]}>{revision.state}</Badge> <strong>{revision.version ?? '?'}</strong>{' '}
              <Commit id={revision.commit} /> recorded <Time at={revision.recordedAt} />
              {served?.commit === revision.commit ? <span class="tag tag-ok">served</span> : null}
            </div>
            {revision.decidedBy ? (
              <div class="small">
                {revision.state} by {revision.decidedBy} <Time at={revision.decidedAt} />
                {revision.decisionNote ? `: “${revision.decisionNote}”` : ''}
              </div>
            ) : null}
            {approvals.length > 0 ? <div class="small">approvals: {approvals.map((approval) => approval.reviewer).join(', ')}</div> : null}
            {revision.commits[0] ? <div class="small muted">{revision.commits[0].subject}</div> : null}
            {mayRevoke && revision.state === 'approved' ? (
              <details>
                <summary>Revoke…</summary>
                <form method="post" action={`/admin/packages/${pkg.pkgbase}/revoke`} class="stack">
                  <CsrfField principal={props.principal} />
                  <input type="hidden" name="commit" value={revision.commit} />
                  <label>
                    Reason (required)
                    <input name="reason" required maxlength={2000} />
                  </label>
                  <button type="submit" class="danger">
                    Revoke {revision.commit.slice(0, 12)}
                  </button>
                </form>
              </details>
            ) : null}
          </li>
        ))}
      </ol>
    </AdminLayout>
  );
}
