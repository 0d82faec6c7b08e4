import { inTransaction } from '../db/open.js';
import { NotFound, SourceError, describeError } from '../errors.js';
import { getRevision } from '../quarantine/revisions.js';
import { BlobStore } from '../sources/blob-store.js';
import { fitsCaps } from '../sources/gc.js';
import {
  blobTotals,
  findStoredByDigest,
  getBlob,
  recordBlob,
  replaceRevisionSources,
  updateRevisionSource,
  type RevisionSource,
} from '../sources/records.js';
import { NODE_HASH, isSafeFilename, sourceEntries, strongestChecksum, vcsRemote, type SourceEntry } from '../srcinfo/sources.js';
import { fetchSourceFile } from '../upstream/source-fetch.js';
import { resolveGitFragment } from '../upstream/vcs-pin.js';
import type { AppDeps } from './deps.js';

export type SourceFetchDeps = Pick<AppDeps, 'db' | 'config' | 'logger'> & { blobs: BlobStore };

export interface FetchSummary {
  pkgbase: string;
  commit: string;
  stored: number;
  reused: number;
  vcs: number;
  local: number;
  failed: Array<{ filename: string; arch: string; error: string }>;
}

/**
 * Fetches every `source=` entry of one revision (all architectures) into the source cache, verifying
 * each against every checksum the PKGBUILD gives. One failing entry does not stop the others; each
 * failure is recorded on its row and logged naming the package and the file. `onProgress` is told
 * after every entry (the background job's progress).
 */
