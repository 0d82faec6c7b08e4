import { requireAccount } from '../accounts/users.js';
import { inTransaction, type Db } from '../db/open.js';
import { Conflict, InvalidInput, NotFound } from '../errors.js';
import type { Actor } from '../quarantine/actor.js';
import { appendAudit, listAudit, type AuditEntry } from '../quarantine/audit.js';
import { getPackage } from '../quarantine/packages.js';
import { getServedRevision, listApprovedRevisions, type Revision } from '../quarantine/revisions.js';
import type { RiskFlag } from '../review/risk/index.js';
import {
  detectAdoptionWaves,
  revisionSignalFlags,
  takedownSignal,
  takeoversOf,
  waveSignal,
  type AdoptionWave,
  type AdoptionWaveSettings,
  type Ownership,
  type OwnershipObservation,
} from '../review/signals.js';
import { assertPackageName } from '../srcinfo/names.js';
import { ownershipChangesSince, ownershipHistory, recordOwnership } from '../sync/maintainer-history.js';
import { recordSignal, signalsOf, type SignalRecord } from '../sync/signal-store.js';
import type { UpstreamMeta } from '../upstream/rpc-schema.js';
import type { AppDeps } from './deps.js';
import { revoke } from './decisions.js';

export function waveSettings(config: AppDeps['config']): AdoptionWaveSettings {
  return { windowMs: config.adoptionWaveHours * 3_600_000, threshold: config.adoptionWaveThreshold };
}

export interface Observed {
  /** Ownership rows written (changes, and first observations). */
  changes: OwnershipObservation[];
  waves: AdoptionWave[];
  /** Wave signals stored by this observation (a wave already recorded is not recorded again). */
  newSignals: number;
}

/**
 * Called by the sync with the RPC metadata of every package found upstream, before any git fetch:
 * records ownership changes (audited), then looks for adoption waves over the window ending now and
 * stores one signal per package of each wave, in one transaction.
 */
export function observeUpstream(deps: Pick<AppDeps, 'db' | 'config'>, found: ReadonlyMap<string, UpstreamMeta>, now = Date.now()): Observed {
  const { db } = deps;
  const ownership = new Map<string, Ownership>(
    [...found].map(([pkgbase, meta]) => [pkgbase, { maintainer: meta.Maintainer, coMaintainers: meta.CoMaintainers, submitter: meta.Submitter }]),
  );
  const settings = waveSettings(deps.config);
  return inTransaction(db, () => {
    const changes = recordOwnership(db, ownership, now);
    for (const change of changes.filter((row) => !row.firstSeen)) {
      appendAudit(
        db,
        {
          actor: 'sync',
          channel: 'system',
          action: 'upstream.ownership-changed',
          pkgbase: change.pkgbase,
          detail: {
            from: change.previousMaintainer,
            maintainer: change.maintainer,
            coMaintainers: change.coMaintainers,
            submitter: change.submitter,
          },
        },
        now,
      );
    }
    const waves = detectAdoptionWaves(takeoversOf(ownershipChangesSince(db, now - settings.windowMs)), now, settings);
    let newSignals = 0;
    for (const wave of waves) for (const takeover of wave.takeovers) if (recordSignal(db, waveSignal(wave, takeover, settings))) newSignals += 1;
    return { changes, waves, newSignals };
  });
}

/** A package deleted upstream: a high signal the package page turns into the keep-or-withdraw choice. */
export function recordTakedown(db: Db, pkgbase: string, now = Date.now()): void {
  recordSignal(db, takedownSignal(pkgbase, getPackage(db, pkgbase)?.upstreamHead ?? null, now));
}

/** The flags the timeline and stored signals add to a revision (merged into its assessment). */
export function historyFlags(db: Db, revision: Revision, base: Revision | null): RiskFlag[] {
  return revisionSignalFlags(ownershipHistory(db, revision.pkgbase), signalsOf(db, revision.pkgbase), {
    recordedAt: revision.recordedAt,
    baseRecordedAt: base?.recordedAt ?? null,
    maintainer: revision.upstreamMeta?.Maintainer ?? null,
  });
}

