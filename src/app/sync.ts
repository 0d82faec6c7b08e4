import type { Config } from '../config.js';
import { lockIsHeld, releaseLockOf } from '../db/locks.js';
import { inTransaction, type Db } from '../db/open.js';
import { Busy, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { getRevision, type Revision } from '../quarantine/revisions.js';
import { runSync, type SyncDeps as RunDeps, type SyncEvent, type SyncOptions } from '../sync/run.js';
import { interruptRunningRuns, type SyncSummary } from '../sync/runs.js';
import { highRiskEvent, pendingRevisionEvent, syncErrorEvent, syncFailedEvent, upstreamDeletedEvent } from '../notify/events.js';
import type { Notifier } from '../notify/webhook.js';
import type { Assessment } from './assess.js';
import { observeUpstream, recordTakedown } from './signals.js';

export interface SyncNotificationDeps extends RunDeps {
  notifier: Notifier;
  /** Risk flags and class of a new pending revision (the shared, cached analysis, which records the class). */
  assess: (revision: Revision) => Promise<Assessment>;
  /** Runs after each completed sync: IOC scans and the opt-in automatic policies (cooldown approvals). */
  afterSync?: () => Promise<unknown>;
}

/** New revisions are assessed (and classified) this many at a time while the sync goes on: each runs git. */
const ASSESS_CONCURRENCY = 4;

/** Runs tasks with at most `limit` in flight, in the order they arrive. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

const adminUrl = (deps: { config: Pick<Config, 'publicUrl'> }, path: string): string => `${deps.config.publicUrl}/admin${path}`;

/**
 * Runs a sync, classifies and assesses each new pending revision (the class is recorded and audited
 * whether or not a webhook is set), and sends its notifications: each new pending revision (with its
 * class and risk summary, plus a
 * separate high-risk event when it has high flags), each package deleted upstream, and a summary
 * when packages failed or the run itself failed. Every caller of a sync (scheduler, web admin, CLI)
 * goes through here so they notify alike. A busy sync lock is not a failure and is not reported.
 */
export async function syncWithNotifications(deps: SyncNotificationDeps, options: SyncOptions): Promise<SyncSummary> {
  const { notifier } = deps;
  const pending: Array<Promise<void>> = [];
  const limit = limiter(ASSESS_CONCURRENCY);
  const onEvent = (event: SyncEvent): void => {
    if (event.kind === 'upstream-deleted') recordTakedown(deps.db, event.pkgbase);
    options.onEvent?.(event);
    if (notifier.enabled || event.kind === 'new-revision') pending.push(limit(() => handleEvent(deps, event)));
  };
  // No await before runSync: a busy lock then rejects at once, which the background runner relies on.
  const onUpstreamMeta = (found: Parameters<typeof observeUpstream>[1]): void => void observeUpstream(deps, found);
  const running = runSync(deps, { ...options, onEvent, onUpstreamMeta });
  let summary: SyncSummary;
  try {
    summary = await running;
  } catch (error) {
    await Promise.all(pending);
    if (!(error instanceof Busy)) await notifier.send(syncErrorEvent(describeError(error), adminUrl(deps, '/sync')));
    throw error;
  }
  await Promise.all(pending);
  if (summary.failed > 0) await notifier.send(syncFailedEvent(summary, adminUrl(deps, '/sync')));
  try {
    await deps.afterSync?.();
  } catch (error) {
    deps.logger.error({ err: describeError(error) }, 'automatic policies after the sync failed');
  }
  return summary;
}

/** Assesses a new revision (always) and sends the event's notifications (when a webhook is set). */
async function handleEvent(deps: SyncNotificationDeps, event: SyncEvent): Promise<void> {
  const { notifier } = deps;
  try {
    if (event.kind === 'upstream-deleted' && notifier.enabled)
      return await notifier.send(upstreamDeletedEvent(event.pkgbase, adminUrl(deps, `/packages/${event.pkgbase}`)));
    if (event.kind !== 'new-revision') return;
    const revision = getRevision(deps.db, event.pkgbase, event.commit);
    if (!revision) return;
    const { flags, classification } = await deps.assess(revision);
    if (!notifier.enabled) return;
    const url = adminUrl(deps, `/review/${revision.pkgbase}`);
    await notifier.send(pendingRevisionEvent(revision, flags, url, classification));
    const high = highRiskEvent(revision, flags, url);
    if (high) await notifier.send(high);
  } catch (error) {
    deps.logger.warn({ event: event.kind, pkgbase: event.pkgbase, err: describeError(error) }, 'assessing or notifying failed');
  }
}

/**
 * A sync's process died without finishing (the server's sync worker: crash, OOM kill, stopped at
 * shutdown). If it held the sync lock, the lock is released and its run closed as interrupted, in one
 * transaction, so the sync page shows it and the next sync can start at once; returns how many runs
 * were closed, or null when the lock was not that process's (it died before taking it, or released
 * it). Nothing else needs repair: a sync is crash-safe, the next run repeats the unfinished work.
 */
export function closeAbandonedSync(deps: { db: Db; logger: Logger }, pid: number): number | null {
  try {
    return inTransaction(deps.db, () => (releaseLockOf(deps.db, 'sync', pid) ? interruptRunningRuns(deps.db) : null));
  } catch (error) {
    // The next sync does the same on its own (a dead holder's lock is stale, its run gets closed).
    deps.logger.error({ err: describeError(error), pid }, 'recording an abandoned sync run as interrupted failed');
    return null;
  }
}

/** The webhook's `sync.failed` with status "error" for a sync that could not finish (its own notifications died with it). */
export function notifyAbandonedSync(deps: { config: Pick<Config, 'publicUrl'>; notifier: Notifier }, cause: string): Promise<void> {
  return deps.notifier.send(syncErrorEvent(cause, adminUrl(deps, '/sync')));
}

/**
 * Runs recorded as running with no live holder of the sync lock (their process was killed with the
 * server, or the machine restarted) are closed as interrupted; returns how many. Called at start-up
 * and wherever a run's state is shown, so a dead run never shows as running until the next sync.
 */
export function closeRunsWithoutHolder(db: Db): number {
  return inTransaction(db, () => (lockIsHeld(db, 'sync') ? 0 : interruptRunningRuns(db)));
}