export async function fetchRevisionSources(
  deps: SourceFetchDeps,
  pkgbase: string,
  commit: string,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<FetchSummary> {
  const revision = getRevision(deps.db, pkgbase, commit);
  if (!revision) throw new NotFound(`${pkgbase} has no revision ${commit}`, { pkgbase, commit });
  if (!revision.srcinfo) throw new NotFound(`${pkgbase} ${commit} has no readable .SRCINFO`, { pkgbase, commit });
  const entries = sourceEntries(revision.srcinfo);
  const now = Date.now();
  inTransaction(deps.db, () =>
    replaceRevisionSources(
      deps.db,
      pkgbase,
      commit,
      entries.map((entry) => initialRow(pkgbase, commit, entry, now)),
    ),
  );
  const summary: FetchSummary = { pkgbase, commit, stored: 0, reused: 0, vcs: 0, local: 0, failed: [] };
  let done = 0;
  onProgress(done, entries.length);
  for (const entry of entries) {
    const key = { pkgbase, commit, arch: entry.arch, position: entry.index };
    try {
      const outcome = await fetchEntry(deps, pkgbase, entry);
      updateRevisionSource(deps.db, { ...key, ...outcome.row, error: outcome.row.error ?? null });
      summary[outcome.counted] += 1;
      if (outcome.row.error) summary.failed.push({ filename: entry.filename, arch: entry.arch, error: outcome.row.error });
    } catch (error) {
      const message = describeError(error);
      deps.logger.warn({ pkgbase, commit, source: entry.filename, arch: entry.arch, err: message }, 'source fetch failed');
      updateRevisionSource(deps.db, { ...key, sha256: null, vcsCommit: null, status: 'failed', error: message });
      summary.failed.push({ filename: entry.filename, arch: entry.arch, error: message });
    }
    onProgress((done += 1), entries.length);
  }
  return summary;
}

/** A source's row before any fetch: what the .SRCINFO says, nothing stored yet (the primary's and a replica's start). */
export function initialRow(pkgbase: string, commit: string, entry: SourceEntry, now: number): RevisionSource {
  const strongest = strongestChecksum(entry);
  const pinned = entry.kind === 'local' || (entry.kind === 'remote' && strongest !== null) || entry.fragment?.kind === 'commit';
  return {
    pkgbase,
    commit,
    arch: entry.arch,
    position: entry.index,
    filename: entry.filename,
    url: entry.url,
    kind: entry.kind,
    algorithm: strongest?.algorithm ?? null,
    digest: strongest?.value ?? null,
    pinned,
    sha256: null,
    vcsCommit: null,
    status: entry.kind === 'local' ? 'local' : 'pending',
    error: null,
    updatedAt: now,
  };
}

type Outcome = {
  counted: 'stored' | 'reused' | 'vcs' | 'local';
  row: Pick<RevisionSource, 'sha256' | 'vcsCommit' | 'status'> & { error?: string | null };
};

async function fetchEntry(deps: SourceFetchDeps, pkgbase: string, entry: SourceEntry): Promise<Outcome> {
  // A file of the package repo is in the reviewed tree (and in the snapshot) already.
  if (entry.kind === 'local') return { counted: 'local', row: { sha256: null, vcsCommit: null, status: 'local' } };
  if (!isSafeFilename(entry.filename))
    throw new SourceError('refused', entry.filename, `${pkgbase}: source file name ${JSON.stringify(entry.filename)} is not a plain file name`, {
      pkgbase,
    });
  if (entry.kind === 'vcs') return pinVcs(deps, pkgbase, entry);
  const strongest = strongestChecksum(entry);
  if (strongest) {
    const known = findStoredByDigest(deps.db, strongest.algorithm, strongest.value);
    if (known && (await deps.blobs.has(known))) return { counted: 'reused', row: { sha256: known, vcsCommit: null, status: 'stored' } };
  }
  return { counted: 'stored', row: { sha256: await download(deps, pkgbase, entry), vcsCommit: null, status: 'stored' } };
}

async function pinVcs(deps: SourceFetchDeps, pkgbase: string, entry: SourceEntry): Promise<Outcome> {
  if (entry.protocol !== 'git' || entry.fragment === null) return { counted: 'vcs', row: { sha256: null, vcsCommit: null, status: 'vcs' } };
  const { config } = deps;
  try {
    const commit = await resolveGitFragment(vcsRemote(entry.url), entry.fragment, {
      timeoutMs: config.sourceTimeoutMs,
      allowPrivate: config.sourceAllowPrivate,
      pkgbase,
      filename: entry.filename,
    });
    return { counted: 'vcs', row: { sha256: null, vcsCommit: commit, status: 'vcs' } };
  } catch (error) {
    deps.logger.warn({ pkgbase, source: entry.filename, err: describeError(error) }, 'VCS source not pinned');
    return { counted: 'vcs', row: { sha256: null, vcsCommit: null, status: 'vcs', error: describeError(error) } };
  }
}

async function download(deps: SourceFetchDeps, pkgbase: string, entry: SourceEntry): Promise<string> {
  const { config, blobs, db } = deps;
  const used = blobTotals(db).bytes;
  const room = Math.min(config.sourceMaxFileBytes, Math.max(0, config.sourceMaxTotalBytes - used));
  const target = blobs.tempPath();
  const algorithms = entry.checksums.map((sum) => sum.algorithm);
  const fetched = await fetchSourceFile(entry.url, target, {
    maxBytes: room,
    timeoutMs: config.sourceTimeoutMs,
    maxRedirects: config.sourceMaxRedirects,
    allowPrivate: config.sourceAllowPrivate,
    digests: algorithms.map((algorithm) => NODE_HASH[algorithm]),
    pkgbase,
    filename: entry.filename,
  }).catch((error: unknown) => {
    // The fetcher only knows the room left; say which cap the file hit.
    if (error instanceof SourceError && error.failure === 'too-large' && room < config.sourceMaxFileBytes) {
      const cap = fitsCaps(config.sourceMaxFileBytes, used, { maxFileBytes: config.sourceMaxFileBytes, maxTotalBytes: config.sourceMaxTotalBytes });
      throw new SourceError('too-large', entry.filename, `${pkgbase}: source ${entry.filename}: ${cap.reason ?? error.message}`, { pkgbase });
    }
    throw error;
  });
  try {
    for (const sum of entry.checksums) {
      const actual = sum.algorithm === 'sha256' ? fetched.sha256 : fetched.digests[NODE_HASH[sum.algorithm]];
      if (actual !== sum.value)
        throw new SourceError(
          'mismatch',
          entry.filename,
          `${pkgbase}: source ${entry.filename} from ${fetched.finalUrl}: ${sum.algorithm}sum is ${actual ?? '?'}, the PKGBUILD says ${sum.value}`,
          { pkgbase },
        );
    }
    if (getBlob(db, fetched.sha256) && (await blobs.has(fetched.sha256))) await blobs.discard(target);
    else await blobs.adopt(target, fetched.sha256);
    recordBlob(db, fetched.sha256, fetched.size);
    return fetched.sha256;
  } catch (error) {
    await blobs.discard(target);
    throw error;
  }
}
