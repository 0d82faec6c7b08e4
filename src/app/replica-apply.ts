import { inTransaction, type Db } from '../db/open.js';
import { withLock } from '../db/locks.js';
import { GitError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { markApplied, markRecordsChanged, markSkipped, readFollowerState } from '../replica/follower-state.js';
import { recordReplicaApproval, recordReplicaRevocation, replicaApprovedCommits, replicaPackages } from '../replica/revisions.js';
import { ObjectsGone, type StagingRepos } from '../replica/staging.js';
import { isValidPackageName } from '../srcinfo/names.js';
import type { ReconcileResult, ServedRepos } from '../store/served-repos.js';
import type { SnapshotStore } from '../store/snapshots.js';
import { verifyAttestation } from '../trust/attestation.js';
import type { DsseKey } from '../trust/dsse.js';
import { TamperedError } from '../trust/errors.js';
import type { MirroredLog } from '../trust/mirrored-log.js';
import { rangeDigest, type ReviewStatement } from '../trust/statement.js';
import { commitsReachableExcept } from '../git/history.js';
import { MAX_RANGE_COMMITS } from '../quarantine/servable-range.js';
import type { ReplicaSources } from './replica-sources.js';

/** How long after its decision an approved commit the primary does not serve is retried before it is skipped. */
export const OBJECTS_GONE_AFTER_MS = 10 * 60_000;

export interface ReplicaApplyDeps {
  db: Db;
  log: MirroredLog;
  keys: readonly DsseKey[];
  staging: StagingRepos;
  /** Served repos whose "mirror" is the staging root: commits are pushed from there once verified. */
  served: ServedRepos;
  snapshots: SnapshotStore;
  primaryUrl: string;
  logger: Logger;
  /** The replica's source cache: each approval queues the replication of its sources. */
  sources?: ReplicaSources;
  /** Called with decision → served, in ms, for each entry applied. */
  onApplied?: (lagMs: number) => void;
}

/**
 * Applies every verified log entry not applied yet, in log order; returns how many. An approval is
 * fetched into staging, its archive rebuilt and compared with the attested sha256, and only then
 * recorded and pushed into the served repo; a revocation is recorded and its objects physically
 * removed, as on the primary. The cursor advances in the transaction that records each entry, so a
 * restart resumes at the first entry not applied. A digest mismatch throws TamperedError.
 */
export async function applyVerifiedEntries(deps: ReplicaApplyDeps): Promise<number> {
  const size = deps.log.size();
  let applied = 0;
  for (let index = readFollowerState(deps.db)?.appliedSize ?? 0; index < size; index += 1) {
    const [line] = deps.log.store.leaves(index, 1);
    if (!line) throw new TamperedError('corrupt-store', `the replica's log has no entry ${index}`);
    const statement = verifyAttestation(line, deps.keys);
    if (!isValidPackageName(statement.predicate.pkgbase))
      throw new TamperedError('malformed', `log entry ${index} names an invalid pkgbase ${JSON.stringify(statement.predicate.pkgbase.slice(0, 80))}`);
    if (statement.predicate.decision === 'approved') await applyApproval(deps, index, statement);
    else await applyRevocation(deps, index, statement);
    applied += 1;
  }
  return applied;
}

async function applyApproval(deps: ReplicaApplyDeps, index: number, statement: ReviewStatement): Promise<void> {
  const { db, staging, snapshots, logger } = deps;
  const { predicate } = statement;
  const { pkgbase } = predicate;
  const { gitCommit: commit, sha256 } = statement.subject[0].digest;
  if (revokedLater(deps, index, pkgbase, commit)) {
    // Its objects may already be gone from the primary, and it would be removed again at once.
    inTransaction(db, () => markApplied(db, index, null));
    return;
  }
  let repo: string;
  try {
    repo = await staging.fetch(deps.primaryUrl, pkgbase, commit);
  } catch (error) {
    // The primary commits a decision (and its checkpoint) before it pushes the commit into its served
    // repo: a fresh decision's objects may not be there yet, so only an old one counts as gone.
    if (!(error instanceof ObjectsGone) || Date.now() - Date.parse(predicate.decidedAt) < OBJECTS_GONE_AFTER_MS) throw error;
    // Not serving a revision is always safe; the primary no longer serves it either (e.g. disallowed).
    logger.warn({ pkgbase, commit, index, err: describeError(error) }, 'replica: approved revision skipped, the primary no longer has it');
    inTransaction(db, () => markSkipped(db, index, describeError(error)));
    return;
  }
  await assertWithinAttestedRange(deps, repo, index, statement);
  const digest = await snapshots.buildChecked(repo, pkgbase, commit, (built) => {
    if (built.sha256 !== sha256)
      throw new TamperedError(
        'digest-mismatch',
        `the archive of ${pkgbase} ${commit} built from the commit the primary sent has sha256 ${built.sha256}, but entry ${index} attests ${sha256 ?? 'none'}`,
        { pkgbase, commit },
      );
  });
  const facts = await staging.facts(pkgbase, commit);
  const lagMs = Math.max(0, Date.now() - Date.parse(predicate.decidedAt));
  // Verified, so it may enter the served repo; it does so before the records say it is served, so no
  // client is told of a head the repo does not have yet. A crash in between leaves a commit the records
  // do not name, which start-up repair removes and the follower applies again.
  await publishReplicaPackage(db, deps.served, pkgbase, commit, () =>
    inTransaction(db, () => {
      recordReplicaApproval(db, {
        pkgbase,
        commit,
        version: predicate.version,
        srcinfoText: facts.srcinfoText,
        maintainer: predicate.upstreamMaintainer,
        reviewers: predicate.reviewers.map((reviewer) => reviewer.name),
        authorDate: facts.authorDate,
        committerDate: facts.committerDate,
        logIndex: index,
        approvedAt: Date.parse(predicate.decidedAt),
      });
      snapshots.record(pkgbase, commit, digest);
      // Its sources follow once the primary has fetched them; the decision does not wait for them.
      deps.sources?.enqueue(pkgbase, commit);
      markApplied(db, index, lagMs);
    }),
  );
  deps.onApplied?.(lagMs);
}

/**
 * The primary's rule, checked again: pushing the commit serves every commit of its history this
 * replica does not serve yet, and each of them must be one the approval names (its attested range).
 * A commit outside it means the primary served something nobody approved: the follower halts.
 */
async function assertWithinAttestedRange(deps: ReplicaApplyDeps, repo: string, index: number, statement: ReviewStatement): Promise<void> {
  const { pkgbase } = statement.predicate;
  const commit = statement.subject[0].digest.gitCommit;
  const attested = statement.predicate.servedRange;
  // Entries logged before approvals named their range carry none; they were verified by archive only.
  if (!attested) return;
  const served = replicaApprovedCommits(deps.db, pkgbase);
  const range = (await commitsReachableExcept(repo, commit, served, MAX_RANGE_COMMITS + 1)).map((info) => info.id);
  const fail = (why: string) => {
    throw new TamperedError(
      'outside-range',
      `log entry ${index} approves ${pkgbase} ${commit}, but ${why}: the primary served commits nobody approved`,
      {
        pkgbase,
        commit,
      },
    );
  };
  if (attested.commits.length === attested.count) {
    const listed = new Set(attested.commits);
    const outside = range.filter((id) => !listed.has(id));
    if (outside.length > 0)
      fail(
        `its history holds ${outside.slice(0, 5).join(', ')}${outside.length > 5 ? ` and ${outside.length - 5} more` : ''}, outside the attested range`,
      );
  } else if (range.length !== attested.count || rangeDigest(range) !== attested.sha256) {
    fail(`its history here makes ${range.length} commits servable, not the ${attested.count} of the attested range (sha256 ${attested.sha256})`);
  }
}

async function applyRevocation(deps: ReplicaApplyDeps, index: number, statement: ReviewStatement): Promise<void> {
  const { db, snapshots } = deps;
  const { predicate } = statement;
  const commit = statement.subject[0].digest.gitCommit;
  const lagMs = Math.max(0, Date.now() - Date.parse(predicate.decidedAt));
  inTransaction(db, () => {
    recordReplicaRevocation(db, {
      pkgbase: predicate.pkgbase,
      commit,
      version: predicate.version,
      reason: predicate.revocation?.reason ?? 'revoked',
      logIndex: index,
      reviewers: predicate.reviewers.map((reviewer) => reviewer.name),
    });
    // The catalog stops serving the revision at once; the entry counts as applied only once its objects
    // are gone (a restart in between applies it again: recording and reconciling are idempotent).
    markRecordsChanged(db);
  });
  await publishReplicaPackage(db, deps.served, predicate.pkgbase);
  await snapshots.evict(predicate.pkgbase, commit);
  markApplied(db, index, lagMs);
  deps.onApplied?.(lagMs);
}

/** A revocation of the same revision later in the verified log, not followed by a re-approval. */
function revokedLater(deps: ReplicaApplyDeps, index: number, pkgbase: string, commit: string): boolean {
  const size = deps.log.size();
  const later = deps.log.attestationLog.find(pkgbase, commit).filter((entry) => entry.index > index && entry.index < size);
  return later.at(-1)?.decision === 'revoked';
}

/**
 * Brings one served repo in line with the replica's records (the primary's publishPackage, for a
 * replica). `newHead`, a verified commit about to be recorded, is published as the head first, and
 * `record` then runs under the same publish lock.
 */
export async function publishReplicaPackage(
  db: Db,
  served: ServedRepos,
  pkgbase: string,
  newHead: string | null = null,
  record: () => void = () => {},
): Promise<ReconcileResult> {
  return withLock(db, `publish:${pkgbase}`, { waitMs: 30_000 }, async () => {
    const recorded = replicaApprovedCommits(db, pkgbase).filter((commit) => commit !== newHead);
    const approved = newHead ? [newHead, ...recorded] : recorded;
    let result: ReconcileResult;
    try {
      result = await served.reconcile(pkgbase, { approved, head: approved[0] ?? null });
    } catch (error) {
      throw new GitError(`publishing ${pkgbase} on the replica failed: ${describeError(error)}`, { pkgbase, cause: error });
    }
    record();
    return result;
  });
}

/** Start-up repair: every package with a record or a served repo is reconciled with the records. */
export async function reconcileReplica(db: Db, served: ServedRepos, logger: Logger): Promise<{ repaired: number; failed: number }> {
  const names = new Set([...replicaPackages(db), ...(await served.listPackages())]);
  let repaired = 0;
  let failed = 0;
  for (const pkgbase of names) {
    try {
      const result = await publishReplicaPackage(db, served, pkgbase);
      if (result.pushed.length > 0 || result.removed.length > 0) repaired += 1;
    } catch (error) {
      failed += 1;
      logger.error({ pkgbase, err: describeError(error) }, 'replica: served repo repair failed');
    }
  }
  return { repaired, failed };
}
