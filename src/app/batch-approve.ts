import { AurgateError, InvalidInput } from '../errors.js';
import type { ApproveResult } from '../quarantine/decisions.js';
import { getPendingRevision } from '../quarantine/revisions.js';
import { isCommitIdPrefix, isValidPackageName } from '../srcinfo/names.js';
import type { AppDeps } from './deps.js';
import { countFlags, isBatchable } from './overview.js';
import type { ReviewService } from './review.js';

/** One page approves at most this many revisions (a form is bounded like any request). */
export const MAX_BATCH = 200;

export interface BatchItem {
  pkgbase: string;
  /** The exact commit the reviewer saw in the queue (each entry is bound to its own commit). */
  commit: string;
}

export interface BatchOutcome {
  pkgbase: string;
  commit: string;
  outcome: 'approved' | 'approval-recorded' | 'refused';
  /** Why an entry was refused (a stale commit, not routine, already approved …). */
  message: string;
}

/** `pkgbase:commit`, as the queue's checkboxes send it; AUR names never hold a colon. */
export function parseBatchItem(value: string): BatchItem {
  const at = value.lastIndexOf(':');
  const pkgbase = value.slice(0, at);
  const commit = value.slice(at + 1).toLowerCase();
  if (at <= 0 || !isValidPackageName(pkgbase) || !isCommitIdPrefix(commit))
    throw new InvalidInput(`not a package and commit: ${JSON.stringify(value.slice(0, 120))}`);
  return { pkgbase, commit };
}

/**
 * Approves several routine updates in one go, each exactly at the commit its entry names, one after
 * the other: an entry whose commit is no longer pending (stale), that is not routine, or that carries
 * a flag above low is refused on its own with the reason, and the others go through. Every approval is
 * a normal one (`approveOne`: the same rule, audit row and publishing as the single form).
 */
export async function approveBatch(
  deps: Pick<AppDeps, 'db'>,
  reviews: ReviewService,
  items: readonly BatchItem[],
  approveOne: (item: BatchItem) => Promise<ApproveResult>,
): Promise<BatchOutcome[]> {
  if (items.length === 0) throw new InvalidInput('tick at least one routine update to approve');
  if (items.length > MAX_BATCH) throw new InvalidInput(`at most ${MAX_BATCH} revisions in one batch, got ${items.length}`);
  const outcomes: BatchOutcome[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const refuse = (message: string) => outcomes.push({ ...item, outcome: 'refused', message });
    if (seen.has(item.pkgbase)) {
      refuse('listed twice in one batch');
      continue;
    }
    seen.add(item.pkgbase);
    const pending = getPendingRevision(deps.db, item.pkgbase);
    if (pending?.commit.startsWith(item.commit)) {
      const assessment = await reviews.assessment(pending);
      const counts = countFlags(assessment.flags);
      if (!isBatchable(assessment.classification, counts)) {
        const cls = assessment.classification?.class ?? 'unclassified';
        refuse(
          cls === 'routine'
            ? `a routine update with ${counts.high > 0 ? 'a high' : 'a medium'} flag: review it on its page`
            : `not a routine update (${cls}): review it on its page`,
        );
        continue;
      }
    }
    // A stale or unknown commit is refused by the approval itself, with the commit that waits now.
    try {
      const result = await approveOne(item);
      outcomes.push({ ...item, outcome: result.approved ? 'approved' : 'approval-recorded', message: '' });
    } catch (error) {
      if (!(error instanceof AurgateError)) throw error;
      refuse(error.message);
    }
  }
  return outcomes;
}
