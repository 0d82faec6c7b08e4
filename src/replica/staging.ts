import { UpstreamError, GitError } from '../errors.js';
import { FetchFailed, fetchWithinBounds, type FetchBounds } from '../git/bounded-fetch.js';
import { initBareRepo, type RepoSettings } from '../git/init.js';
import { packageRepoPath } from '../git/repo-paths.js';
import { git, gitBuffer } from '../git/run.js';
import { MAX_SRCINFO_BYTES } from '../srcinfo/parse.js';
import { assertPackageName, isFullCommitId } from '../srcinfo/names.js';

/** Where each fetched commit is kept reachable, so a later push into the served repo finds it. */
export const STAGED_REF_PREFIX = 'refs/staged/';

const STAGING_SETTINGS: RepoSettings = [
  // What the primary sends is checked object by object; corrupt or malformed objects abort the fetch.
  ['transfer.fsckObjects', 'true'],
  ['fetch.fsckObjects', 'true'],
  ['gc.auto', '0'],
  ['core.logAllRefUpdates', 'false'],
  ['core.hooksPath', '/dev/null'],
];

export interface CommitFacts {
  /** Epoch seconds. */
  authorDate: number;
  committerDate: number;
  /** The commit's .SRCINFO, or null when it has none or it is too large. */
  srcinfoText: string | null;
}

/** The primary no longer has the objects (the package was withdrawn there): retrying cannot help. */
export class ObjectsGone extends UpstreamError {}

/**
 * A replica's staging repos: one bare repo per pkgbase that `git fetch` fills from the primary's git
 * endpoint. Like the primary's mirror repos they are never served; a commit reaches the served repo
 * only by a push from here, after its attestation and archive checksum verified.
 */
export class StagingRepos {
  constructor(
    readonly root: string,
    private readonly bounds: FetchBounds,
  ) {}

  repoPath(pkgbase: string): string {
    return packageRepoPath(this.root, assertPackageName(pkgbase, 'pkgbase'));
  }

  /**
   * Fetches exactly `commit` (and its history) from `<primary>/<pkgbase>.git` by id. git checks that
   * every object hashes to its id, so the commit fetched is the commit named, whatever the transport.
   */
  async fetch(primaryUrl: string, pkgbase: string, commit: string): Promise<string> {
    if (!isFullCommitId(commit)) throw new GitError(`not a commit id: ${commit}`, { pkgbase });
    const repo = this.repoPath(pkgbase);
    await initBareRepo(repo, STAGING_SETTINGS);
    if (await this.has(repo, commit)) return repo;
    const url = `${primaryUrl.replace(/\/+$/, '')}/${pkgbase}.git`;
    try {
      await fetchWithinBounds(repo, url, `+${commit}:${STAGED_REF_PREFIX}${commit}`, `${STAGED_REF_PREFIX}${commit}`, this.bounds);
    } catch (error) {
      if (!(error instanceof FetchFailed)) throw error;
      // 404/410 from the endpoint, or an id the server does not hold: the primary stopped serving it.
      if (
        !error.overCap &&
        /not found|HTTP 4(04|10)|not our ref|couldn't find remote ref|no such remote ref|not a valid object|upload-pack: not our/i.test(error.message)
      )
        throw new ObjectsGone(`the primary no longer serves ${pkgbase} ${commit}: ${error.message}`, { pkgbase, commit });
      const cap = error.overCap ? ' (AURGATE_MAX_REPO_BYTES)' : '';
      throw new UpstreamError(`fetching ${pkgbase} ${commit} from the primary failed: ${error.message}${cap}`, { pkgbase, commit, cause: error });
    }
    if (!(await this.has(repo, commit))) throw new GitError(`the primary's answer did not contain ${commit}`, { pkgbase, commit });
    return repo;
  }

  /** Dates and .SRCINFO of a fetched commit. */
  async facts(pkgbase: string, commit: string): Promise<CommitFacts> {
    const repo = this.repoPath(pkgbase);
    const dates = (await git(['show', '-s', '--format=%at %ct', commit], { cwd: repo })).stdout.trim().split(' ');
    let srcinfoText: string | null = null;
    const size = await git(['cat-file', '-s', `${commit}:.SRCINFO`], { cwd: repo, okCodes: [128] });
    if (size.code === 0 && Number(size.stdout.trim()) <= MAX_SRCINFO_BYTES) {
      srcinfoText = (await gitBuffer(['cat-file', 'blob', `${commit}:.SRCINFO`], { cwd: repo })).toString('utf8');
    }
    return { authorDate: Number(dates[0]), committerDate: Number(dates[1]), srcinfoText };
  }

  private async has(repo: string, commit: string): Promise<boolean> {
    const result = await git(['rev-parse', '--verify', '--quiet', `${commit}^{commit}`], { cwd: repo, okCodes: [1, 128] });
    return result.code === 0 && result.stdout.trim() === commit;
  }
}
