import { inTransaction } from '../db/open.js';
import { isAncestor } from '../git/history.js';
import {
  approveRevision,
  rejectRevision,
  resolveRevision,
  revokeRevisions,
  type ApproveInput,
  type ApproveResult,
  type DecisionInput,
} from '../quarantine/decisions.js';
import { applyRebase, planRebase } from '../quarantine/rebase.js';
import { servableRange, type ServableRange } from '../quarantine/servable-range.js';
import { getPendingRevision, listApprovedRevisions, listPendingRevisions, type Revision } from '../quarantine/revisions.js';
import { assertPackageName } from '../srcinfo/names.js';
import { Conflict } from '../errors.js';
import { attestApproval, attestRevocations, gatherApprovalEvidence, type AttestDeps } from './attest.js';
import type { AppDeps } from './deps.js';
import { publishPackage } from './publish.js';

type DecisionDeps = Pick<AppDeps, 'db' | 'mirror' | 'served'> & AttestDeps;

/**
 * Approves the pending commit for an identified account and publishes it once enough accounts have.
 * The range it makes servable is read from git first; the decision approves every commit in it and
 * refuses while a rejected or revoked one is not re-admitted (see quarantine/decisions.ts). The approval that makes the revision served is signed
 * and appended to the approval log in the decision's own transaction: no served revision without
 * its logged attestation, no attestation of a decision that did not commit.
 */
export async function approve(deps: DecisionDeps, input: ApproveInput): Promise<ApproveResult> {
  const pkgbase = assertPackageName(input.pkgbase, 'pkgbase');
  const history = await servableRangeOf(deps, pkgbase);
  const pending = getPendingRevision(deps.db, pkgbase);
  const evidence = pending ? await gatherApprovalEvidence(deps, deps.mirror.repoPath(pkgbase), pending) : null;
  const result = inTransaction(deps.db, () => {
    const decided = approveRevision(deps.db, input, history ?? { revisionId: -1, approvedOfPackage: [], revokedOfPackage: [], commits: [] });
    if (decided.approved) {
      if (evidence?.revisionId !== decided.revision.id || !history)
        throw new Conflict(`${pkgbase} changed while the approval was prepared; look again and retry`, { pkgbase });
      attestApproval(deps.db, deps, decided.revision, evidence, history);
    }
    return decided;
  });
  if (result.approved) await publishPackage(deps.db, deps.served, result.revision.pkgbase);
  return result;
}

/** The range approving the package's pending revision would make servable; null when nothing is pending. */
export async function servableRangeOf(deps: Pick<AppDeps, 'db' | 'mirror'>, pkgbase: string): Promise<ServableRange | null> {
  const pending = getPendingRevision(deps.db, pkgbase);
  return pending ? servableRange(deps.db, deps.mirror.repoPath(pkgbase), pending) : null;
}

export function reject(deps: Pick<AppDeps, 'db'>, input: DecisionInput): Revision {
  return rejectRevision(deps.db, input);
}

/**
 * Revokes a commit and every approved revision built on it (their history contains it), re-bases a
 * pending revision that was compared with one of them, removes their objects from the served repo
 * and their cached archives. Returns all revoked revisions.
 */
export async function revoke(deps: DecisionDeps, input: DecisionInput): Promise<Revision[]> {
  const pkgbase = assertPackageName(input.pkgbase, 'pkgbase');
  const named = resolveRevision(deps.db, pkgbase, input.commit.trim().toLowerCase());
  const repo = deps.mirror.repoPath(pkgbase);
  const descendants: string[] = [];
  for (const approved of listApprovedRevisions(deps.db, pkgbase)) {
    if (approved.commit !== named.commit && (await isAncestor(repo, named.commit, approved.commit))) descendants.push(approved.commit);
  }
  const rebase = await planRebase(deps.db, repo, pkgbase, new Set([named.commit, ...descendants]));
  // Each revoked revision (the named one, then the cascade) is attested in the revocation's transaction.
  const revoked = inTransaction(deps.db, () => {
    const done = revokeRevisions(deps.db, { ...input, pkgbase, commit: named.commit }, descendants, rebase);
    attestRevocations(deps.db, deps, done, input.note?.trim() ?? '');
    return done;
  });
  await publishPackage(deps.db, deps.served, pkgbase);
  // Revoked bytes leave the snapshot cache too (the pinned URLs answer 410 before reading it anyway).
  for (const revision of revoked) await deps.snapshots.evict(revision.pkgbase, revision.commit);
  return revoked;
}

/**
 * Re-bases every pending revision whose base is revoked (a revocation made before re-basing existed,
 * or a crash between the two). Run at start-up; attributed to the system.
 */
export async function rebaseStalePending(deps: Pick<AppDeps, 'db' | 'mirror'>): Promise<number> {
  let rebased = 0;
  for (const pending of listPendingRevisions(deps.db)) {
    const plan = await planRebase(deps.db, deps.mirror.repoPath(pending.pkgbase), pending.pkgbase);
    if (!plan) continue;
    const applied = inTransaction(deps.db, () =>
      applyRebase(deps.db, plan, { name: 'system', channel: 'system' }, `base ${plan.fromBase ?? ''} is revoked`),
    );
    if (applied) rebased += 1;
  }
  return rebased;
}
