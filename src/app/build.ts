import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { arch as hostArch } from 'node:os';
import path from 'node:path';
import { networkIsolationAvailable, runLocalBuild } from '../build/local-builder.js';
import {
  activeOrBuilt,
  buildPackages,
  claimBuild,
  finishBuild,
  getBuild,
  queueBuild,
  recordBuildFacts,
  type BuildRecord,
  type BuiltPackage,
} from '../build/records.js';
import { inTransaction } from '../db/open.js';
import { checkPackage } from '../repo/package-file.js';
import { BuildError, Busy, Conflict, describeError, NotFound } from '../errors.js';
import { commitInfo } from '../git/history.js';
import { getRevision, getServedRevision } from '../quarantine/revisions.js';
import { assertPackageName, isFullCommitId } from '../srcinfo/names.js';
import { listRevisionSources } from '../sources/records.js';
import { sourceEntries } from '../srcinfo/sources.js';
import type { BlobStore } from '../sources/blob-store.js';
import type { AppDeps } from './deps.js';
import { reconcileRepo, type PublishDeps, type RepoChange } from './repo-publish.js';

export type BuildDeps = Pick<AppDeps, 'db' | 'config' | 'logger' | 'snapshots' | 'served'> & { blobs: BlobStore } & Pick<PublishDeps, 'pacmanRepo'>;

export interface BuildRequest {
  pkgbase: string;
  /** The approved commit to build; the served head when absent. */
  commit?: string | undefined;
  trigger: 'cli' | 'admin' | 'api' | 'approval';
  requestedBy: string | null;
  /** Build again even if this commit was built (a rebuild, e.g. to compare digests). */
  again?: boolean;
  onStage?: (stage: string) => void;
}

export interface BuildOutcome {
  build: BuildRecord;
  packages: BuiltPackage[];
  logFile: string;
  /** What the signed repository gained and lost (a build of the served head replaces what was there), or why that failed. */
  repository: RepoChange | { error: string };
}

/** makepkg's name for this machine's architecture (CARCH). */
export const CARCH = hostArch() === 'arm64' ? 'aarch64' : hostArch() === 'x64' ? 'x86_64' : hostArch();

export function buildLogFile(deps: Pick<BuildDeps, 'config'>, id: number): string {
  return path.join(deps.config.paths.builds, String(id), 'build.log');
}

/**
 * Queues the build of an approved revision (the served head unless a commit is named). Only an
 * approved, non-revoked commit is ever queued; a commit queued, running or built already gives
 * that build back instead of a second one.
 */
export function requestBuild(deps: Pick<BuildDeps, 'db'>, request: BuildRequest): BuildRecord {
  const pkgbase = assertPackageName(request.pkgbase, 'pkgbase');
  const commit = approvedCommit(deps, pkgbase, request.commit);
  return inTransaction(
    deps.db,
    () =>
      (request.again ? null : activeOrBuilt(deps.db, pkgbase, commit)) ??
      queueBuild(deps.db, { pkgbase, commit, builder: 'local', trigger: request.trigger, requestedBy: request.requestedBy }),
  );
}

/** Queues and runs a build in this process at once (`aurgate build`): its outcome, or the build that exists already. */
export async function buildNow(deps: BuildDeps, request: BuildRequest): Promise<BuildOutcome> {
  const queued = requestBuild(deps, request);
  if (queued.state === 'succeeded')
    return {
      build: queued,
      packages: buildPackages(deps.db, queued.id),
      logFile: buildLogFile(deps, queued.id),
      repository: await publish(deps, queued.pkgbase),
    };
  const build = claimBuild(deps.db, queued.id);
  if (!build)
    throw new Busy(`build #${queued.id} of ${queued.pkgbase} ${queued.commit} is being run by another process`, { pkgbase: queued.pkgbase });
  return runBuild(deps, build, { onStage: request.onStage });
}

/**
 * Runs a claimed build: the approved snapshot, its sources from the source cache only (the build has
 * no network where bubblewrap can take it away), SOURCE_DATE_EPOCH from the approved commit. Every
 * step is recorded on the build; a failure names the package and the cause, and the log stays.
 */
