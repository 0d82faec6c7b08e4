import { mkdirSync } from 'node:fs';
import type { Config } from './config.js';
import { openDatabase, type Db } from './db/open.js';
import { NotFound } from './errors.js';
import type { Logger } from './log.js';
import { approveRevision, rejectRevision, resolveRevision, revokeRevisions, type ApproveResult, type DecisionInput } from './quarantine/decisions.js';
import { addToAllowlist, removeFromAllowlist, type AllowlistEntry } from './quarantine/packages.js';
import { getPendingRevision, listApprovedRevisions, type Revision } from './quarantine/revisions.js';
import { isAncestor } from './git/history.js';
import { Conflict } from './errors.js';
import { assertPackageName } from './srcinfo/names.js';
import { publishPackage } from './store/publish.js';
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
  async allow(names: readonly string[], actor: string): Promise<AllowlistEntry[]> {
    const wanted = [...new Set(names.map((name) => assertPackageName(name)))];
    const found = await this.rpc.info(wanted);
    const unknown = wanted.filter((name) => !found.has(name));
    if (unknown.length > 0) {
      throw new NotFound(`unknown AUR package${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (nothing was added)`, { pkgname: unknown[0] });
    }
    const entries = wanted.map((name) => ({ pkgname: name, pkgbase: assertPackageName(found.get(name)?.PackageBase ?? '', 'pkgbase') }));
    return addToAllowlist(this.db, entries, actor);
  }

  disallow(names: readonly string[], actor: string): AllowlistEntry[] {
    return removeFromAllowlist(
      this.db,
      names.map((name) => assertPackageName(name)),
      actor,
    );
  }

  async approve(input: DecisionInput): Promise<ApproveResult> {
    await this.refuseRevokedHistory(input.pkgbase);
    const result = approveRevision(this.db, input, this.config.requiredApprovals);
    if (result.approved) await publishPackage(this.db, this.served, result.revision.pkgbase);
    return result;
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
    const revoked = revokeRevisions(this.db, { ...input, pkgbase, commit: named.commit }, descendants);
    await publishPackage(this.db, this.served, pkgbase);
    // Revoked bytes leave the snapshot cache too (the pinned URLs answer 410 before reading it anyway).
    for (const revision of revoked) await this.snapshots.evict(revision.pkgbase, revision.commit);
    return revoked;
  }

  /**
   * A revoked commit must never be served again, and a revision whose history contains one would
   * carry it back into the served repo; such a revision cannot be approved until upstream rewrites
   * its history.
   */
  private async refuseRevokedHistory(pkgbaseInput: string): Promise<void> {
    const pkgbase = assertPackageName(pkgbaseInput, 'pkgbase');
    const pending = getPendingRevision(this.db, pkgbase);
    if (!pending) return;
    const revoked = this.db.prepare("SELECT commit_id FROM revisions WHERE pkgbase = ? AND state = 'revoked'").all(pkgbase) as Array<{
      commit_id: string;
    }>;
    for (const { commit_id: commit } of revoked) {
      if (await isAncestor(this.mirror.repoPath(pkgbase), commit, pending.commit)) {
        throw new Conflict(
          `${pkgbase} ${pending.commit} cannot be approved: its history contains the revoked commit ${commit}, which would be served again; reject it and wait for upstream to rewrite history`,
          { pkgbase, commit: pending.commit },
        );
      }
    }
  }
}
