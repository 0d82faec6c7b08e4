import { mkdirSync } from 'node:fs';
import type { Config } from './config.js';
import { openDatabase, type Db } from './db/open.js';
import { NotFound } from './errors.js';
import type { Logger } from './log.js';
import type { Channel } from './quarantine/actor.js';
import {
  approveRevision,
  rejectRevision,
  resolveRevision,
  revokeRevisions,
  type ApproveInput,
  type ApproveResult,
  type DecisionInput,
} from './quarantine/decisions.js';
import { addToAllowlist, removeFromAllowlist, type AllowlistEntry } from './quarantine/packages.js';
import { policyDrift, seedPolicy } from './quarantine/policy.js';
import { applyRebase, planRebase } from './quarantine/rebase.js';
import { revokedHistory, type RevokedHistory } from './quarantine/revoked-history.js';
import { getPendingRevision, listApprovedRevisions, listPendingRevisions, type Revision } from './quarantine/revisions.js';
import { inTransaction } from './db/open.js';
import { isAncestor } from './git/history.js';
import { assertPackageName } from './srcinfo/names.js';
import { publishPackage } from './app/publish.js';
import { ServedRepos } from './store/served-repos.js';
import { SnapshotStore } from './store/snapshots.js';
import { runSync, type SyncOptions } from './sync/run.js';
import type { SyncSummary } from './sync/runs.js';
import { MirrorRepos } from './upstream/git-mirror.js';
import { RpcClient } from './upstream/rpc-client.js';

/**
 * The wired application: storage, upstream clients and the use cases every edge (CLI, web admin,
 * JSON API) calls. A use case that changes what is served publishes right after its transaction.
 */
export class Aurgate {
  readonly db: Db;
  readonly rpc: RpcClient;
  readonly mirror: MirrorRepos;
  readonly served: ServedRepos;
  readonly snapshots: SnapshotStore;
  /** Set when AURGATE_REQUIRED_APPROVALS disagrees with the policy in the database (which wins). */
  readonly policyWarning: string | null;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {
    for (const dir of [config.dataDir, config.paths.mirrorRepos, config.paths.servedRepos, config.paths.snapshots])
      mkdirSync(dir, { recursive: true });
    this.db = openDatabase(config.paths.database);
    this.rpc = new RpcClient({ baseUrl: config.upstreamUrl, timeoutMs: config.upstreamTimeoutMs });
    this.mirror = new MirrorRepos({
      mirrorRoot: config.paths.mirrorRepos,
      upstreamUrl: config.upstreamUrl,
      timeoutMs: config.gitTimeoutMs,
      maxBytes: config.maxRepoBytes,
    });
    this.served = new ServedRepos(config.paths.servedRepos, config.paths.mirrorRepos);
    this.snapshots = new SnapshotStore(this.db, config.paths.servedRepos, config.paths.snapshots);
    this.policyWarning = policyDrift(seedPolicy(this.db, config.requiredApprovals), config.requiredApprovals);
    if (this.policyWarning) logger.warn({ variable: 'AURGATE_REQUIRED_APPROVALS' }, this.policyWarning);
  }

  close(): void {
    this.db.close();
  }

  sync(options: SyncOptions): Promise<SyncSummary> {
    return runSync({ db: this.db, config: this.config, rpc: this.rpc, mirror: this.mirror, logger: this.logger }, options);
  }

  /**
   * Resolves each name to its pkgbase upstream; any unknown name fails the whole call before anything
   * is written. Returns the new entries; the caller fetches them (see allowAndFetch).
   */
  async allow(names: readonly string[], actor: string, channel: Channel | null = null): Promise<AllowlistEntry[]> {
    const wanted = [...new Set(names.map((name) => assertPackageName(name)))];
    const found = await this.rpc.info(wanted);
    const unknown = wanted.filter((name) => !found.has(name));
    if (unknown.length > 0) {
      throw new NotFound(`unknown AUR package${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (nothing was added)`, { pkgname: unknown[0] });
    }
    const entries = wanted.map((name) => ({ pkgname: name, pkgbase: assertPackageName(found.get(name)?.PackageBase ?? '', 'pkgbase') }));
    return addToAllowlist(this.db, entries, actor, channel);
  }

  disallow(names: readonly string[], actor: string, channel: Channel | null = null): AllowlistEntry[] {
    return removeFromAllowlist(
      this.db,
      names.map((name) => assertPackageName(name)),
      actor,
      channel,
    );
  }

  /**
   * Approves the pending commit for an identified account. Revoked commits in its history are read from
   * git first; the decision refuses it unless each is re-admitted (see decisions.ts).
   */
  async approve(input: ApproveInput): Promise<ApproveResult> {
    const pkgbase = assertPackageName(input.pkgbase, 'pkgbase');
    const history = await this.revokedHistoryOf(pkgbase);
    const result = approveRevision(this.db, input, history ?? { revisionId: -1, revokedOfPackage: [], commits: [] });
    if (result.approved) await publishPackage(this.db, this.served, result.revision.pkgbase);
    return result;
  }

  /** Revoked commits in the history of the package's pending revision; null when nothing is pending. */
  async revokedHistoryOf(pkgbase: string): Promise<RevokedHistory | null> {
    const pending = getPendingRevision(this.db, pkgbase);
    return pending ? revokedHistory(this.db, this.mirror.repoPath(pkgbase), pending) : null;
  }

  reject(input: DecisionInput): Revision {
    return rejectRevision(this.db, input);
  }

  /** Revokes a commit and every approved revision built on it; returns all revoked revisions. */
  async revoke(input: DecisionInput): Promise<Revision[]> {
    const pkgbase = assertPackageName(input.pkgbase, 'pkgbase');
    const named = resolveRevision(this.db, pkgbase, input.commit.trim().toLowerCase());
    const repo = this.mirror.repoPath(pkgbase);
    const descendants: string[] = [];
    for (const approved of listApprovedRevisions(this.db, pkgbase)) {
      if (approved.commit !== named.commit && (await isAncestor(repo, named.commit, approved.commit))) descendants.push(approved.commit);
    }
    // A pending revision to be compared with a revoked commit is re-based on what stays served.
    const rebase = await planRebase(this.db, repo, pkgbase, new Set([named.commit, ...descendants]));
    const revoked = revokeRevisions(this.db, { ...input, pkgbase, commit: named.commit }, descendants, rebase);
    await publishPackage(this.db, this.served, pkgbase);
    // Revoked bytes leave the snapshot cache too (the pinned URLs answer 410 before reading it anyway).
    for (const revision of revoked) await this.snapshots.evict(revision.pkgbase, revision.commit);
    return revoked;
  }

  /**
   * Re-bases every pending revision whose base is revoked (a revocation made before re-basing existed,
   * or a crash between the two). Run at start-up; attributed to the system.
   */
  async rebaseStalePending(): Promise<number> {
    let rebased = 0;
    for (const pending of listPendingRevisions(this.db)) {
      const plan = await planRebase(this.db, this.mirror.repoPath(pending.pkgbase), pending.pkgbase);
      if (!plan) continue;
      const applied = inTransaction(this.db, () =>
        applyRebase(this.db, plan, { name: 'system', channel: 'system' }, `base ${plan.fromBase ?? ''} is revoked`),
      );
      if (applied) rebased += 1;
    }
    return rebased;
  }
}
