import { CHANNELS } from '../../quarantine/actor.js';
import type { AuditEntry, AuditFilter } from '../../quarantine/audit.js';
import type { Principal } from '../auth/principal.js';
import { Commit, Table } from './components.js';
import { isoTime, query } from './format.js';
import { AdminLayout } from './layout.js';

function detailText(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  return Object.entries(detail)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
}

export function AuditPage(props: { principal: Principal; entries: AuditEntry[]; filter: AuditFilter; pageSize: number }) {
  const { filter, entries } = props;
  const last = entries[entries.length - 1];
  return (
    <AdminLayout title="Audit log" principal={props.principal} section="audit">
      <h1>Audit log</h1>
      <form method="get" action="/admin/audit" class="filters">
        <label>
          Package <input name="package" value={filter.pkgbase ?? ''} />
        </label>
        <label>
          Action <input name="action" value={filter.action ?? ''} placeholder="revision, allowlist.add…" />
        </label>
        <label>
          Actor <input name="actor" value={filter.actor ?? ''} />
        </label>
        <label>
          Channel
          <select name="channel">
            <option value="">any</option>
            {CHANNELS.map((channel) => (
              <option value={channel} selected={filter.channel === channel}>
                {channel}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button> <a href="/admin/audit">clear</a>
      </form>
      <Table head={['When (UTC)', 'Actor', 'Channel', 'Action', 'Package', 'Commit', 'Detail']} rows={entries.length} empty="No matching entries.">
        {entries.map((entry) => (
          <tr>
            <td class="nowrap">{isoTime(entry.at)}</td>
            <td>{entry.actor}</td>
            <td>{entry.channel ?? '—'}</td>
            <td>
              <code>{entry.action}</code>
            </td>
            <td>{entry.pkgbase ? <a href={`/admin/packages/${entry.pkgbase}`}>{entry.pkgbase}</a> : ''}</td>
            <td>
              <Commit id={entry.commit} />
            </td>
            <td class="wrap small">{detailText(entry.detail)}</td>
          </tr>
        ))}
      </Table>
      {last && entries.length >= props.pageSize ? (
        <p>
          <a
            href={`/admin/audit${query({ package: filter.pkgbase, action: filter.action, actor: filter.actor, channel: filter.channel, before: last.id })}`}
          >
            Older entries →
          </a>
        </p>
      ) : null}
    </AdminLayout>
  );
}
