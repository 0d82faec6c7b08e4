import type { Db } from '../db/open.js';
import { commitsBetween, isAncestor, type CommitInfo } from '../git/history.js';
import type { Channel } from './actor.js';
import { appendAudit } from './audit.js';
import { withdrawApprovals } from './approvals.js';
import { getPendingRevision, getRevision, getRevisionById, listApprovedRevisions, setRevisionBase } from './revisions.js';

/**
 * A pending revision is reviewed against what is served. When its base is revoked, the diff, the
 * commit list and the risk flags would describe a change from something nobody gets any more, so the
 * revision is re-based on the newest approved, non-revoked revision (or on nothing). The git reads
 * happen first (planRebase); the change is applied inside the caller's transaction (applyRebase).
 */
export interface RebasePlan {
  pendingId: number;
  fromBase: string | null;
  toBase: string | null;
  commits: CommitInfo[];
  historyRewritten: boolean;
}

/** The re-base a pending revision needs once the commits in `revoking` are revoked; null when none. */
export async function planRebase(db: Db, mirrorRepo: string, pkgbase: string, revoking: ReadonlySet<string> = new Set()): Promise<RebasePlan | null> {
  const pending = getPendingRevision(db, pkgbase);
  if (!pending?.baseCommit) return null;
  const base = getRevision(db, pkgbase, pending.baseCommit);
  const baseGone = revoking.has(pending.baseCommit) || base?.state === 'revoked';
  if (!baseGone) return null;
  const newBase = listApprovedRevisions(db, pkgbase).find((revision) => !revoking.has(revision.commit)) ?? null;
  const descends = newBase !== null && (await isAncestor(mirrorRepo, newBase.commit, pending.commit));
  return {
    pendingId: pending.id,
    fromBase: pending.baseCommit,
    toBase: newBase?.commit ?? null,
    commits: await commitsBetween(mirrorRepo, descends ? (newBase?.commit ?? null) : null, pending.commit),
    // As when recording: a base the candidate does not descend from is compared tree to tree.
    historyRewritten: pending.historyRewritten || (newBase !== null && !descends),
  };
}

/**
 * Applies a plan if it still fits: the same pending revision on the same base, and the new base is
 * what the database serves now. Approvals given against the old diff are withdrawn (the reviewers saw
 * a different change) and named in the audit row. Must run inside the caller's transaction.
 */
export function applyRebase(db: Db, plan: RebasePlan, actor: { name: string; channel: Channel }, reason: string, now = Date.now()): boolean {
  const pending = getRevisionById(db, plan.pendingId);
  if (pending?.state !== 'pending' || pending.baseCommit !== plan.fromBase) return false;
  const served = listApprovedRevisions(db, pending.pkgbase)[0]?.commit ?? null;
  if (served !== plan.toBase) return false;
  const withdrawn = withdrawApprovals(db, pending.id);
  setRevisionBase(db, pending.id, { commit: plan.toBase, commits: plan.commits, historyRewritten: plan.historyRewritten });
  appendAudit(
    db,
    {
      actor: actor.name,
      channel: actor.channel,
      action: 'revision.rebased',
      pkgbase: pending.pkgbase,
      commit: pending.commit,
      detail: { from: plan.fromBase, to: plan.toBase, reason, approvalsWithdrawn: withdrawn },
    },
    now,
  );
  return true;
}
