import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { AurgateError, describeError, InvalidInput } from '../errors.js';
import type { Logger } from '../log.js';
import { appendAudit } from '../quarantine/audit.js';
import { listAllowlistedPackages, recordCheck, recordPackageError, type PackageRecord } from '../quarantine/packages.js';
import { getRevision } from '../quarantine/revisions.js';
import { dependencyNames } from '../srcinfo/rpc-fields.js';
import { assertPackageName } from '../srcinfo/names.js';
import type { MirrorRepos } from '../upstream/git-mirror.js';
import type { RpcClient } from '../upstream/rpc-client.js';
import { metaFromPackages, type UpstreamMeta, type UpstreamPackage } from '../upstream/rpc-schema.js';
import { acquireLock } from '../db/locks.js';
import { learnAurNames, syncCandidates } from './aur-names.js';
import { forEachConcurrently } from './pool.js';
import { recordUpstreamHead } from './record.js';
import { finishRun, startRun, type SyncSummary } from './runs.js';

export interface SyncDeps {
  db: Db;
  config: Config;
  rpc: RpcClient;
  mirror: MirrorRepos;
  logger: Logger;
}

export interface SyncOptions {
  /** Limit the run to these pkgbases (all allowlisted ones otherwise). */
  only?: readonly string[];
  /** git-fetch every package whatever RPC says. */
  full?: boolean;
  trigger: 'schedule' | 'cli' | 'allow' | 'admin' | 'startup';
  /** Called once the lock is held and the run recorded: from here on the run is this caller's. */
  onStarted?: (runId: number) => void;
  onProgress?: (done: number, total: number, pkgbase: string) => void;
  /** Called for each new pending revision and each failure (notifications hook in here). */
  onEvent?: (event: SyncEvent) => void;
  /**
   * Called once with the RPC metadata of every package found upstream, before any git fetch: the
   * maintainer history and cross-package signals are recorded here, so the revisions this run records
   * are assessed with them.
   */
  onUpstreamMeta?: (found: ReadonlyMap<string, UpstreamMeta>) => void;
}

export type SyncEvent =
  | { kind: 'new-revision'; pkgbase: string; commit: string }
  | { kind: 'package-failed'; pkgbase: string; error: string }
  | { kind: 'upstream-deleted'; pkgbase: string };

type Lookup = { kind: 'found'; meta: UpstreamMeta } | { kind: 'deleted' } | { kind: 'failed'; error: string };

/**
 * One sync run: batched RPC change detection, then git fetch of what changed (plus periodic full
 * checks, since RPC metadata can lag behind git), bounded concurrency, every failure recorded per
 * package while the run goes on. Holds the cross-process sync lock for its whole duration.
 */
export async function runSync(deps: SyncDeps, options: SyncOptions): Promise<SyncSummary> {
  const { db, logger } = deps;
  const lock = acquireLock(db, 'sync');
  const runId = startRun(db, options.trigger);
  const summary: SyncSummary = { runId, status: 'ok', packages: 0, fetched: 0, newRevisions: 0, failed: 0, errors: [], durationMs: 0 };
  const started = Date.now();
  try {
    options.onStarted?.(runId);
    const targets = selectTargets(db, options.only);
    summary.packages = targets.length;
    logger.info({ runId, packages: targets.length, trigger: options.trigger }, 'sync started');
    const lookups = await lookUpstream(deps.rpc, targets);
    observeUpstream(deps, lookups, options);
    let done = 0;
    /** The dependency names of the revisions this run records (not the revisions: an initial sync records thousands). */
    const dependencies = new Set<string>();
    await forEachConcurrently(targets, deps.config.syncConcurrency, async (pkg) => {
      await syncPackage(deps, pkg, lookups.get(pkg.pkgbase) ?? { kind: 'deleted' }, options, summary, dependencies);
      done += 1;
      lock.heartbeat();
      options.onProgress?.(done, targets.length, pkg.pkgbase);
    });
    // Which of their dependencies the AUR knows: what a lock needs to tell AUR from official packages.
    await learnAurNames(deps, syncCandidates(db, dependencies));
  } finally {
    summary.durationMs = Date.now() - started;
    summary.status = summary.failed === 0 ? 'ok' : summary.failed === summary.packages ? 'failed' : 'partial';
    finishRun(db, summary);
    lock.release();
    logger.info({ ...summary, errors: summary.errors.length }, 'sync finished');
  }
  return summary;
}

function selectTargets(db: Db, only: readonly string[] | undefined): PackageRecord[] {
  const all = listAllowlistedPackages(db);
  if (!only || only.length === 0) return all;
  const wanted = new Set(only.map((name) => assertPackageName(name, 'pkgbase')));
  const targets = all.filter((pkg) => wanted.has(pkg.pkgbase) || pkg.pkgnames.some((name) => wanted.has(name)));
  const known = new Set(targets.flatMap((pkg) => [pkg.pkgbase, ...pkg.pkgnames]));
  const unknown = [...wanted].filter((name) => !known.has(name));
  if (unknown.length > 0) throw new InvalidInput(`not on the allowlist: ${unknown.join(', ')}`, { pkgname: unknown[0] });
  return targets;
}

