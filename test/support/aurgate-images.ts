import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { docker, NODE_STAND_IN_IMAGE } from './docker.js';
import { REPO_ROOT } from './harness.js';
import { CHILD_HANG_GUARD_MS } from './hang-guard.js';

/**
 * The project's image, built exactly as README says (legacy builder, host network, NODE_IMAGE pointing at the
 * local stand-in): the working tree's, and the one of the commit before the newest schema change, for the
 * upgrade test. Images stay in the engine, so later runs reuse its layer cache (and the old image as is).
 */
export const CURRENT_IMAGE = 'aurgate-test/aurgate:current';

/**
 * A hang guard, not a speed limit: a cold build (npm ci compiling better-sqlite3) took 27 minutes on this
 * two-core machine while other builds and test suites ran. With the engine's layer cache it takes minutes.
 */
export const BUILD_HANG_GUARD_MS = 60 * 60_000;

export interface BuiltImage {
  tag: string;
  /** Wall-clock seconds of `docker build` (0 when an image of that commit was already there). */
  buildSeconds: number;
}

function git(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd: REPO_ROOT, timeout: CHILD_HANG_GUARD_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: stdout.trim(), stderr }),
    );
  });
}

export async function buildImage(context: string, tag: string): Promise<BuiltImage> {
  const started = process.hrtime.bigint();
  const build = await docker(['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${NODE_STAND_IN_IMAGE}`, '-t', tag, context], {
    timeoutMs: BUILD_HANG_GUARD_MS,
  });
  if (build.code !== 0)
    throw new Error(`docker build of ${context} failed (${build.code}):\n${build.stdout.slice(-6000)}\n${build.stderr.slice(-4000)}`);
  return { tag, buildSeconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

export function buildCurrentImage(): Promise<BuiltImage> {
  return buildImage(REPO_ROOT, CURRENT_IMAGE);
}

/**
 * The parent (first-parent history) of the newest commit that changed migrations/: the last image a user
 * could run before the current schema. Fails with what to do when the clone's history does not reach it.
 */
export async function previousSchemaCommit(): Promise<string> {
  const shallow = (await git(['rev-parse', '--is-shallow-repository'])).stdout === 'true';
  const hint = shallow ? ' This clone is shallow: `git fetch --unshallow` (or clone without --depth).' : '';
  const changed = await git(['log', '--first-parent', '-1', '--format=%H', 'HEAD', '--', 'migrations']);
  if (changed.code !== 0 || changed.stdout === '')
    throw new Error(`no commit in this clone's history changed migrations/ (${changed.stderr.trim()}).${hint}`);
  const parent = await git(['rev-parse', '--verify', '--quiet', `${changed.stdout}^1`]);
  if (parent.code !== 0)
    throw new Error(
      `the history is too shallow for the upgrade test: ${changed.stdout} changed migrations/ but its parent is not in this clone.${hint}`,
    );
  const differs = await git(['diff', '--quiet', parent.stdout, 'HEAD', '--', 'migrations']);
  if (differs.code !== 1) throw new Error(`migrations/ at ${parent.stdout} is the same as at HEAD: no schema change to upgrade across`);
  return parent.stdout;
}

/** The image of `commit`, built from `git archive` of it (a commit never changes, so an existing image is reused). */
export async function buildCommitImage(commit: string): Promise<BuiltImage> {
  const tag = `aurgate-test/aurgate:${commit.slice(0, 12)}`;
  if ((await docker(['image', 'inspect', tag])).code === 0) return { tag, buildSeconds: 0 };
  const dir = await mkdtemp(path.join(tmpdir(), 'aurgate-previous-'));
  try {
    const archive = path.join(dir, 'source.tar');
    const exported = await git(['archive', '--format=tar', '-o', archive, commit]);
    if (exported.code !== 0) throw new Error(`git archive ${commit} failed: ${exported.stderr}`);
    const context = path.join(dir, 'context');
    await new Promise<void>((resolve, reject) =>
      execFile('sh', ['-c', 'mkdir "$1" && tar -xf "$2" -C "$1"', 'sh', context, archive], { timeout: CHILD_HANG_GUARD_MS }, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    return await buildImage(context, tag);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
