import { initialRow } from './source-fetch.js';
import { z } from 'zod';
import type { Config } from '../config.js';
import { inTransaction, type Db } from '../db/open.js';
import { SourceError, UpstreamError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { replicaRevision } from '../replica/revisions.js';
import type { BlobStore } from '../sources/blob-store.js';
import { blobsInUse, revisionKey, selectGarbage } from '../sources/gc.js';
import {
  blobReferences,
  blobTotals,
  claimNextJob,
  finishJob,
  forgetBlob,
  getBlob,
  listBlobs,
  queueJob,
  retryJob,
  recordBlob,
  replaceRevisionSources,
  requeueInterruptedJobs,
  type RevisionSource,
} from '../sources/records.js';
import { parseSrcinfo } from '../srcinfo/parse.js';
import { NODE_HASH, isSafeFilename, sourceEntries, type SourceEntry } from '../srcinfo/sources.js';
import { TamperedError } from '../trust/errors.js';
import { fetchSourceFile } from '../upstream/source-fetch.js';
import { GC_GRACE_MS } from './sources.js';
import { readBodyWithin } from '../bounded-body.js';

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Only what the replica takes from the primary's manifest: each stored blob's address, and what is still pending. */
const manifestSchema = z.object({
  sources: z.array(
    z.object({
      arch: z.string(),
      filename: z.string(),
      url: z.string(),
      status: z.string(),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .nullable(),
      error: z.string().nullable().optional(),
    }),
  ),
});
type ManifestRow = z.infer<typeof manifestSchema>['sources'][number];

export interface ReplicaSourceDeps {
  db: Db;
  config: Pick<Config, 'sourceMaxFileBytes' | 'sourceMaxTotalBytes' | 'sourceTimeoutMs'>;
  blobs: BlobStore;
  primaryUrl: string;
  logger: Logger;
  /** Metrics: bytes stored, and blobs that failed (`refused`: a digest mismatch). */
  onStored?: (bytes: number) => void;
  onFailed?: (reason: 'unreachable' | 'refused') => void;
}

/**
 * A replica's copy of the primary's source cache. The primary fetches sources after an approval, so
 * a replica queues one job per approved revision (the source_jobs table) and retries it each round
 * until the primary's manifest has no pending row. File names, URLs and checksums come from the
 * attested commit's .SRCINFO the replica verified itself; the manifest only says which blob to get.
 * Each blob must hash to the manifest's sha256 and to every PKGBUILD checksum, or the replica halts.
 */
export class ReplicaSources {
  constructor(private readonly deps: ReplicaSourceDeps) {}

  /** Metrics hooks of the server (set once it exists). */
  observe(hooks: Pick<ReplicaSourceDeps, 'onStored' | 'onFailed'>): void {
    Object.assign(this.deps, hooks);
  }

  /** Queued once a replica records an approval; never holds up the decision itself. */
  enqueue(pkgbase: string, commit: string): void {
    queueJob(this.deps.db, pkgbase, commit, 'replica');
  }

  /** Start-up: a job a previous process left running is taken again. */
  resume(): void {
    requeueInterruptedJobs(this.deps.db);
  }

  /**
   * Runs every queued job once; a revision whose sources the primary has not fetched yet is queued
   * again for the next round. Throws TamperedError on a digest mismatch (the follower halts).
   */
  async runQueued(): Promise<void> {
    const { db, logger } = this.deps;
    const retry: Array<{ pkgbase: string; commit: string; why: string }> = [];
    try {
      for (let job = claimNextJob(db); job; job = claimNextJob(db)) {
        const { pkgbase, commit } = job;
        try {
          const outcome = await this.replicate(pkgbase, commit);
          if (outcome === 'pending') retry.push({ pkgbase, commit, why: 'waiting for the primary to fetch the sources' });
          else finishJob(db, pkgbase, commit, outcome === 'failed' ? 'some sources are not in the primary’s cache' : null);
        } catch (error) {
          if (error instanceof TamperedError) {
            // Left queued: a restarted replica checks the same bytes again and halts again.
            retry.push({ pkgbase, commit, why: describeError(error) });
            throw error;
          }
          this.deps.onFailed?.('unreachable');
          logger.warn({ pkgbase, commit, err: describeError(error) }, 'replica: sources not replicated yet; retrying');
          retry.push({ pkgbase, commit, why: describeError(error) });
        }
      }
    } finally {
      // Queued again only now, so one round takes each job once.
      for (const { pkgbase, commit, why } of retry) retryJob(db, pkgbase, commit, why);
    }
  }

  /** One revision: `pending` while the primary's manifest still has pending rows (or none yet). */
  async replicate(pkgbase: string, commit: string): Promise<'done' | 'pending' | 'failed' | 'gone'> {
    const { db } = this.deps;
    const revision = replicaRevision(db, pkgbase, commit);
    if (revision?.state !== 'approved' || !revision.srcinfoText) return 'gone';
    const entries = sourceEntries(parseSrcinfo(revision.srcinfoText));
    const remote = entries.filter((entry) => entry.kind === 'remote');
    const manifest = remote.length > 0 ? await this.manifest(pkgbase, commit) : [];
    if (remote.length > 0 && (manifest === null || manifest.length === 0 || manifest.some((row) => row.status === 'pending'))) return 'pending';
    const rows: RevisionSource[] = [];
    for (const entry of entries) rows.push(await this.entryRow(pkgbase, commit, entry, manifest ?? []));
    inTransaction(db, () => replaceRevisionSources(db, pkgbase, commit, rows));
    return rows.some((row) => row.status === 'failed') ? 'failed' : 'done';
  }

  /** Removes blobs no revision approved on this replica uses, as `sources gc` does on a primary. */
  async gc(now = Date.now()): Promise<number> {
    const { db, blobs } = this.deps;
    const approved = new Set(
      blobReferences(db)
        .filter((ref) => replicaRevision(db, ref.pkgbase, ref.commit)?.state === 'approved')
        .map((ref) => revisionKey(ref.pkgbase, ref.commit)),
    );
    const plan = selectGarbage(listBlobs(db), blobsInUse(blobReferences(db), approved), now, GC_GRACE_MS);
    for (const blob of plan.remove) {
      forgetBlob(db, blob.sha256);
      await blobs.remove(blob.sha256);
    }
    return plan.remove.length;
  }

  private async entryRow(pkgbase: string, commit: string, entry: SourceEntry, manifest: readonly ManifestRow[]): Promise<RevisionSource> {
    const row: RevisionSource = {
      ...initialRow(pkgbase, commit, entry, Date.now()),
      // A VCS source is fetched by makepkg itself; only a commit the PKGBUILD names is a pin the replica can vouch for.
      vcsCommit: entry.fragment?.kind === 'commit' ? entry.fragment.value : null,
      status: entry.kind === 'remote' ? 'failed' : entry.kind,
    };
    if (entry.kind !== 'remote') return row;
    const listed = manifest.find((source) => source.arch === entry.arch && source.filename === entry.filename && source.url === entry.url);
    if (!listed?.sha256 || listed.status !== 'stored' || !isSafeFilename(entry.filename))
      return { ...row, error: listed?.error ?? `the primary has no stored copy of ${entry.filename}` };
    try {
      return { ...row, sha256: await this.blob(pkgbase, entry, listed.sha256), status: 'stored' };
    } catch (error) {
      if (error instanceof SourceError) return { ...row, error: describeError(error) };
      throw error;
    }
  }

  /** Fetches one blob into a temp file (capped, hashed on the way) and keeps it only if every digest agrees. */
  private async blob(pkgbase: string, entry: SourceEntry, sha256: string): Promise<string> {
    const { db, blobs, config } = this.deps;
    if (getBlob(db, sha256) && (await blobs.has(sha256))) return sha256;
    const room = Math.min(config.sourceMaxFileBytes, Math.max(0, config.sourceMaxTotalBytes - blobTotals(db).bytes));
    const target = blobs.tempPath();
    const url = `${this.deps.primaryUrl.replace(/\/+$/, '')}/sources/${sha256}/${encodeURIComponent(entry.filename)}`;
    try {
      const fetched = await fetchSourceFile(url, target, {
        maxBytes: room,
        timeoutMs: config.sourceTimeoutMs,
        maxRedirects: 0,
        // The primary is the operator's own server, often on a private network.
        allowPrivate: true,
        digests: entry.checksums.map((sum) => NODE_HASH[sum.algorithm]),
        pkgbase,
        filename: entry.filename,
      }).catch((error: unknown) => {
        // Over a cap is final (retrying would download it again every round); anything else is retried.
        if (error instanceof SourceError && error.failure !== 'too-large') throw new UpstreamError(describeError(error), { pkgbase });
        throw error;
      });
      const sums = [{ algorithm: 'sha256 (manifest)', expected: sha256, actual: fetched.sha256 }];
      for (const sum of entry.checksums)
        sums.push({
          algorithm: `${sum.algorithm}sum (PKGBUILD)`,
          expected: sum.value,
          actual: sum.algorithm === 'sha256' ? fetched.sha256 : (fetched.digests[NODE_HASH[sum.algorithm]] ?? '?'),
        });
      const wrong = sums.find((sum) => sum.actual !== sum.expected);
      if (wrong) {
        this.deps.onFailed?.('refused');
        throw new TamperedError(
          'digest-mismatch',
          `${pkgbase}: source ${entry.filename} sent by the primary has ${wrong.algorithm} ${wrong.actual}, expected ${wrong.expected}: refused`,
          { pkgbase },
        );
      }
      await blobs.adopt(target, sha256);
      recordBlob(db, sha256, fetched.size);
      this.deps.onStored?.(fetched.size);
      return sha256;
    } finally {
      await blobs.discard(target);
    }
  }

  /** The primary's manifest rows, or null while the primary does not list the revision (404). */
  private async manifest(pkgbase: string, commit: string): Promise<ManifestRow[] | null> {
    const url = `${this.deps.primaryUrl.replace(/\/+$/, '')}/sources/${pkgbase}/${commit}/manifest.json`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.deps.config.sourceTimeoutMs), headers: { 'User-Agent': 'aurgate-replica' } });
    } catch (error) {
      throw new UpstreamError(`cannot reach ${url}: ${describeError(error)}`, { pkgbase });
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new UpstreamError(`${url} answered HTTP ${response.status}`, { pkgbase });
    }
    const body = await readBodyWithin(
      response.body,
      MAX_MANIFEST_BYTES,
      () => new UpstreamError(`${url} sent more than ${MAX_MANIFEST_BYTES} bytes`, { pkgbase }),
    );
    try {
      return manifestSchema.parse(JSON.parse(body.toString('utf8'))).sources;
    } catch {
      throw new UpstreamError(`${url} is not a source manifest`, { pkgbase });
    }
  }
}