export interface PackageSignals {
  ownership: OwnershipObservation[];
  signals: SignalRecord[];
  /** Set while the package is deleted upstream: what is served and the admins' decisions so far. */
  takedown: { servedCommit: string | null; decisions: AuditEntry[] } | null;
}

export function packageSignals(db: Db, pkgbase: string): PackageSignals {
  const name = assertPackageName(pkgbase, 'pkgbase');
  const pkg = getPackage(db, name);
  if (!pkg) throw new NotFound(`unknown package ${name}`, { pkgbase: name });
  const takedown =
    pkg.upstreamStatus === 'deleted'
      ? {
          servedCommit: getServedRevision(db, name)?.commit ?? null,
          decisions: [
            ...listAudit(db, { pkgbase: name, action: 'takedown.kept', limit: 20 }),
            ...listAudit(db, { pkgbase: name, action: 'takedown.withdrawn', limit: 20 }),
          ].sort((a, b) => b.id - a.id),
        }
      : null;
  return { ownership: ownershipHistory(db, name), signals: signalsOf(db, name), takedown };
}

export const TAKEDOWN_CHOICES = ['keep', 'withdraw'] as const;
export type TakedownChoice = (typeof TAKEDOWN_CHOICES)[number];

export function parseTakedownChoice(value: string): TakedownChoice {
  const choice = TAKEDOWN_CHOICES.find((known) => known === value.trim().toLowerCase());
  if (!choice) throw new InvalidInput(`the takedown choice is keep or withdraw, got ${JSON.stringify(value.slice(0, 20))}`);
  return choice;
}

/**
 * An admin's answer to a takedown. `keep` goes on serving the last approved revision and records why;
 * `withdraw` revokes every approved revision through the revoke use case (so the served repo, the
 * snapshot cache and the catalog follow as for any revocation) and records the choice. Both audited.
 */
export async function decideTakedown(
  deps: Parameters<typeof revoke>[0],
  input: { pkgbase: string; choice: TakedownChoice; by: Actor; note: string },
): Promise<{ choice: TakedownChoice; revoked: string[]; servedCommit: string | null }> {
  const pkgbase = assertPackageName(input.pkgbase, 'pkgbase');
  const note = input.note.trim();
  if (!note) throw new InvalidInput('a reason is required for a takedown decision', { pkgbase });
  const { db } = deps;
  const pkg = getPackage(db, pkgbase);
  if (!pkg) throw new NotFound(`unknown package ${pkgbase}`, { pkgbase });
  if (pkg.upstreamStatus !== 'deleted') throw new Conflict(`${pkgbase} is not deleted upstream; there is no takedown to decide`, { pkgbase });
  const account = requireAccount(db, input.by.user.id, 'admin', 'deciding a takedown');
  const revoked: string[] = [];
  if (input.choice === 'withdraw') {
    // Oldest first: revoking a revision revokes the approved ones built on it, so this usually runs once.
    for (let next = listApprovedRevisions(db, pkgbase).at(-1); next; next = listApprovedRevisions(db, pkgbase).at(-1)) {
      const done = await revoke(deps, { pkgbase, commit: next.commit, by: input.by, note: `withdrawn after the upstream takedown: ${note}` });
      revoked.push(...done.map((revision) => revision.commit));
    }
  }
  const servedCommit = getServedRevision(db, pkgbase)?.commit ?? null;
  inTransaction(db, () =>
    appendAudit(db, {
      actor: account.name,
      channel: input.by.channel,
      action: input.choice === 'keep' ? 'takedown.kept' : 'takedown.withdrawn',
      pkgbase,
      commit: servedCommit ?? revoked[0] ?? null,
      detail: { reason: note, revoked },
    }),
  );
  return { choice: input.choice, revoked, servedCommit };
}