/** Batched RPC info for every allowlisted name; a failed batch marks only its own packages failed. */
async function lookUpstream(rpc: RpcClient, targets: readonly PackageRecord[]): Promise<Map<string, Lookup>> {
  const byName = new Map<string, PackageRecord>();
  for (const pkg of targets) for (const name of pkg.pkgnames) byName.set(name, pkg);
  const results = new Map<string, Lookup>();
  const found = new Map<string, UpstreamPackage[]>();
  for (const batch of rpc.batches([...byName.keys()])) {
    try {
      for (const upstream of (await rpc.info(batch)).values()) {
        const pkg = byName.get(upstream.Name);
        if (pkg && upstream.PackageBase === pkg.pkgbase) found.set(pkg.pkgbase, [...(found.get(pkg.pkgbase) ?? []), upstream]);
      }
    } catch (error) {
      for (const name of batch) {
        const pkg = byName.get(name);
        if (pkg) results.set(pkg.pkgbase, { kind: 'failed', error: describeError(error) });
      }
    }
  }
  for (const pkg of targets) {
    if (results.has(pkg.pkgbase)) continue;
    const packages = found.get(pkg.pkgbase);
    results.set(pkg.pkgbase, packages ? { kind: 'found', meta: metaFromPackages(packages) } : { kind: 'deleted' });
  }
  return results;
}

function observeUpstream(deps: SyncDeps, lookups: ReadonlyMap<string, Lookup>, options: SyncOptions): void {
  if (!options.onUpstreamMeta) return;
  const found = new Map<string, UpstreamMeta>();
  for (const [pkgbase, lookup] of lookups) if (lookup.kind === 'found') found.set(pkgbase, lookup.meta);
  try {
    options.onUpstreamMeta(found);
  } catch (error) {
    // The sync itself goes on (serving must not depend on the signals); the failure is loud in the log.
    deps.logger.error({ err: describeError(error) }, 'recording maintainer history and signals failed');
  }
}

function needsFetch(pkg: PackageRecord, meta: UpstreamMeta, config: Config, full: boolean): { fetch: boolean; fullCheck: boolean } {
  const fullCheck =
    full || config.fullCheckHours === 0 || pkg.lastFullCheckAt === null || Date.now() - pkg.lastFullCheckAt >= config.fullCheckHours * 3_600_000;
  const changed =
    pkg.upstreamHead === null ||
    pkg.upstreamStatus !== 'present' ||
    pkg.lastError !== null ||
    meta.LastModified !== pkg.upstreamLastModified ||
    meta.Version !== pkg.upstreamVersion;
  return { fetch: changed || fullCheck, fullCheck };
}

async function syncPackage(
  deps: SyncDeps,
  pkg: PackageRecord,
  lookup: Lookup,
  options: SyncOptions,
  summary: SyncSummary,
  dependencies: Set<string>,
): Promise<void> {
  const { db, logger } = deps;
  try {
    if (lookup.kind === 'failed') throw new Error(lookup.error);
    if (lookup.kind === 'deleted') return markDeleted(deps, pkg, options);
    const decision = needsFetch(pkg, lookup.meta, deps.config, options.full ?? false);
    if (!decision.fetch) {
      recordCheck(db, pkg.pkgbase, { meta: lookup.meta, status: 'present', fetched: false, fullCheck: false });
      return;
    }
    const outcome = await deps.mirror.fetch(pkg.pkgbase);
    summary.fetched += 1;
    if (outcome.kind === 'missing') return markDeleted(deps, pkg, options);
    const recordedAs = await recordUpstreamHead(db, deps.mirror, pkg, outcome.commit, lookup.meta, decision.fullCheck);
    if (recordedAs === 'new-revision') {
      summary.newRevisions += 1;
      const srcinfo = getRevision(db, pkg.pkgbase, outcome.commit)?.srcinfo;
      for (const name of srcinfo ? dependencyNames(srcinfo) : []) dependencies.add(name);
      logger.info({ pkgbase: pkg.pkgbase, commit: outcome.commit }, 'new revision awaiting review');
      options.onEvent?.({ kind: 'new-revision', pkgbase: pkg.pkgbase, commit: outcome.commit });
    }
  } catch (error) {
    const message = describeError(error);
    summary.failed += 1;
    summary.errors.push({ pkgbase: pkg.pkgbase, error: message });
    recordPackageError(db, pkg.pkgbase, message);
    logger.warn({ pkgbase: pkg.pkgbase, err: message, code: error instanceof AurgateError ? error.code : undefined }, 'package sync failed');
    options.onEvent?.({ kind: 'package-failed', pkgbase: pkg.pkgbase, error: message });
  }
}

/** A package upstream no longer has is flagged once and never followed: the mirror keeps what it had. */
function markDeleted(deps: SyncDeps, pkg: PackageRecord, options: SyncOptions): void {
  inTransaction(deps.db, () => {
    if (pkg.upstreamStatus !== 'deleted') {
      appendAudit(deps.db, { actor: 'sync', channel: 'system', action: 'upstream.deleted', pkgbase: pkg.pkgbase, commit: pkg.upstreamHead });
      options.onEvent?.({ kind: 'upstream-deleted', pkgbase: pkg.pkgbase });
    }
    recordCheck(deps.db, pkg.pkgbase, { meta: null, status: 'deleted', fetched: false, fullCheck: false });
  });
}
