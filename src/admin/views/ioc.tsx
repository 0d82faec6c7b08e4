import type { GrepOutcome } from '../../app/ioc.js';
import type { IocEntry } from '../../quarantine/ioc-entries.js';
import type { Revision } from '../../quarantine/revisions.js';
import type { SignalRecord } from '../../sync/signal-store.js';
import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import { Badge, Commit, CsrfField, Table, Time } from './components.js';
import { AdminLayout } from './layout.js';

export interface IocView {
  query: { pattern: string; regex: boolean } | null;
  grep: GrepOutcome | null;
  grepError: string | null;
  entries: IocEntry[];
  /** IOC hits on approved revisions, with the revision as it is now (still approved: revoke it here). */
  alerts: Array<{ signal: SignalRecord; revision: Revision | null }>;
}

/** IOC hunting: search every mirrored revision, keep IOC lists, act on hits in approved revisions. */
export function IocPage(props: { principal: Principal; view: IocView; notice?: string | undefined }) {
  const { query, grep, entries, alerts } = props.view;
  const admin = can(props.principal, 'admin');
  return (
    <AdminLayout title="IOC hunting" principal={props.principal} section="ioc" notice={props.notice}>
      <h1>IOC hunting</h1>
      <h2>Alerts: hits in approved revisions</h2>
      <Table head={['Found', 'Package', 'Revision', 'Why', '']} rows={alerts.length} empty="No IOC was found in an approved revision.">
        {alerts.map(({ signal, revision }) => (
          <tr>
            <td class="nowrap">
              <Time at={signal.at} />
            </td>
            <td>
              <a href={`/admin/packages/${signal.pkgbase}`}>{signal.pkgbase}</a>
            </td>
            <td>
              <Commit id={signal.commit} />{' '}
              {revision ? <Badge severity={revision.state === 'approved' ? 'high' : 'info'}>{revision.state}</Badge> : null}
            </td>
            <td class="wrap small">{signal.reason}</td>
            <td>
              {admin && revision?.state === 'approved' ? (
                <form method="post" action={`/admin/packages/${signal.pkgbase}/revoke`}>
                  <CsrfField principal={props.principal} />
                  <input type="hidden" name="commit" value={revision.commit} />
                  <input type="hidden" name="reason" value={signal.reason.slice(0, 1900)} />
                  <button type="submit" class="danger">
                    Revoke
                  </button>
                </form>
              ) : null}
            </td>
          </tr>
        ))}
      </Table>

      <h2>Search every mirrored revision</h2>
      <form method="get" action="/admin/ioc" class="stack">
        <label>
          Pattern
          <input name="q" value={query?.pattern ?? ''} required maxlength={500} />
        </label>
        <label>
          <input type="checkbox" name="regex" value="1" checked={query?.regex ?? false} /> extended regular expression (at most 200 characters)
        </label>
        <button type="submit">Search</button>
      </form>
      {props.view.grepError ? <p class="error">{props.view.grepError}</p> : null}
      {grep ? <GrepResults grep={grep} /> : null}

      <h2>IOC lists</h2>
      <Table head={['List', 'Kind', 'Value', 'Added', '']} rows={entries.length} empty="No IOC list yet.">
        {entries.map((entry) => (
          <tr>
            <td>{entry.list}</td>
            <td>{entry.kind}</td>
            <td class="wrap">
              <code>{entry.value}</code>
            </td>
            <td class="nowrap">
              <Time at={entry.addedAt} /> by {entry.addedBy}
            </td>
            <td>
              {admin ? (
                <form method="post" action="/admin/ioc/remove">
                  <CsrfField principal={props.principal} />
                  <input type="hidden" name="id" value={String(entry.id)} />
                  <button type="submit">Remove</button>
                </form>
              ) : null}
            </td>
          </tr>
        ))}
      </Table>
      {admin ? (
        <form method="post" action="/admin/ioc/import" class="stack">
          <CsrfField principal={props.principal} />
          <label>
            List name
            <input name="list" required maxlength={64} pattern="[A-Za-z0-9._-]+" />
          </label>
          <label>
            From a URL (http or https)
            <input name="url" type="url" maxlength={2000} />
          </label>
          <label>
            Or pasted: one <code>&lt;kind&gt; &lt;value&gt;</code> a line (string, domain, hash, regex, package, account; # comments)
            <textarea name="text" rows={6}></textarea>
          </label>
          <button type="submit">Import and scan everything</button>
        </form>
      ) : null}
    </AdminLayout>
  );
}

function GrepResults(props: { grep: GrepOutcome }) {
  const { grep } = props;
  return (
    <>
      <p>
        {grep.hits.length} lines in {grep.revisions} revisions of {grep.packages} packages
        {grep.truncated ? ' (limit reached: narrow the pattern)' : ''}.
      </p>
      {grep.errors.map((error) => (
        <p class="error">
          {error.pkgbase}: {error.error}
        </p>
      ))}
      <Table head={['Package', 'Revision', 'State', 'Where', 'Line']} rows={grep.hits.length} empty="No match.">
        {grep.hits.map((hit) => (
          <tr>
            <td>
              <a href={`/admin/packages/${hit.pkgbase}`}>{hit.pkgbase}</a>
            </td>
            <td>
              {hit.version ?? '?'} <Commit id={hit.commit} />
            </td>
            <td>{hit.state}</td>
            <td class="small">
              {hit.path}:{hit.line}
            </td>
            <td class="wrap">
              <code>{hit.text}</code>
            </td>
          </tr>
        ))}
      </Table>
    </>
  );
}
