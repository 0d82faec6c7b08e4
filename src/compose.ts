import { mkdirSync } from 'node:fs';
import { buildNow, type BuildRequest } from './app/build.js';
import { describeError } from './errors.js';
import { reconcileRepo } from './app/repo-publish.js';
import { BuildQueue } from './app/build-queue.js';
import path from 'node:path';
import { allow, disallow } from './app/allowlist.js';
import { approve, rebaseStalePending, reject, revoke, servableRangeOf } from './app/decisions.js';
import type { AppDeps } from './app/deps.js';
import { applyCooldownPolicies } from './app/policies.js';
import { scanIocs } from './app/ioc.js';
import { ReviewService } from './app/review.js';
import { SourceCache } from './app/sources.js';
import { TrustLog } from './app/trust.js';
import { syncWithNotifications } from './app/sync.js';
import type { Config } from './config.js';
import { openDatabase, type Db } from './db/open.js';
import type { Logger } from './log.js';
import { createNotifier, type Notifier } from './notify/webhook.js';
import type { Channel } from './quarantine/actor.js';
import type { ApproveInput, DecisionInput } from './quarantine/decisions.js';
import { policyDrift, seedPolicy } from './quarantine/policy.js';
import { PacmanRepo } from './repo/pacman-repo.js';
import { openRepoKey, type RepoKey } from './repo/pgp-key.js';
import { BlobStore } from './sources/blob-store.js';
import { ServedRepos } from './store/served-repos.js';
import { SnapshotStore } from './store/snapshots.js';
import type { SyncOptions } from './sync/run.js';
import { MirrorRepos } from './upstream/git-mirror.js';
import { RpcClient } from './upstream/rpc-client.js';

/**
 * The composition root: builds storage, upstream clients and the notifier from the configuration
 * once per process, and hands each use case (src/app/) the dependencies it names. It holds no logic
 * of its own; every transport (CLI, web admin, JSON API, scheduler, HTTP server) starts here.
 */
export class Aurgate implements AppDeps {
  readonly db: Db;
  readonly rpc: RpcClient;
  readonly mirror: MirrorRepos;
  readonly served: ServedRepos;
  readonly snapshots: SnapshotStore;
  readonly notifier: Notifier;
  /** Review models and the cached risk analysis, shared by the sync's notifications, the admin and the CLI. */
  readonly reviews: ReviewService;
  /** The signing key (`<dataDir>/keys`) and the approval log every approval and revocation is appended to. */
  readonly trust: TrustLog;
  /** The hermetic source cache (`<dataDir>/sources`): approved revisions' PKGBUILD sources, content-addressed. */
  readonly blobs: BlobStore;
  readonly sources: SourceCache;
  readonly builds: BuildQueue;
  /** Set when AURGATE_REQUIRED_APPROVALS disagrees with the policy in the database (which wins). */
  readonly policyWarning: string | null;
  private repoKeyOpening: Promise<RepoKey> | undefined;
  private pacmanRepoOpening: Promise<PacmanRepo> | undefined;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {
    const sourceDownloads = path.join(config.paths.sources, 'tmp');
    for (const dir of [config.dataDir, config.paths.mirrorRepos, config.paths.servedRepos, config.paths.snapshots, sourceDownloads])
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
    this.trust = new TrustLog(this.db, config.paths.keys, config.publicUrl);
    this.notifier = createNotifier(config, logger);
    this.blobs = new BlobStore(config.paths.sources);
    this.builds = new BuildQueue(this);
    this.sources = new SourceCache({ db: this.db, config, logger, blobs: this.blobs }, (pkgbase, commit, complete) => {
      // A build needs every source in the cache: it follows the fetch job of the approval.
      if (config.buildOnApproval && complete) this.builds.enqueue({ pkgbase, commit, trigger: 'approval', requestedBy: null });
    });
    this.reviews = new ReviewService(this);
    this.policyWarning = policyDrift(seedPolicy(this.db, config.requiredApprovals), config.requiredApprovals);
    if (this.policyWarning) logger.warn({ variable: 'AURGATE_REQUIRED_APPROVALS' }, this.policyWarning);
  }

  close(): void {
    this.db.close();
  }

  /** The OpenPGP key that signs the pacman repository (`<dataDir>/repo-key`), created on first use. */
  repoKey(): Promise<RepoKey> {
    this.repoKeyOpening ??= retryable(openRepoKey(this.config.paths.repoKey, { host: new URL(this.config.publicUrl).hostname }), () => {
      this.repoKeyOpening = undefined;
    });
    return this.repoKeyOpening;
  }

  /** The signed pacman repository (`<dataDir>/repo/aurgate`) built packages are added to, opened on first use. */
  pacmanRepo(): Promise<PacmanRepo> {
    this.pacmanRepoOpening ??= retryable(
      this.repoKey().then((key) => PacmanRepo.open({ root: this.config.paths.repo, key, db: this.db })),
      () => {
        this.pacmanRepoOpening = undefined;
      },
    );
    return this.pacmanRepoOpening;
  }

  /** A sync run with its risk assessment and notifications: the one assembly every trigger uses. */
  sync(options: SyncOptions) {
    const { db, config, rpc, mirror, logger, notifier, reviews } = this;
    // IOC hits first: they are high flags, which keep a revision from a cooldown approval.
    const afterSync = async () => {
      await scanIocs(this, 'pending');
      for (const outcome of await applyCooldownPolicies(this))
        if (outcome.outcome === 'approved') this.sources.enqueue(outcome.pkgbase, outcome.commit, 'approval');
    };
    return syncWithNotifications(
      { db, config, rpc, mirror, logger, notifier, assess: (revision) => reviews.assessment(revision), afterSync },
      options,
    );
  }

  allow(names: readonly string[], actor: string, channel: Channel | null = null) {
    return allow(this, names, actor, channel);
  }

  disallow(names: readonly string[], actor: string, channel: Channel | null = null) {
    return disallow(this, names, actor, channel);
  }

  /** Approves; once published, the revision's sources are fetched in the background (not part of the decision). */
  async approve(input: ApproveInput) {
    const result = await approve(this, input);
    if (result.approved) this.sources.enqueue(result.revision.pkgbase, result.revision.commit, 'approval');
    return result;
  }

  reject(input: DecisionInput) {
    return reject(this, input);
  }

  /** Revokes; the revoked commits' built packages then leave the signed repository (not part of the decision). */
  async revoke(input: DecisionInput) {
    const revoked = await revoke(this, input);
    for (const pkgbase of new Set(revoked.map((revision) => revision.pkgbase))) {
      await reconcileRepo(this, pkgbase).catch((error: unknown) =>
        this.logger.error({ pkgbase, err: describeError(error) }, 'removing revoked packages from the signed repository failed'),
      );
    }
    return revoked;
  }

  /** Builds an approved revision into pacman packages (the served head unless a commit is named). */
  build(request: BuildRequest) {
    return buildNow(this, request);
  }

  servableRangeOf(pkgbase: string) {
    return servableRangeOf(this, pkgbase);
  }

  rebaseStalePending() {
    return rebaseStalePending(this);
  }
}

/** A memoized opening that is forgotten when it fails, so the next caller tries again. */
function retryable<T>(opening: Promise<T>, forget: () => void): Promise<T> {
  return opening.catch((error: unknown) => {
    forget();
    throw error;
  });
}
