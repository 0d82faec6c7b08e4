import type { PackageSignals } from '../../app/signals.js';
import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import { Badge, Commit, CsrfField, Table, Time } from './components.js';

/**
 * The package page's history part: who maintained the package over time (as the sync saw it), the
 * signals raised for it, and the keep-or-withdraw choice while it is deleted upstream.
 */
export function PackageSignalsPart(props: { principal: Principal; pkgbase: string; view: PackageSignals }) {
  const { ownership, signals, takedown } = props.view;
  return (
    <>
      {takedown ? <TakedownPanel principal={props.principal} pkgbase={props.pkgbase} takedown={takedown} /> : null}
      <h2>Signals</h2>
      <Table head={['Detected', 'Signal', 'Severity', 'Why']} rows={signals.length} empty="No history or cross-package signal.">
        {signals
          .slice()
          .reverse()
          .map((signal) => (
            <tr>
              <td class="nowrap">
                <Time at={signal.at} />
              </td>
              <td>{signal.kind}</td>
              <td>
                <Badge severity={signal.severity}>{signal.severity}</Badge>
              </td>
              <td class="wrap small">
                {signal.reason} {signal.commit ? <Commit id={signal.commit} /> : null}
              </td>
            </tr>
          ))}
      </Table>
      <h2>Maintainers over time</h2>
      <Table
        head={['Seen from', 'Maintainer', 'Co-maintainers', 'Submitter', 'Change']}
        rows={ownership.length}
        empty="Not observed yet (the next sync records it)."
      >
        {ownership
          .slice()
          .reverse()
          .map((row) => (
            <tr>
              <td class="nowrap">
                <Time at={row.at} />
              </td>
              <td>{row.maintainer ?? <span class="muted">(orphan)</span>}</td>
              <td class="wrap small">{row.coMaintainers.join(', ') || '—'}</td>
              <td>{row.submitter ?? '—'}</td>
              <td class="small">
                {row.firstSeen
                  ? 'first observed'
                  : row.maintainer === null
                    ? `orphaned by ${row.previousMaintainer ?? '?'}`
                    : row.maintainer.toLowerCase() !== (row.previousMaintainer ?? '').toLowerCase()
                      ? `${row.previousMaintainer === null ? 'adopted' : `taken over from ${row.previousMaintainer}`}`
                      : 'co-maintainers or submitter changed'}
              </td>
            </tr>
          ))}
      </Table>
    </>
  );
}

function TakedownPanel(props: { principal: Principal; pkgbase: string; takedown: NonNullable<PackageSignals['takedown']> }) {
  const { servedCommit, decisions } = props.takedown;
  return (
    <section class="warn">
      <h2>Deleted upstream</h2>
      <p>
        The AUR no longer has this package (a takedown, often of malware, or a merge).{' '}
        {servedCommit ? (
          <>
            aurgate still serves <Commit id={servedCommit} />.
          </>
        ) : (
          'Nothing of it is served.'
        )}
      </p>
      {decisions.map((entry) => (
        <p class="small">
          {entry.action === 'takedown.kept' ? 'Kept' : 'Withdrawn'} by {entry.actor} <Time at={entry.at} />: “{String(entry.detail?.['reason'] ?? '')}
          ”
        </p>
      ))}
      {can(props.principal, 'admin') ? (
        <form method="post" action={`/admin/packages/${props.pkgbase}/takedown`} class="stack">
          <CsrfField principal={props.principal} />
          <label>
            Reason (required)
            <input name="reason" required maxlength={2000} />
          </label>
          <div>
            <button type="submit" name="choice" value="keep">
              Keep serving the last approved revision
            </button>{' '}
            <button type="submit" name="choice" value="withdraw" class="danger">
              Withdraw it (revoke every approved revision)
            </button>
          </div>
        </form>
      ) : (
        <p class="muted">An admin decides whether to keep serving it or withdraw it.</p>
      )}
    </section>
  );
}