export async function runBuild(
  deps: BuildDeps,
  build: BuildRecord,
  options: { onStage?: ((stage: string) => void) | undefined; signal?: AbortSignal } = {},
): Promise<BuildOutcome> {
  const { pkgbase, commit } = build;
  const dir = path.join(deps.config.paths.builds, String(build.id));
  const logFile = buildLogFile(deps, build.id);
  const stage = (text: string) => {
    deps.logger.info({ build: build.id, pkgbase, commit, stage: text }, 'build');
    options.onStage?.(text);
  };
  try {
    // Approved when queued is not enough: a revocation since then stops the build.
    approvedCommit(deps, pkgbase, commit);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const work = path.join(dir, 'work');
    stage('unpacking the approved snapshot');
    const packageDir = await unpackSnapshot(deps, pkgbase, commit, work);
    stage('placing sources from the source cache');
    const srcDest = path.join(work, 'sources');
    await placeSources(deps, pkgbase, commit, srcDest);
    const sourceDateEpoch = (await commitInfo(deps.served.repoPath(pkgbase), commit)).committerDate;
    const pkgDest = path.join(work, 'packages');
    await mkdir(pkgDest, { recursive: true });
    stage('running makepkg');
    const networkIsolated = await networkIsolationAvailable();
    recordBuildFacts(deps.db, build.id, { sourceDateEpoch, networkIsolated });
    if (!networkIsolated) deps.logger.warn({ build: build.id, pkgbase }, 'bubblewrap is not available: the build runs with network access');
    const result = await runLocalBuild({
      packageDir,
      root: work,
      srcDest,
      pkgDest,
      sourceDateEpoch,
      logFile,
      timeoutMs: deps.config.buildTimeoutMs,
      maxBytes: deps.config.buildMaxBytes,
      maxLogBytes: deps.config.buildMaxLogBytes,
      user: deps.config.buildUser,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    stage('recording the packages');
    const packages = await keepPackages(result.packages, path.join(dir, 'packages'));
    finishBuild(deps.db, build.id, { packages });
    stage(`built ${packages.map((pkg) => pkg.filename).join(', ')}`);
    await rm(work, { recursive: true, force: true });
    stage('updating the signed repository');
    return { build: getBuild(deps.db, build.id) as BuildRecord, packages, logFile, repository: await publish(deps, pkgbase) };
  } catch (error) {
    const message = `${pkgbase} ${commit.slice(0, 12)}: ${describeError(error)}`;
    finishBuild(deps.db, build.id, { error: message });
    deps.logger.warn({ build: build.id, pkgbase, commit, err: message }, 'build failed');
    throw error instanceof BuildError ? new BuildError(message, { pkgbase, commit, cause: error }) : error;
  }
}

/** The repository after a build; a failure there leaves the build succeeded (its packages are kept) and is reported. */
async function publish(deps: BuildDeps, pkgbase: string): Promise<RepoChange | { error: string }> {
  try {
    return await reconcileRepo(deps, pkgbase);
  } catch (error) {
    deps.logger.error({ pkgbase, err: describeError(error) }, 'adding the built packages to the signed repository failed');
    return { error: describeError(error) };
  }
}

/** The commit to build: the one named (full id), which must be approved and not revoked, else the served head. */
function approvedCommit(deps: Pick<BuildDeps, 'db'>, pkgbase: string, commit: string | undefined): string {
  if (commit === undefined) {
    const served = getServedRevision(deps.db, pkgbase);
    if (!served) throw new NotFound(`${pkgbase} has no approved revision to build`, { pkgbase });
    return served.commit;
  }
  if (!isFullCommitId(commit)) throw new NotFound(`${pkgbase}: ${commit} is not a full commit id`, { pkgbase });
  const revision = getRevision(deps.db, pkgbase, commit);
  if (revision?.state !== 'approved')
    throw new Conflict(`${pkgbase} ${commit} is ${revision ? revision.state : 'not a recorded revision'}: only approved revisions are built`, {
      pkgbase,
      commit,
    });
  return commit;
}

async function unpackSnapshot(deps: BuildDeps, pkgbase: string, commit: string, work: string): Promise<string> {
  const snapshot = await deps.snapshots.get(pkgbase, commit);
  await mkdir(work, { recursive: true });
  // Our own git archive of the approved commit (`<pkgbase>/…`, no links out, no absolute paths).
  await run('tar', ['--no-same-owner', '--no-same-permissions', '-xzf', snapshot.file, '-C', work]);
  return path.join(work, pkgbase);
}

/**
 * Every remote source of this architecture (and `any`), from the cache, verified again as it is
 * read: makepkg then finds each file in SRCDEST and checks its own checksums. A source the cache
 * lacks (not fetched, failed, or a VCS checkout) makes the build impossible offline: refused now,
 * naming it, rather than after makepkg tried the network.
 */
async function placeSources(deps: BuildDeps, pkgbase: string, commit: string, srcDest: string): Promise<void> {
  await mkdir(srcDest, { recursive: true });
  const sources = listRevisionSources(deps.db, pkgbase, commit);
  const srcinfo = getRevision(deps.db, pkgbase, commit)?.srcinfo;
  const remote = srcinfo ? sourceEntries(srcinfo).filter((entry) => entry.kind !== 'local') : [];
  if (sources.length === 0 && remote.length > 0)
    throw new BuildError(`its sources are not in the source cache yet (${remote.length} to fetch); run aurgate sources fetch ${pkgbase}`);
  for (const source of sources) {
    if (source.arch !== 'any' && source.arch !== CARCH) continue;
    if (source.kind === 'local') continue;
    if (source.kind === 'vcs')
      throw new BuildError(`source ${source.filename} is a VCS checkout, which the source cache does not hold: it cannot be built offline`);
    if (source.status !== 'stored' || source.sha256 === null)
      throw new BuildError(
        `source ${source.filename} is not in the source cache (${source.status}${source.error ? `: ${source.error}` : ''}); run aurgate sources fetch ${pkgbase}`,
      );
    const blob = await deps.blobs.verify(source.sha256);
    await copyFile(blob.path, path.join(srcDest, source.filename));
  }
}

/** Moves the package files out of the work tree (which is removed) and records each with its digest and .PKGINFO facts. */
async function keepPackages(files: readonly string[], into: string): Promise<BuiltPackage[]> {
  await mkdir(into, { recursive: true });
  const packages: BuiltPackage[] = [];
  for (const file of files) {
    const filename = path.basename(file);
    const kept = path.join(into, filename);
    await copyFile(file, kept);
    // The same strict check the repository makes: a build() that wrote a hostile .PKGINFO fails here, named.
    const { info } = await checkPackage(kept, filename).catch((error: unknown) => {
      throw new BuildError(`makepkg wrote a package that is refused: ${describeError(error)}`, { cause: error });
    });
    packages.push({
      filename,
      pkgname: info.pkgname,
      version: info.version,
      arch: info.arch,
      sha256: await sha256Of(kept),
      size: (await stat(kept)).size,
    });
  }
  return packages;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { timeout: 10 * 60_000, maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) =>
      error ? reject(new BuildError(`${command} ${args[0] ?? ''} failed: ${stderr.trim().slice(-300) || error.message}`)) : resolve(),
    ),
  );
}
