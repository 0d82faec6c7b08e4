import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import type { Logger } from '../log.js';
import type { ServedRepos } from '../store/served-repos.js';
import type { SnapshotStore } from '../store/snapshots.js';
import type { MirrorRepos } from '../upstream/git-mirror.js';
import type { RpcClient } from '../upstream/rpc-client.js';

/**
 * Everything a use case may depend on. Each use case names the part it needs (`Pick<AppDeps, …>`),
 * so its dependencies are explicit; the composition root (src/compose.ts) is the one place that
 * builds them.
 */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Db;
  /** The upstream AUR's RPC. */
  readonly rpc: RpcClient;
  /** Quarantined mirror repos: only sync, review and publishing read them, never the serving side. */
  readonly mirror: MirrorRepos;
  readonly served: ServedRepos;
  readonly snapshots: SnapshotStore;
}
