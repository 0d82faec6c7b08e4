import { requireAccount } from '../accounts/users.js';
import { inTransaction } from '../db/open.js';
import { Busy, InvalidInput, NotFound, describeError } from '../errors.js';
import type { Actor } from '../quarantine/actor.js';
import { appendAudit } from '../quarantine/audit.js';
import { resolveRevision } from '../quarantine/decisions.js';
import { getRevision, listApprovedRevisions } from '../quarantine/revisions.js';
import { unpinnedSources } from '../review/unpinned-sources.js';
import { blobsInUse, revisionKey, selectGarbage } from '../sources/gc.js';
import {
  blobReferences,
  blobTotals,
  finishJob,
  forgetBlob,
  getAcceptance,
  getBlob,
  jobProgress,
  listBlobs,
  listJobs,
  listRevisionSources,
  claimJob,
  claimNextJob,
  queueJob,
  recordAcceptance,
  requeueInterruptedJobs,
  revisionsUsingBlob,
  setJobTotal,
  type SourceAcceptance,
  type SourceJob,
} from '../sources/records.js';
import { assertPackageName } from '../srcinfo/names.js';
import { sourceEntries } from '../srcinfo/sources.js';
import { fetchRevisionSources, type FetchSummary, type SourceFetchDeps } from './source-fetch.js';
import { JobRunner } from './job-runner.js';

/** Unreferenced blobs younger than this survive a GC: a fetch in progress has not named them yet. */
export const GC_GRACE_MS = 60 * 60 * 1000;

/**
 * The hermetic source cache's use cases: fetch jobs (queued on approval, run in the background one at
 * a time), on-demand fetches, the acceptance of unpinned sources, status and garbage collection.
 * Serving reads (manifest, blob) are in source-serving.ts.
 */
export class SourceCache {
  /** Only a serving process runs queued jobs; a CLI command that approves just queues (it exits soon). */
  private readonly runner: JobRunner;

  constructor(
    private readonly deps: SourceFetchDeps,
    /** Told when a revision's fetch job ends, whether every source was stored (builds on approval wait for it). */
    private readonly onFetched: (pkgbase: string, commit: string, complete: boolean) => void = () => undefined,
  ) {
    this.runner = new JobRunner('source fetch', deps.logger, () => this.drain());
  }

  /** Queues the fetch of a revision's sources (and runs it, in a serving process); never throws (an approval has committed). */
  enqueue(pkgbase: string, commit: string, trigger: string): void {
    try {
      queueJob(this.deps.db, pkgbase, commit, trigger);
      this.runner.kick();
    } catch (error) {
      this.deps.logger.error({ pkgbase, commit, err: describeError(error) }, 'could not queue the source fetch');
    }
  }

  /** Makes this process the job runner and resumes jobs a previous one left queued or running (`aurgate serve` at start-up). */
  resume(): void {
    requeueInterruptedJobs(this.deps.db);
    this.runner.activate();
  }

  /** Resolves when no job is queued or running in this process. */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  /** Starts the runner if jobs are queued (another process, such as a sync worker's policy approval, may have queued them). */
  kick(): void {
    this.runner.kick();
  }

  /** Takes no further job (the one running finishes or is re-queued at the next start). */
  stop(): void {
    this.runner.stop();
  }

  private async drain(): Promise<void> {
    const next = () => (this.runner.stopped ? null : claimNextJob(this.deps.db));
    for (let job = next(); job; job = next()) await this.run(job);
  }

  private async run(job: SourceJob): Promise<void> {
    const { db, logger } = this.deps;
    const { pkgbase, commit } = job;
    logger.info({ pkgbase, commit, trigger: job.trigger }, 'fetching sources');
    try {
      const summary = await fetchRevisionSources(this.deps, pkgbase, commit, (done, total) => {
        if (done === 0) setJobTotal(db, pkgbase, commit, total);
        else jobProgress(db, pkgbase, commit, done);
      });
      const error = failureText(summary);
      finishJob(db, pkgbase, commit, error);
      this.onFetched(pkgbase, commit, error === null);
      if (error) logger.warn({ pkgbase, commit, failed: summary.failed }, 'some sources were not stored');
      else logger.info({ pkgbase, commit, stored: summary.stored, reused: summary.reused }, 'sources stored');
    } catch (error) {
      logger.error({ pkgbase, commit, err: describeError(error) }, 'source fetch job failed');
      finishJob(db, pkgbase, commit, describeError(error));
    }
  }

