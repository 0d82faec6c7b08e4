import type { Revision } from '../quarantine/revisions.js';
import type { Classification } from '../review/classify-types.js';
import type { RiskFlag, Severity } from '../review/risk/index.js';
import type { SyncSummary } from '../sync/runs.js';
import type { NotificationPayload } from './webhook.js';

/**
 * Slack reads `<`, `>` and `&` as markup (links, @channel mentions); package text is written by
 * strangers, so it is escaped in `text`. The structured fields carry the raw values.
 */
export function slackEscape(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

const short = (commit: string): string => commit.slice(0, 12);
const clip = (value: string, max = 200): string => (value.length > max ? `${value.slice(0, max)}…` : value);

function severityCounts(flags: readonly RiskFlag[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { high: 0, medium: 0, low: 0, info: 0 };
  for (const flag of flags) counts[flag.severity] += 1;
  return counts;
}

function flagSummary(counts: Record<Severity, number>): string {
  const parts = (['high', 'medium', 'low'] as const).filter((severity) => counts[severity] > 0).map((severity) => `${counts[severity]} ${severity}`);
  return parts.length > 0 ? `risk flags: ${parts.join(', ')}` : 'no risk flags';
}

/** The condensed change lines a notification carries at most. */
const MAX_CHANGES = 10;

export function pendingRevisionEvent(
  revision: Revision,
  flags: readonly RiskFlag[],
  url: string,
  classification: Classification | null = null,
): NotificationPayload {
  const counts = severityCounts(flags);
  const version = revision.version ?? '?';
  const cls = classification?.class ?? 'unclassified';
  return {
    event: 'revision.pending',
    pkgbase: revision.pkgbase,
    commit: revision.commit,
    version: revision.version,
    baseCommit: revision.baseCommit,
    historyRewritten: revision.historyRewritten,
    flags: counts,
    // The class is what the reviewer will see first; it never approves anything by itself.
    class: cls,
    changes: (classification?.changes ?? []).slice(0, MAX_CHANGES).map((change) => clip(change.text)),
    url,
    at: new Date().toISOString(),
    text: `aurgate: ${slackEscape(revision.pkgbase)} ${slackEscape(version)} (${short(revision.commit)}) awaits review: ${cls}, ${flagSummary(counts)}. <${url}|Review it>`,
  };
}

export function highRiskEvent(revision: Revision, flags: readonly RiskFlag[], url: string): NotificationPayload | null {
  const high = flags.filter((flag) => flag.severity === 'high');
  if (high.length === 0) return null;
  const listed = high
    .slice(0, 5)
    .map(
      (flag) => `• ${slackEscape(clip(flag.reason))}${flag.file ? ` (${slackEscape(clip(flag.file, 80))}${flag.line ? `:${flag.line}` : ''})` : ''}`,
    );
  return {
    event: 'risk.high',
    pkgbase: revision.pkgbase,
    commit: revision.commit,
    version: revision.version,
    flags: high.map((flag) => ({
      check: flag.check,
      severity: flag.severity,
      reason: flag.reason,
      file: flag.file ?? null,
      line: flag.line ?? null,
    })),
    url,
    at: new Date().toISOString(),
    text: [
      `aurgate: HIGH RISK in ${slackEscape(revision.pkgbase)} ${short(revision.commit)} (${high.length} high-severity flag${high.length > 1 ? 's' : ''}):`,
      ...listed,
      `<${url}|Review it>`,
    ].join('\n'),
  };
}

export function syncFailedEvent(summary: SyncSummary, url: string): NotificationPayload {
  const listed = summary.errors.slice(0, 10).map((entry) => `• ${slackEscape(entry.pkgbase)}: ${slackEscape(clip(entry.error))}`);
  return {
    event: 'sync.failed',
    runId: summary.runId,
    status: summary.status,
    packages: summary.packages,
    failed: summary.failed,
    errors: summary.errors,
    url,
    at: new Date().toISOString(),
    text: [`aurgate: sync #${summary.runId} ${summary.status}: ${summary.failed} of ${summary.packages} packages failed`, ...listed].join('\n'),
  };
}

/** A run that could not even start or finish (not a busy lock: that is normal). */
export function syncErrorEvent(error: string, url: string): NotificationPayload {
  return {
    event: 'sync.failed',
    status: 'error',
    error,
    url,
    at: new Date().toISOString(),
    text: `aurgate: sync failed: ${slackEscape(clip(error, 500))}`,
  };
}

export function upstreamDeletedEvent(pkgbase: string, url: string): NotificationPayload {
  return {
    event: 'package.deleted',
    pkgbase,
    url,
    at: new Date().toISOString(),
    text: `aurgate: ${slackEscape(pkgbase)} was deleted upstream; aurgate keeps what it mirrored`,
  };
}

/** An IOC matched a revision that is approved (served now or earlier): the alert that asks for revocation. */
export function iocAlertEvent(hit: { pkgbase: string; commit: string; version: string | null; reason: string }, url: string): NotificationPayload {
  return {
    event: 'ioc.approved-hit',
    pkgbase: hit.pkgbase,
    commit: hit.commit,
    version: hit.version,
    reason: hit.reason,
    url,
    at: new Date().toISOString(),
    text: `aurgate: IOC hit in approved ${slackEscape(hit.pkgbase)} ${slackEscape(hit.version ?? '?')} (${short(hit.commit)}): ${slackEscape(clip(hit.reason, 500))}. <${url}|Revoke it>`,
  };
}
