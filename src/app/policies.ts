import { inTransaction } from '../db/open.js';
import { describeError } from '../errors.js';
import { attestApproval, gatherApprovalEvidence, type AttestDeps } from './attest.js';
import { cooldownOf, freezeOf, type PolicyRule } from '../quarantine/auto-policy.js';
import { approveByPolicy } from '../quarantine/policy-decisions.js';
import { getPackage } from '../quarantine/packages.js';
import { blockingCommits, rangeIsCurrent, servableRange } from '../quarantine/servable-range.js';
import { getRevision, listPendingRevisions, type Revision } from '../quarantine/revisions.js';
import { SEVERITY_ORDER } from '../review/risk/types.js';
import { sameAccount, takeoversOf } from '../review/signals.js';
import { ownershipHistory } from '../sync/maintainer-history.js';
import { assessChange } from './assess.js';
import type { AppDeps } from './deps.js';
import { publishPackage } from './publish.js';

export type PolicyDeps = Pick<AppDeps, 'db' | 'mirror' | 'served' | 'logger'> & AttestDeps;

export interface PolicyOutcome {
  pkgbase: string;
  commit: string;
  rule: string;
  /** approved: by the policy; held: a freeze holds it; waiting: not old enough yet; declined: a condition failed. */
  outcome: 'approved' | 'held' | 'waiting' | 'declined';
  why: string;
}

/**
 * Evaluates the cooldown rules over every pending revision they cover (run after each sync, so by the
 * scheduler too). A revision is approved by its rule only when all of these hold at `now`:
 *  - no freeze matches the package;
 *  - it was recorded at least the rule's hours ago;
 *  - it has an approved base (a first revision is always a person's decision);
 *  - its class is `routine` (only version, checksums and version-only source changes);
 *  - the maintainer is the base's, and the timeline shows no takeover since the base was recorded;
 *  - its risk flags (history and cross-package signals included) are all low or info;
 *  - its history holds no revoked commit (re-admission is an admin's decision).
 * Every approval is audited as the policy's and published like any other.
 */
export async function applyCooldownPolicies(deps: PolicyDeps, now = Date.now()): Promise<PolicyOutcome[]> {
  const outcomes: PolicyOutcome[] = [];
  for (const revision of listPendingRevisions(deps.db)) {
    const rule = cooldownOf(deps.db, revision.pkgbase);
    if (!rule) continue;
    try {
      const outcome = await evaluate(deps, revision, rule, now);
      outcomes.push(outcome);
      if (outcome.outcome !== 'waiting') deps.logger.info({ ...outcome }, `cooldown policy: ${outcome.outcome}`);
    } catch (error) {
      deps.logger.error({ pkgbase: revision.pkgbase, commit: revision.commit, err: describeError(error) }, 'cooldown policy evaluation failed');
    }
  }
  return outcomes;
}

async function evaluate(deps: PolicyDeps, revision: Revision, rule: PolicyRule, now: number): Promise<PolicyOutcome> {
  const result = (outcome: PolicyOutcome['outcome'], why: string): PolicyOutcome => ({
    pkgbase: revision.pkgbase,
    commit: revision.commit,
    rule: `cooldown ${rule.pattern} (${rule.hours ?? '?'} h)`,
    outcome,
    why,
  });
  const freeze = freezeOf(deps.db, revision.pkgbase);
  if (freeze) return result('held', `frozen by ${freeze.pattern}`);
  const waitedMs = now - revision.recordedAt;
  if (waitedMs < (rule.hours ?? Infinity) * 3_600_000) return result('waiting', `recorded ${Math.floor(waitedMs / 3_600_000)} h ago`);
  const base = revision.baseCommit ? getRevision(deps.db, revision.pkgbase, revision.baseCommit) : null;
  if (!base || base.state !== 'approved') return result('declined', 'no approved revision to compare with');
  const maintainer = revision.upstreamMeta?.Maintainer ?? null;
  const current = getPackage(deps.db, revision.pkgbase)?.upstreamMeta?.Maintainer ?? null;
  const takeovers = takeoversOf(ownershipHistory(deps.db, revision.pkgbase).filter((row) => row.at > base.recordedAt));
  if (
    maintainer === null ||
    !sameAccount(base.upstreamMeta?.Maintainer ?? null, maintainer) ||
    !sameAccount(current, maintainer) ||
    takeovers.length > 0
  )
    return result('declined', 'the maintainer changed or the package was orphaned');
  const repo = deps.mirror.repoPath(revision.pkgbase);
  // One read of the trees gives both the class and the flags (history and IOC signals included).
  const { classification, flags } = await assessChange(deps, revision, now);
  if (classification?.class !== 'routine') return result('declined', `class ${classification?.class ?? 'unknown (classification failed)'}`);
  const serious = flags.filter((flag) => SEVERITY_ORDER[flag.severity] < SEVERITY_ORDER.low);
  if (serious.length > 0) return result('declined', `flags above low: ${[...new Set(serious.map((flag) => flag.check))].join(', ')}`);
  const range = await servableRange(deps.db, repo, revision);
  if (blockingCommits(range).length > 0) return result('declined', 'rejected or revoked commits in its history');
  const checked = {
    range: range.commits.map((entry) => entry.commit),
    class: classification.class,
    maintainer,
    flags: flags.map((flag) => `${flag.severity} ${flag.check}`),
    waitedHours: Math.floor(waitedMs / 3_600_000),
  };
  // Signed and logged in the decision's own transaction, like a person's approval (app/decisions.ts).
  const evidence = await gatherApprovalEvidence(deps, repo, revision);
  const approved = inTransaction(deps.db, () => {
    if (!rangeIsCurrent(deps.db, revision, range)) return null;
    const decided = approveByPolicy(deps.db, revision, rule, checked, now);
    if (decided) attestApproval(deps.db, deps, decided, evidence, range);
    return decided;
  });
  if (!approved) return result('declined', 'the revision was decided or replaced meanwhile');
  await publishPackage(deps.db, deps.served, revision.pkgbase);
  return result('approved', `routine, maintainer ${maintainer}, waited ${checked.waitedHours} h`);
}