  /** `aurgate sources fetch`: fetches now, in this process (the served head unless a commit is named). */
  async fetchNow(pkgbase: string, commit?: string): Promise<FetchSummary> {
    const name = assertPackageName(pkgbase, 'pkgbase');
    const revision = commit ? resolveRevision(this.deps.db, name, commit.trim().toLowerCase()) : listApprovedRevisions(this.deps.db, name)[0];
    if (!revision) throw new NotFound(`${name} has no approved revision; name one with --commit`, { pkgbase: name });
    queueJob(this.deps.db, name, revision.commit, 'cli');
    const job = claimJob(this.deps.db, name, revision.commit);
    if (!job) throw new Busy(`the sources of ${name} ${revision.commit} are being fetched by another process`, { pkgbase: name });
    await this.run(job);
    return summaryOf(this.deps, name, revision.commit);
  }

  status(limit = 50): SourceStatus {
    const totals = blobTotals(this.deps.db);
    return { blobs: totals.count, bytes: totals.bytes, capBytes: this.deps.config.sourceMaxTotalBytes, jobs: listJobs(this.deps.db, limit) };
  }

  /** Removes blobs no approved revision uses (after a revocation, or once a revision is superseded and gone). */
  async gc(now = Date.now()): Promise<{ removed: number; freedBytes: number; kept: number }> {
    const { db, blobs } = this.deps;
    const approved = new Set(listApprovedRevisions(db).map((revision) => revisionKey(revision.pkgbase, revision.commit)));
    const plan = selectGarbage(listBlobs(db), blobsInUse(blobReferences(db), approved), now, GC_GRACE_MS);
    for (const blob of plan.remove) {
      forgetBlob(db, blob.sha256);
      await blobs.remove(blob.sha256);
    }
    if (plan.remove.length > 0) this.deps.logger.info({ removed: plan.remove.length, freedBytes: plan.freedBytes }, 'source cache collected');
    return { removed: plan.remove.length, freedBytes: plan.freedBytes, kept: plan.keep };
  }

  /**
   * A reviewer's explicit acceptance of a revision's unpinned sources (SKIP checksums, VCS): recorded
   * with an audit row; the review flag becomes an info flag naming the reviewer.
   */
  acceptUnpinned(input: { pkgbase: string; commit: string; by: Actor; note: string }): SourceAcceptance {
    const { db } = this.deps;
    const pkgbase = assertPackageName(input.pkgbase, 'pkgbase');
    const revision = resolveRevision(db, pkgbase, input.commit.trim().toLowerCase());
    if (!revision.srcinfo) throw new NotFound(`${pkgbase} ${revision.commit} has no readable .SRCINFO`, { pkgbase });
    const unpinned = unpinnedSources(sourceEntries(revision.srcinfo));
    if (unpinned.length === 0) throw new InvalidInput(`${pkgbase} ${revision.commit} has no unpinned sources`, { pkgbase });
    if (input.note.trim() === '') throw new InvalidInput('say why the unpinned sources are acceptable (--note)', { pkgbase });
    return inTransaction(db, () => {
      const user = requireAccount(db, input.by.user.id, 'review', 'accepting unpinned sources');
      const acceptance = { pkgbase, commit: revision.commit, acceptedBy: user.name, acceptedAt: Date.now(), note: input.note.trim() };
      recordAcceptance(db, acceptance);
      appendAudit(db, {
        actor: user.name,
        channel: input.by.channel,
        action: 'sources.accept-unpinned',
        pkgbase,
        commit: revision.commit,
        detail: { note: acceptance.note, sources: unpinned.map((entry) => `${entry.arch}:${entry.filename}`) },
      });
      return acceptance;
    });
  }

  acceptanceOf(pkgbase: string, commit: string): SourceAcceptance | null {
    return getAcceptance(this.deps.db, pkgbase, commit);
  }

  /** Is the blob used by a revision that is approved now? The serving routes answer nothing else. */
  servedUse(sha256: string, filename: string): { pkgbase: string; commit: string } | null {
    if (!getBlob(this.deps.db, sha256)) return null;
    const uses = revisionsUsingBlob(this.deps.db, sha256).filter((use) => use.filename === filename);
    return uses.find((use) => getRevision(this.deps.db, use.pkgbase, use.commit)?.state === 'approved') ?? null;
  }
}

export interface SourceStatus {
  blobs: number;
  bytes: number;
  capBytes: number;
  jobs: SourceJob[];
}

function failureText(summary: FetchSummary): string | null {
  if (summary.failed.length === 0) return null;
  return summary.failed.map((failure) => `${failure.filename}${failure.arch === 'any' ? '' : ` (${failure.arch})`}: ${failure.error}`).join('; ');
}

function summaryOf(deps: SourceFetchDeps, pkgbase: string, commit: string): FetchSummary {
  const rows = listRevisionSources(deps.db, pkgbase, commit);
  const count = (status: string) => rows.filter((row) => row.status === status).length;
  return {
    pkgbase,
    commit,
    stored: count('stored'),
    reused: 0,
    vcs: count('vcs'),
    local: count('local'),
    failed: rows.filter((row) => row.error !== null).map((row) => ({ filename: row.filename, arch: row.arch, error: row.error ?? '' })),
  };
}
