/**
 * History and cross-package signals: pure rules over the maintainer timeline the sync records and the
 * package-level signals it stored. They turn into risk flags of a pending revision, each with a
 * reason a reviewer can check against the package page's timeline.
 */

import type { RiskFlag, Severity } from './risk/types.js';

/** Who maintained a pkgbase at one moment, as the AUR's RPC reported it. */
export interface Ownership {
  maintainer: string | null;
  coMaintainers: string[];
  submitter: string | null;
}

/** One row of the timeline: the ownership seen from `at` (epoch ms) on. */
export interface OwnershipObservation extends Ownership {
  pkgbase: string;
  at: number;
  /** The maintainer of the row before; null with firstSeen on the first observation. */
  previousMaintainer: string | null;
  firstSeen: boolean;
}

/** A signal stored for a package (an adoption wave, a takedown, an IOC hit). */
export interface StoredSignal {
  pkgbase: string;
  kind: string;
  severity: Severity;
  reason: string;
  commit: string | null;
  at: number;
}

export interface AdoptionWaveSettings {
  windowMs: number;
  /** Packages one account must adopt or take over within the window to form a wave. */
  threshold: number;
}

/** AUR user names are unique case-insensitively. */
export const sameAccount = (a: string | null, b: string | null): boolean => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

export function sameOwnership(a: Ownership, b: Ownership): boolean {
  const co = (list: string[]) =>
    list
      .map((name) => name.toLowerCase())
      .sort()
      .join('\n');
  return sameAccount(a.maintainer, b.maintainer) && sameAccount(a.submitter, b.submitter) && co(a.coMaintainers) === co(b.coMaintainers);
}

/** A change of maintainer to an account: adopting an orphan, or taking over from another maintainer. */
export interface Takeover {
  pkgbase: string;
  account: string;
  from: string | null;
  at: number;
}

/** The takeovers in a timeline (first observations are not: aurgate did not see who came before). */
export function takeoversOf(history: readonly OwnershipObservation[]): Takeover[] {
  return history.flatMap((row) =>
    !row.firstSeen && row.maintainer !== null && !sameAccount(row.maintainer, row.previousMaintainer)
      ? [{ pkgbase: row.pkgbase, account: row.maintainer, from: row.previousMaintainer, at: row.at }]
      : [],
  );
}

export interface AdoptionWave {
  account: string;
  /** Each package once, with its latest takeover by the account, oldest first. */
  takeovers: Takeover[];
}

/**
 * Accounts that adopted or took over at least `threshold` distinct mirrored packages within one window
 * ending now (the June 2026 pattern: many packages adopted by a few new accounts within days). One
 * account taking over one or two packages is ordinary AUR life and is left to the per-package flags.
 */
export function detectAdoptionWaves(takeovers: readonly Takeover[], now: number, settings: AdoptionWaveSettings): AdoptionWave[] {
  const byAccount = new Map<string, Map<string, Takeover>>();
  for (const takeover of takeovers) {
    if (takeover.at < now - settings.windowMs || takeover.at > now) continue;
    const key = takeover.account.toLowerCase();
    const packages = byAccount.get(key) ?? new Map<string, Takeover>();
    const known = packages.get(takeover.pkgbase);
    if (!known || known.at < takeover.at) packages.set(takeover.pkgbase, takeover);
    byAccount.set(key, packages);
  }
  return [...byAccount.values()]
    .filter((packages) => packages.size >= settings.threshold)
    .map((packages) => {
      const list = [...packages.values()].sort((a, b) => a.at - b.at || a.pkgbase.localeCompare(b.pkgbase));
      return { account: list[0]?.account ?? '', takeovers: list };
    });
}

const MAX_NAMED = 8;
const hours = (ms: number) => Math.round(ms / 3_600_000);

