import { listPackageRepos, packageRepoPath } from '../git/repo-paths.js';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { initBareRepo, type RepoSettings } from '../git/init.js';
import { readRef, readRefsUnder } from '../git/refs.js';
import { git } from '../git/run.js';

/** Hidden refs that keep every approved commit fetchable by id after newer approvals. */
export const APPROVED_REF_PREFIX = 'refs/aurgate/approved/';
const MASTER = 'refs/heads/master';

const SERVED_SETTINGS: RepoSettings = [
  ['uploadpack.hideRefs', 'refs/aurgate'],
  ['uploadpack.allowTipSHA1InWant', 'true'],
  ['uploadpack.allowFilter', 'true'],
  // No reflogs: a revoked commit must not stay reachable through one.
  ['core.logAllRefUpdates', 'false'],
  ['gc.auto', '0'],
  ['receive.fsckObjects', 'true'],
  ['core.hooksPath', '/dev/null'],
];

export interface DesiredState {
  /** Every approved, non-revoked commit of the package. */
  approved: readonly string[];
  /** The newest of them (served as master), or null when nothing is approved. */
  head: string | null;
}

export interface ReconcileResult {
  pushed: string[];
  removed: string[];
  head: string | null;
}

/**
 * The served side: one bare repo per pkgbase holding approved commits only. Objects arrive solely by
 * pushing an approved commit from the mirror repo; no alternates, no shared object directory, so an
 * object of a pending or rejected revision cannot exist here (git's protocol v2 would hand out any
 * object present when asked for it by id).
 */
export class ServedRepos {
  constructor(
    readonly servedRoot: string,
    private readonly mirrorRoot: string,
  ) {}

  repoPath(pkgbase: string): string {
    return packageRepoPath(this.servedRoot, pkgbase);
  }

  async ensure(pkgbase: string): Promise<string> {
    const repo = this.repoPath(pkgbase);
    // Attributes inside a package's tree (export-subst, export-ignore) must not change what git archive
    // produces: info/attributes outranks them, so snapshots are exactly the committed files.
    await initBareRepo(repo, SERVED_SETTINGS, { 'info/attributes': '* -export-subst -export-ignore\n', HEAD: `ref: ${MASTER}\n` });
    return repo;
  }

  /** Approved commits the served repo holds refs for, and its master (read from the ref files). */
  async actualState(pkgbase: string): Promise<{ approved: string[]; head: string | null }> {
    const repo = this.repoPath(pkgbase);
    if (!existsSync(path.join(repo, 'HEAD'))) return { approved: [], head: null };
    const approved = [...(await readRefsUnder(repo, APPROVED_REF_PREFIX)).keys()].map((ref) => ref.slice(APPROVED_REF_PREFIX.length));
    return { approved, head: await readRef(repo, MASTER) };
  }

  /**
   * Makes the served repo match the database: pushes approved commits it lacks from the mirror repo,
   * points master at the served head, and physically removes everything no longer approved.
   */
  async reconcile(pkgbase: string, desired: DesiredState): Promise<ReconcileResult> {
    const repo = await this.ensure(pkgbase);
    await removeLeftovers(repo);
    const actual = await this.actualState(pkgbase);
    const wanted = new Set(desired.approved);
    const missing = desired.approved.filter((commit) => !actual.approved.includes(commit));
    const extra = actual.approved.filter((commit) => !wanted.has(commit));
    if (missing.length > 0) {
      const mirror = packageRepoPath(this.mirrorRoot, pkgbase);
      const refspecs = missing.map((commit) => `${commit}:${APPROVED_REF_PREFIX}${commit}`);
      await git(['push', '--quiet', '--no-verify', repo, ...refspecs], { cwd: mirror, timeoutMs: 300_000 });
    }
    if (desired.head === null) {
      if (actual.head !== null) await git(['update-ref', '-d', MASTER], { cwd: repo });
    } else if (actual.head !== desired.head) {
      await git(['update-ref', MASTER, desired.head], { cwd: repo });
    }
    for (const commit of extra) await git(['update-ref', '-d', `${APPROVED_REF_PREFIX}${commit}`], { cwd: repo });
    if (extra.length > 0 || (actual.head !== null && !wanted.has(actual.head))) await this.prune(repo);
    return { pushed: missing, removed: extra, head: desired.head };
  }

  /** Deletes every object no ref reaches, at once (no grace period: removed means gone). */
  async prune(repo: string): Promise<void> {
    await git(['reflog', 'expire', '--expire=now', '--all'], { cwd: repo });
    await git(['repack', '-a', '-d', '-q'], { cwd: repo, timeoutMs: 300_000 });
    await git(['prune', '--expire=now'], { cwd: repo });
  }

  async listPackages(): Promise<string[]> {
    return listPackageRepos(this.servedRoot);
  }
}

/** Quarantine directories and temporary packs of an interrupted push hold nothing we may keep. */
async function removeLeftovers(repo: string): Promise<void> {
  const objects = path.join(repo, 'objects');
  const leftovers: string[] = [];
  for (const entry of existsSync(objects) ? await readdir(objects) : []) if (entry.startsWith('incoming-')) leftovers.push(path.join(objects, entry));
  const packs = path.join(objects, 'pack');
  for (const entry of existsSync(packs) ? await readdir(packs) : []) if (entry.startsWith('tmp_')) leftovers.push(path.join(packs, entry));
  for (const lock of ['packed-refs.lock', 'refs/heads/master.lock']) leftovers.push(path.join(repo, lock));
  await Promise.all(leftovers.map((file) => rm(file, { recursive: true, force: true })));
}
