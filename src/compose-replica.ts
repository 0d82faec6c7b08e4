import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { RemoteLog } from './app/log-client.js';
import { reconcileReplica } from './app/replica-apply.js';
import { ReplicaFollower } from './app/replica-follower.js';
import { ReplicaSources } from './app/replica-sources.js';
import type { Config } from './config.js';
import { openDatabase, type Db } from './db/open.js';
import { InvalidInput } from './errors.js';
import type { Logger } from './log.js';
import { createNotifier } from './notify/webhook.js';
import { ReplicaCatalog } from './replica/catalog.js';
import { claimReplica } from './replica/follower-state.js';
import { StagingRepos } from './replica/staging.js';
import { BlobStore } from './sources/blob-store.js';
import { ServedRepos } from './store/served-repos.js';
import { SnapshotStore } from './store/snapshots.js';
import { MirroredLog } from './trust/mirrored-log.js';

/**
 * The composition root of a read replica (`aurgate serve --replica-of`): its own database, served
 * repos and snapshot cache, rebuilt from the primary's verified log; no signing key, no upstream
 * client, no mirror repos, no admin. Nothing is copied from the primary's data dir.
 */
export class AurgateReplica {
  readonly db: Db;
  readonly log: MirroredLog;
  readonly remote: RemoteLog;
  readonly staging: StagingRepos;
  readonly served: ServedRepos;
  readonly snapshots: SnapshotStore;
  readonly catalog: ReplicaCatalog;
  readonly follower: ReplicaFollower;
  /** The replica's own source cache (`<dataDir>/sources`), copied from the primary's and verified. */
  readonly blobs: BlobStore;
  readonly sources: ReplicaSources;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {
    const primaryUrl = config.replicaOf;
    if (!primaryUrl) throw new InvalidInput('a replica needs its primary: --replica-of <URL> or AURGATE_REPLICA_OF');
    if (!config.trustedKey) throw new InvalidInput("a replica needs its primary's public key: --trusted-key <key or file> or AURGATE_TRUSTED_KEY");
    const keysText = trustedKeysText(config.trustedKey);
    this.remote = new RemoteLog(primaryUrl, keysText, { timeoutMs: config.upstreamTimeoutMs });
    for (const dir of [config.dataDir, config.paths.replicaStaging, config.paths.servedRepos, config.paths.snapshots, config.paths.sources])
      mkdirSync(dir, { recursive: true });
    this.db = openDatabase(config.paths.database);
    this.log = new MirroredLog(this.db, this.remote.origin, keysText);
    claimReplica(this.db, this.remote.origin, this.remote.server, this.log.store.size());
    this.staging = new StagingRepos(config.paths.replicaStaging, { timeoutMs: config.gitTimeoutMs, maxBytes: config.maxRepoBytes });
    this.served = new ServedRepos(config.paths.servedRepos, config.paths.replicaStaging);
    this.snapshots = new SnapshotStore(this.db, config.paths.servedRepos, config.paths.snapshots);
    this.catalog = new ReplicaCatalog(this.db, logger);
    this.blobs = new BlobStore(config.paths.sources);
    this.sources = new ReplicaSources({ db: this.db, config, blobs: this.blobs, primaryUrl: this.remote.server, logger });
    this.follower = new ReplicaFollower({
      db: this.db,
      log: this.log,
      remote: this.remote,
      keys: this.remote.pinned.dsse,
      staging: this.staging,
      served: this.served,
      snapshots: this.snapshots,
      sources: this.sources,
      primaryUrl: this.remote.server,
      logger,
      notifier: createNotifier(config, logger),
      pollMs: config.replicaPollMs,
    });
  }

  /** Start-up: the log is rescanned (as a primary's is) and the served repos repaired to match the records. */
  async repair(): Promise<{ repaired: number; failed: number }> {
    this.log.store.verifyIntegrity();
    await this.blobs.init();
    this.sources.resume();
    return reconcileReplica(this.db, this.served, this.logger);
  }

  close(): void {
    this.db.close();
  }
}

/** `--trusted-key` is a note verifier key, or a file of them (the pinned-keys file `key export-public --all` prints). */
export function trustedKeysText(value: string): string {
  const trimmed = value.trim();
  if (/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/.test(trimmed)) return `${trimmed}\n`;
  if (existsSync(trimmed)) return readFileSync(trimmed, 'utf8');
  throw new InvalidInput(`--trusted-key is neither a note verifier key (<origin>+<hash>+<key>) nor a readable file: ${trimmed.slice(0, 200)}`);
}