/** The stored signal of a wave for one of its packages; the key makes one row per account, package and takeover. */
export function waveSignal(wave: AdoptionWave, takeover: Takeover, settings: AdoptionWaveSettings): StoredSignal & { dedupeKey: string } {
  const others = wave.takeovers.filter((other) => other.pkgbase !== takeover.pkgbase).map((other) => other.pkgbase);
  const named = others.slice(0, MAX_NAMED).join(', ') + (others.length > MAX_NAMED ? ` and ${others.length - MAX_NAMED} more` : '');
  const how = takeover.from === null ? 'adopted this orphaned package' : `took this package over from "${takeover.from}"`;
  return {
    pkgbase: takeover.pkgbase,
    kind: 'adoption-wave',
    severity: 'high',
    reason:
      `"${wave.account}" ${how} on ${isoDate(takeover.at)} and adopted or took over ${wave.takeovers.length} mirrored packages ` +
      `within ${hours(settings.windowMs)} h (${named}): the pattern of a coordinated takeover; review every one with care.`,
    commit: null,
    at: takeover.at,
    dedupeKey: `adoption-wave:${takeover.pkgbase}:${wave.account.toLowerCase()}:${takeover.at}`,
  };
}

export function takedownSignal(pkgbase: string, lastHead: string | null, at: number): StoredSignal & { dedupeKey: string } {
  return {
    pkgbase,
    kind: 'upstream-deleted',
    severity: 'high',
    reason:
      `${pkgbase} was deleted upstream on ${isoDate(at)} (a takedown, often of malware, or a merge into another package); ` +
      'decide on the package page whether to keep serving the last approved revision or withdraw it.',
    commit: lastHead,
    at,
    dedupeKey: `upstream-deleted:${pkgbase}:${at}`,
  };
}

export interface RevisionContext {
  /** When the revision was recorded, and when the revision it is compared with was (null: a first revision). */
  recordedAt: number;
  baseRecordedAt: number | null;
  maintainer: string | null;
}

/**
 * The flags the timeline and stored signals add to one revision: what happened to the package after
 * the revision it is compared with was recorded, up to this one.
 *  - orphan-adopted (high): the package was orphaned and then adopted in that span, seen in the
 *    timeline even when both ends show a maintainer;
 *  - first-push (high): this is the first revision since its maintainer took over;
 *  - stored signals of that span (adoption waves, IOC hits), each once.
 */
export function revisionSignalFlags(
  history: readonly OwnershipObservation[],
  signals: readonly StoredSignal[],
  revision: RevisionContext,
): RiskFlag[] {
  const flags: RiskFlag[] = [];
  const since = revision.baseRecordedAt ?? Number.NEGATIVE_INFINITY;
  const span = history.filter((row) => row.at > since && row.at <= revision.recordedAt);
  const takeover = revision.baseRecordedAt === null ? undefined : takeoversOf(span).findLast((t) => sameAccount(t.account, revision.maintainer));
  const orphaning = takeover ? span.findLast((row) => row.maintainer === null && row.at <= takeover.at && !row.firstSeen) : undefined;
  if (takeover && takeover.from === null) {
    const when = orphaning ? `orphaned on ${isoDate(orphaning.at)} (maintainer "${orphaning.previousMaintainer ?? '?'}")` : 'orphaned';
    flags.push({
      check: 'orphan-adopted',
      severity: 'high',
      reason: `The package was ${when} and adopted by "${takeover.account}" on ${isoDate(takeover.at)}; this is the new maintainer's first push.`,
    });
  } else if (takeover) {
    flags.push({
      check: 'first-push',
      severity: 'high',
      reason: `This is the first push since "${takeover.account}" took the package over from "${takeover.from ?? '?'}" on ${isoDate(takeover.at)}.`,
    });
  }
  const seen = new Set<string>();
  for (const signal of signals) {
    if (signal.at <= since || seen.has(signal.reason)) continue;
    seen.add(signal.reason);
    flags.push({ check: signal.kind, severity: signal.severity, reason: signal.reason, ...(signal.commit ? { commit: signal.commit } : {}) });
  }
  return flags;
}

/**
 * Adds the signal flags to the risk analysis's. A first-push or orphan-adopted flag tells the same
 * fact as the endpoint comparison's high maintainer-change flag, with the timeline's dates: that one
 * is dropped, so the fact is reported once.
 */
export function mergeSignalFlags(risk: readonly RiskFlag[], signals: readonly RiskFlag[]): RiskFlag[] {
  const takeover = signals.some((flag) => flag.check === 'first-push' || flag.check === 'orphan-adopted');
  const kept = takeover ? risk.filter((flag) => !(flag.check === 'maintainer-change' && flag.severity === 'high')) : [...risk];
  return [...kept, ...signals];
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
