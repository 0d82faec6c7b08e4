import type { Child } from 'hono/jsx';
import { displayPath } from '../../review/display-path.js';
import type { RiskFlag, Severity } from '../../review/risk/index.js';
import { CSRF_FIELD } from '../auth/http.js';
import type { Principal } from '../auth/principal.js';
import { age, isoTime, query, shortCommit } from './format.js';

/** hono/jsx escapes every string child and attribute value: package text passed here stays text. */

export function Time(props: { at: number | null | undefined }) {
  if (!props.at) return <span class="muted">never</span>;
  return (
    <time datetime={new Date(props.at).toISOString()} title={isoTime(props.at)}>
      {age(props.at)}
    </time>
  );
}

export function Commit(props: { id: string | null | undefined }) {
  return props.id ? (
    <code class="commit" title={props.id}>
      {shortCommit(props.id)}
    </code>
  ) : (
    <span class="muted">—</span>
  );
}

export function Badge(props: { severity: Severity | 'ok' | 'state'; children: Child }) {
  return <span class={`badge badge-${props.severity}`}>{props.children}</span>;
}

export function CsrfField(props: { principal: Principal }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.principal.csrfToken ?? ''} />;
}

/** Where a flag points: the line in the per-file view of the candidate. */
export function flagHref(pkgbase: string, flag: RiskFlag): string | null {
  if (!flag.file) return null;
  return `/admin/review/${pkgbase}/file${query({ path: flag.file })}${flag.line ? `#L${flag.line}` : ''}`;
}

export function FlagList(props: { pkgbase: string; flags: readonly RiskFlag[] }) {
  if (props.flags.length === 0) return <p class="ok-text">No risk flags. Read the diff anyway: the checks only know known tricks.</p>;
  return (
    <ul class="flags">
      {props.flags.map((flag) => {
        const href = flagHref(props.pkgbase, flag);
        return (
          <li class={`flag flag-${flag.severity}`}>
            <Badge severity={flag.severity}>{flag.severity}</Badge> <span class="check">{flag.check}</span> {flag.reason}{' '}
            {href ? (
              <a href={href} class="where">
                {displayPath(flag.file ?? '')}
                {flag.line ? `:${flag.line}` : ''}
              </a>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

export function FlagCounts(props: { counts: Record<Severity, number> }) {
  const shown = (['high', 'medium', 'low'] as const).filter((severity) => props.counts[severity] > 0);
  if (shown.length === 0) return <Badge severity="ok">no flags</Badge>;
  return (
    <span class="counts">
      {shown.map((severity) => (
        <Badge severity={severity}>
          {props.counts[severity]} {severity}
        </Badge>
      ))}
    </span>
  );
}

/** Messages shown after a redirect. Only known codes are shown, so a link cannot put words on the page. */
const NOTICES: Record<string, string> = {
  approved: 'Approved: the commit is served now.',
  'approval-recorded': 'Your approval is recorded; the revision waits for more approvals.',
  rejected: 'Rejected: the commit will never be served.',
  revoked: 'Revoked: the commit is no longer served and left the served repository.',
  allowed: 'Added to the allowlist.',
  'allowed-fetching': 'Added to the allowlist; fetching in the background. Refresh the queue in a moment.',
  'allowed-later': 'Added to the allowlist; a sync is running, the next one fetches the new packages.',
  'already-allowed': 'Already on the allowlist.',
  disallowed: 'Removed from the allowlist; no longer served.',
  'sync-started': 'Sync started in the background.',
  'sync-busy': 'A sync is already running; try again when it has finished.',
  'user-added': 'User added.',
  'user-disabled': 'User disabled: their sessions ended and their tokens were revoked.',
  'token-revoked': 'Token revoked.',
  'policy-saved': 'Policy saved: every process applies it from the next decision on.',
  'signed-out': 'Signed out.',
  'policy-frozen': 'Frozen: no approval of the matching packages is recorded until the freeze is lifted.',
  'policy-unfrozen': 'Freeze lifted.',
  'ioc-imported': 'IOC list imported; every recorded revision was scanned with all lists.',
  'ioc-removed': 'IOC entry removed.',
  'takedown-kept': 'Takedown decided: the last approved revision stays served.',
  'takedown-withdrawn': 'Takedown decided: every approved revision was revoked; nothing of the package is served.',
};

export function Notice(props: { code: string | undefined }) {
  const text = props.code ? NOTICES[props.code] : undefined;
  return text ? (
    <p class="notice" role="status">
      {text}
    </p>
  ) : null;
}

export function Table(props: { head: string[]; children: Child; empty?: string | undefined; rows: number }) {
  if (props.rows === 0) return <p class="muted">{props.empty ?? 'Nothing here.'}</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {props.head.map((label) => (
              <th>{label}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
