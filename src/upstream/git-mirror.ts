import { packageRepoPath } from '../git/repo-paths.js';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { UpstreamError } from '../errors.js';
import { FetchFailed, fetchWithinBounds } from '../git/bounded-fetch.js';
import { initBareRepo, type RepoSettings } from '../git/init.js';
import { readRef, writeRef } from '../git/refs.js';
import { assertPackageName } from '../srcinfo/names.js';

export interface MirrorOptions {
  mirrorRoot: string;
  upstreamUrl: string;
  timeoutMs: number;
  maxBytes: number;
}

/** Where the fetched upstream head lands; the revision refs keep every recorded head reachable. */
export const UPSTREAM_REF = 'refs/upstream/master';
export const REVISION_REF_PREFIX = 'refs/aurgate/revisions/';

const MIRROR_SETTINGS: RepoSettings = [
  // Check every object upstream sends; corrupt or malicious objects abort the fetch.
  ['transfer.fsckObjects', 'true'],
  ['fetch.fsckObjects', 'true'],
  ['gc.auto', '0'],
  ['core.logAllRefUpdates', 'false'],
  // No hook (reference-transaction runs even on fetch) may ever run in a repo that holds upstream data.
  ['core.hooksPath', '/dev/null'],
];

export type FetchOutcome = { kind: 'head'; commit: string } | { kind: 'missing' };

/**
 * The quarantined side: one bare repo per pkgbase that `git fetch` fills from upstream. Nothing here is
 * ever read by the HTTP server.
 */
export class MirrorRepos {
  constructor(private readonly options: MirrorOptions) {}

  repoPath(pkgbase: string): string {
    return packageRepoPath(this.options.mirrorRoot, pkgbase);
  }

  upstreamGitUrl(pkgbase: string): string {
    return `${this.options.upstreamUrl}/${assertPackageName(pkgbase, 'pkgbase')}.git`;
  }

  async ensure(pkgbase: string): Promise<string> {
    const repo = this.repoPath(pkgbase);
    await initBareRepo(repo, MIRROR_SETTINGS);
    return repo;
  }

  /**
   * Fetches upstream master into UPSTREAM_REF, bounded in time and size. A package upstream no longer
   * has (deleted, or an empty repo) is reported as missing rather than as an error.
   */
  async fetch(pkgbase: string): Promise<FetchOutcome> {
    const repo = await this.ensure(pkgbase);
    await removeStaleLocks(repo);
    try {
      await fetchWithinBounds(repo, this.upstreamGitUrl(pkgbase), `+refs/heads/master:${UPSTREAM_REF}`, UPSTREAM_REF, this.options);
    } catch (error) {
      if (!(error instanceof FetchFailed)) throw error;
      if (!error.overCap && /couldn't find remote ref|not found|does not appear to be a git repository/i.test(error.message))
        return { kind: 'missing' };
      const cap = error.overCap ? ' (AURGATE_MAX_REPO_BYTES)' : '';
      throw new UpstreamError(`git fetch of ${pkgbase} failed: ${error.message.split('\n')[0]}${cap}`, { pkgbase, cause: error });
    }
    const head = await readRef(repo, UPSTREAM_REF);
    return head ? { kind: 'head', commit: head } : { kind: 'missing' };
  }

  /** Keeps a recorded head reachable whatever upstream does later (force-push, deletion); runs under the sync lock. */
  async keepRevision(pkgbase: string, commit: string): Promise<void> {
    await writeRef(this.repoPath(pkgbase), `${REVISION_REF_PREFIX}${commit}`, commit);
  }
}

/**
 * A process killed mid-fetch leaves lock files behind that would make every later fetch fail. Only the
 * sync lock holder calls this, so no live git process can own them.
 */
export async function removeStaleLocks(repo: string): Promise<void> {
  const candidates = [path.join(repo, 'packed-refs.lock'), path.join(repo, 'shallow.lock'), path.join(repo, 'config.lock')];
  for (const dir of ['refs/upstream', 'refs/aurgate/revisions', 'refs/heads']) {
    const full = path.join(repo, dir);
    if (!existsSync(full)) continue;
    for (const entry of await readdir(full)) if (entry.endsWith('.lock') || entry.endsWith('.tmp')) candidates.push(path.join(full, entry));
  }
  const packDir = path.join(repo, 'objects', 'pack');
  if (existsSync(packDir)) {
    for (const entry of await readdir(packDir)) if (entry.startsWith('tmp_')) candidates.push(path.join(packDir, entry));
  }
  await Promise.all(candidates.map((file) => rm(file, { force: true })));
}
