import { packageRepoPath } from '../git/repo-paths.js';
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { UpstreamError, describeError } from '../errors.js';
import { initBareRepo, type RepoSettings } from '../git/init.js';
import { readRef, writeRef } from '../git/refs.js';
import { git, gitEnv } from '../git/run.js';
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
  // Keep every fetch as a pack so the size watcher sees incoming bytes (loose objects it would miss).
  ['fetch.unpackLimit', '1'],
  ['transfer.unpackLimit', '1'],
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
    const before = await this.upstreamHead(repo);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    const watcher = setInterval(() => {
      void incomingBytes(repo).then((bytes) => {
        if (bytes > this.options.maxBytes) controller.abort(new Error(`pack larger than the ${this.options.maxBytes}-byte cap`));
      });
    }, 100);
    try {
      // GIT_CONFIG_GLOBAL is ours (/dev/null: no user config), which simple-git only accepts when told so.
      await simpleGit({
        baseDir: repo,
        abort: controller.signal,
        timeout: { block: this.options.timeoutMs },
        unsafe: { allowUnsafeConfigPaths: true },
      })
        .env(fetchEnv())
        .raw(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', this.upstreamGitUrl(pkgbase), `+refs/heads/master:${UPSTREAM_REF}`]);
    } catch (error) {
      const message = controller.signal.aborted ? describeError(controller.signal.reason) : describeError(error);
      if (/couldn't find remote ref|not found|does not appear to be a git repository/i.test(message)) return { kind: 'missing' };
      throw new UpstreamError(`git fetch of ${pkgbase} failed: ${message.split('\n')[0]}`, { pkgbase, cause: error });
    } finally {
      clearTimeout(timer);
      clearInterval(watcher);
    }
    await this.enforceSizeCap(pkgbase, repo, before);
    const head = await this.upstreamHead(repo);
    return head ? { kind: 'head', commit: head } : { kind: 'missing' };
  }

  private upstreamHead(repo: string): Promise<string | null> {
    return readRef(repo, UPSTREAM_REF);
  }

  /**
   * A fetch too quick for the watcher to catch can still leave more than the cap: then the fetched
   * head is dropped again, its objects pruned, and the package fails with the reason.
   */
  private async enforceSizeCap(pkgbase: string, repo: string, before: string | null): Promise<void> {
    const size = await directorySize(path.join(repo, 'objects'));
    if (size <= this.options.maxBytes) return;
    if (before) await git(['update-ref', UPSTREAM_REF, before], { cwd: repo });
    else await git(['update-ref', '-d', UPSTREAM_REF], { cwd: repo });
    await git(['repack', '-a', '-d', '-q'], { cwd: repo, timeoutMs: this.options.timeoutMs });
    await git(['prune', '--expire=now'], { cwd: repo });
    throw new UpstreamError(
      `git fetch of ${pkgbase} refused: the repository takes ${size} bytes, more than the ${this.options.maxBytes}-byte cap (AURGATE_MAX_REPO_BYTES)`,
      { pkgbase },
    );
  }

  /** Keeps a recorded head reachable whatever upstream does later (force-push, deletion); runs under the sync lock. */
  async keepRevision(pkgbase: string, commit: string): Promise<void> {
    await writeRef(this.repoPath(pkgbase), `${REVISION_REF_PREFIX}${commit}`, commit);
  }
}

/** The clean git environment, less what simple-git refuses to pass (a pager is irrelevant to fetch). */
function fetchEnv(): NodeJS.ProcessEnv {
  const { GIT_PAGER: _pager, ...env } = gitEnv();
  return env;
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

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? await directorySize(full) : (await stat(full)).size;
  }
  return total;
}

async function incomingBytes(repo: string): Promise<number> {
  const packDir = path.join(repo, 'objects', 'pack');
  let total = 0;
  try {
    for (const entry of await readdir(packDir)) {
      if (entry.startsWith('tmp_')) total += (await stat(path.join(packDir, entry))).size;
    }
  } catch {
    // The pack directory appears only once git writes the first pack; nothing incoming yet.
  }
  return total;
}
