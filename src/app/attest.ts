import type { Db } from '../db/open.js';
import { listApprovals } from '../quarantine/approvals.js';
import { readPolicy } from '../quarantine/policy.js';
import { listReadmissions } from '../quarantine/readmissions.js';
import { blockingCommits, type ServableRange } from '../quarantine/servable-range.js';
import type { Revision } from '../quarantine/revisions.js';
import type { RiskFlag } from '../review/risk/index.js';
import type { SnapshotStore } from '../store/snapshots.js';
import { approvalStatement, revocationStatement, type DecisionFacts, type Readmitted, type ReviewStatement } from '../trust/statement.js';
import type { TrustLog } from './trust.js';

/** What decisions need besides the database to attest themselves. */
export interface AttestDeps {
  trust: TrustLog;
  snapshots: SnapshotStore;
  /** The review's cached risk analysis: the flags the reviewers were shown. */
  reviews: { flags(revision: Revision): Promise<RiskFlag[]> };
}

/** Read before the decision's transaction (git and the risk analysis are asynchronous; a transaction is not). */
export interface ApprovalEvidence {
  revisionId: number;
  archive: { sha256: string; size: number };
  flags: RiskFlag[];
}

export async function gatherApprovalEvidence(deps: AttestDeps, repo: string, revision: Revision): Promise<ApprovalEvidence> {
  const [archive, flags] = await Promise.all([deps.snapshots.digestOf(repo, revision.pkgbase, revision.commit), deps.reviews.flags(revision)]);
  return { revisionId: revision.id, archive, flags };
}

function baseFacts(db: Db, revision: Revision, decidedAt: Date, riskFlags: readonly RiskFlag[], archiveSha256: string | null): DecisionFacts {
  return {
    pkgbase: revision.pkgbase,
    pkgnames: revision.srcinfo?.packages.map((pkg) => pkg.pkgname) ?? [revision.pkgbase],
    version: revision.version,
    commit: revision.commit,
    archiveSha256,
    baseCommit: revision.baseCommit,
    reviewers: reviewersOf(db, revision, decidedAt),
    requiredApprovals: readPolicy(db).requiredApprovals,
    riskFlags: riskFlags.map(({ check, severity, reason, file, line }) => ({
      check,
      severity,
      reason,
      ...(file === undefined ? {} : { file }),
      ...(line === undefined ? {} : { line }),
    })),
    upstreamMaintainer: revision.upstreamMeta?.Maintainer ?? null,
    decidedAt,
  };
}

/** The accounts that approved; a revision approved by an automatic policy names the policy (`policy:cooldown#3`). */
function reviewersOf(db: Db, revision: Revision, decidedAt: Date): DecisionFacts['reviewers'] {
  const approvals = listApprovals(db, revision.id).map((approval) => ({ name: approval.reviewer, approvedAt: new Date(approval.at) }));
  return approvals.length > 0 || !revision.decidedBy ? approvals : [{ name: revision.decidedBy, approvedAt: decidedAt }];
}

/**
 * Inside the approval's transaction: records the archive checksum and logs the signed approval, which
 * names every commit of `range` and the rejected or revoked ones re-admitted into it.
 */
export function attestApproval(db: Db, deps: AttestDeps, revision: Revision, evidence: ApprovalEvidence, range: ServableRange): void {
  const decidedAt = new Date(revision.decidedAt ?? Date.now());
  deps.snapshots.record(revision.pkgbase, revision.commit, evidence.archive, decidedAt.getTime());
  const facts = baseFacts(db, revision, decidedAt, evidence.flags, evidence.archive.sha256);
  facts.servedCommits = range.commits.map((entry) => entry.commit);
  facts.readmitted = readmittedInto(db, revision, range);
  deps.trust.record(approvalStatement(facts), decidedAt.getTime());
}

/** The re-admissions recorded with this revision, each with the comment its admin approved with. */
function readmittedInto(db: Db, revision: Revision, range: ServableRange): Readmitted[] {
  const approvals = listApprovals(db, revision.id);
  const states = new Map(blockingCommits(range).map((entry) => [entry.commit, entry.state]));
  return listReadmissions(db, [revision.id]).flatMap((entry) => {
    const state = states.get(entry.commit);
    if (state !== 'rejected' && state !== 'revoked') return [];
    const approval = approvals.find((candidate) => candidate.userId === entry.userId);
    return [{ commit: entry.commit, state, by: approval?.reviewer ?? `#${entry.userId}`, reason: approval?.comment ?? null }];
  });
}

/**
 * Inside the revocation's transaction: one signed revocation per revoked revision. Reviewers, policy,
 * flags and maintainer are those of the revoked approval, read from its logged attestation (what was
 * attested then); a revision approved before the log existed falls back to the database, without flags.
 */
export function attestRevocations(db: Db, deps: AttestDeps, revoked: readonly Revision[], reason: string): void {
  const [named] = revoked;
  if (!named) return;
  for (const revision of revoked) {
    const decidedAt = new Date(revision.decidedAt ?? Date.now());
    const approval = deps.trust.approvalOf(revision.pkgbase, revision.commit);
    const approved: ReviewStatement | null = approval ? deps.trust.statementOf(approval) : null;
    const sha256 = approved?.subject[0].digest.sha256 ?? deps.snapshots.recorded(revision.pkgbase, revision.commit)?.sha256 ?? null;
    const facts = baseFacts(db, revision, decidedAt, [], sha256);
    if (approved) {
      const { predicate } = approved;
      facts.reviewers = predicate.reviewers.map((reviewer) => ({ name: reviewer.name, approvedAt: new Date(reviewer.approvedAt) }));
      facts.requiredApprovals = predicate.policy.requiredApprovals;
      facts.riskFlags = predicate.riskFlags;
      facts.upstreamMaintainer = predicate.upstreamMaintainer;
      facts.baseCommit = predicate.reviewedRange.from;
      if (predicate.servedRange?.commits.length === predicate.servedRange?.count) facts.servedCommits = predicate.servedRange?.commits;
    }
    const cascadeFrom = revision === named ? undefined : named.commit;
    const statement = revocationStatement(facts, { reason, revokedBy: revision.decidedBy ?? 'unknown', ...(cascadeFrom ? { cascadeFrom } : {}) });
    deps.trust.record(statement, decidedAt.getTime());
  }
}
