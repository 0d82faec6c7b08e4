import type { Db } from '../db/open.js';
import type { ChecksumAlgorithm } from '../srcinfo/sources.js';

/** The rows of the source cache: blobs, each revision's sources, fetch jobs and acceptances. */

export type SourceStatus = 'pending' | 'stored' | 'failed' | 'vcs' | 'local';

export interface RevisionSource {
  pkgbase: string;
  commit: string;
  arch: string;
  position: number;
  filename: string;
  url: string;
  kind: 'remote' | 'vcs' | 'local';
  /** The strongest checksum the PKGBUILD gives; null when unpinned (SKIP or none). */
  algorithm: ChecksumAlgorithm | null;
  digest: string | null;
  pinned: boolean;
  /** The stored blob (content address). */
  sha256: string | null;
  vcsCommit: string | null;
  status: SourceStatus;
  error: string | null;
  updatedAt: number;
}

interface SourceRow {
  pkgbase: string;
  commit_id: string;
  arch: string;
  position: number;
  filename: string;
  url: string;
  kind: RevisionSource['kind'];
  algorithm: ChecksumAlgorithm | null;
  digest: string | null;
  pinned: number;
  sha256: string | null;
  vcs_commit: string | null;
  status: SourceStatus;
  error: string | null;
  updated_at: number;
}

const toSource = (row: SourceRow): RevisionSource => ({
  pkgbase: row.pkgbase,
  commit: row.commit_id,
  arch: row.arch,
  position: row.position,
  filename: row.filename,
  url: row.url,
  kind: row.kind,
  algorithm: row.algorithm,
  digest: row.digest,
  pinned: row.pinned === 1,
  sha256: row.sha256,
  vcsCommit: row.vcs_commit,
  status: row.status,
  error: row.error,
  updatedAt: row.updated_at,
});

/** Replaces a revision's rows (a re-fetch starts from what .SRCINFO says now). */
export function replaceRevisionSources(db: Db, pkgbase: string, commit: string, sources: readonly RevisionSource[]): void {
  db.prepare('DELETE FROM revision_sources WHERE pkgbase = ? AND commit_id = ?').run(pkgbase, commit);
  const insert = db.prepare(
    `INSERT INTO revision_sources (pkgbase, commit_id, arch, position, filename, url, kind, algorithm, digest, pinned,
       sha256, vcs_commit, status, error, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const source of sources) {
    insert.run(
      pkgbase,
      commit,
      source.arch,
      source.position,
      source.filename,
      source.url,
      source.kind,
      source.algorithm,
      source.digest,
      source.pinned ? 1 : 0,
      source.sha256,
      source.vcsCommit,
      source.status,
      source.error,
      source.updatedAt,
    );
  }
}

export function updateRevisionSource(
  db: Db,
  source: Pick<RevisionSource, 'pkgbase' | 'commit' | 'arch' | 'position' | 'sha256' | 'vcsCommit' | 'status' | 'error'>,
  at = Date.now(),
): void {
  db.prepare(
    `UPDATE revision_sources SET sha256 = ?, vcs_commit = ?, status = ?, error = ?, updated_at = ?
     WHERE pkgbase = ? AND commit_id = ? AND arch = ? AND position = ?`,
  ).run(source.sha256, source.vcsCommit, source.status, source.error, at, source.pkgbase, source.commit, source.arch, source.position);
}

export function listRevisionSources(db: Db, pkgbase: string, commit: string): RevisionSource[] {
  const rows = db
    .prepare('SELECT * FROM revision_sources WHERE pkgbase = ? AND commit_id = ? ORDER BY arch = ? DESC, arch, position')
    .all(pkgbase, commit, 'any') as SourceRow[];
  return rows.map(toSource);
}

/** The revisions that use a blob (a blob is served only when one of them is approved). */
export function revisionsUsingBlob(db: Db, sha256: string): Array<{ pkgbase: string; commit: string; filename: string }> {
  return db
    .prepare("SELECT DISTINCT pkgbase, commit_id AS 'commit', filename FROM revision_sources WHERE sha256 = ? AND status = 'stored'")
    .all(sha256) as Array<{ pkgbase: string; commit: string; filename: string }>;
}

/** A blob already stored and verified for the same checksum (another revision, or an earlier fetch). */
export function findStoredByDigest(db: Db, algorithm: ChecksumAlgorithm, digest: string): string | null {
  const row = db
    .prepare("SELECT sha256 FROM revision_sources WHERE algorithm = ? AND digest = ? AND status = 'stored' AND sha256 IS NOT NULL LIMIT 1")
    .get(algorithm, digest) as { sha256: string } | undefined;
  return row?.sha256 ?? null;
}

/** Every (revision, blob) reference, for garbage collection. */
export function blobReferences(db: Db): Array<{ pkgbase: string; commit: string; sha256: string }> {
  return db.prepare("SELECT DISTINCT pkgbase, commit_id AS 'commit', sha256 FROM revision_sources WHERE sha256 IS NOT NULL").all() as Array<{
    pkgbase: string;
    commit: string;
    sha256: string;
  }>;
}

export function dropRevisionSources(db: Db, pkgbase: string, commit: string): void {
  db.prepare('DELETE FROM revision_sources WHERE pkgbase = ? AND commit_id = ?').run(pkgbase, commit);
}

export interface SourceBlob {
  sha256: string;
  size: number;
  storedAt: number;
}

export function recordBlob(db: Db, sha256: string, size: number, at = Date.now()): void {
  db.prepare('INSERT INTO source_blobs (sha256, size, stored_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING').run(sha256, size, at);
}

export function getBlob(db: Db, sha256: string): SourceBlob | null {
  const row = db.prepare("SELECT sha256, size, stored_at AS 'storedAt' FROM source_blobs WHERE sha256 = ?").get(sha256);
  return (row as SourceBlob | undefined) ?? null;
}

export function listBlobs(db: Db): SourceBlob[] {
  return db.prepare("SELECT sha256, size, stored_at AS 'storedAt' FROM source_blobs ORDER BY stored_at").all() as SourceBlob[];
}

export function blobTotals(db: Db): { count: number; bytes: number } {
  const row = db.prepare('SELECT count(*) AS count, coalesce(sum(size), 0) AS bytes FROM source_blobs').get() as { count: number; bytes: number };
  return row;
}

/** For metrics: sources whose last fetch failed, and jobs by state. */
export function sourceCounts(db: Db): { failedSources: number; jobs: Record<JobState, number> } {
  const failed = db.prepare("SELECT count(*) AS n FROM revision_sources WHERE status = 'failed'").get() as { n: number };
  const jobs: Record<JobState, number> = { queued: 0, running: 0, done: 0, failed: 0 };
  for (const row of db.prepare('SELECT state, count(*) AS n FROM source_jobs GROUP BY state').all() as Array<{ state: JobState; n: number }>)
    jobs[row.state] = row.n;
  return { failedSources: failed.n, jobs };
}

export function forgetBlob(db: Db, sha256: string): void {
  db.prepare('DELETE FROM source_blobs WHERE sha256 = ?').run(sha256);
}

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface SourceJob {
  pkgbase: string;
  commit: string;
  state: JobState;
  trigger: string;
  queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  done: number;
  total: number;
  error: string | null;
}

const JOB_COLUMNS = `pkgbase, commit_id AS 'commit', state, trigger, queued_at AS queuedAt, started_at AS startedAt,
  finished_at AS finishedAt, done, total, error`;

/** Queues a fetch; a revision already queued or running keeps its job. Returns whether a job was queued. */
export function queueJob(db: Db, pkgbase: string, commit: string, trigger: string, at = Date.now()): boolean {
  const result = db
    .prepare(
      `INSERT INTO source_jobs (pkgbase, commit_id, state, trigger, queued_at) VALUES (?, ?, 'queued', ?, ?)
       ON CONFLICT (pkgbase, commit_id) DO UPDATE SET state = 'queued', trigger = excluded.trigger, queued_at = excluded.queued_at,
         started_at = NULL, finished_at = NULL, done = 0, total = 0, error = NULL
       WHERE source_jobs.state NOT IN ('queued', 'running')`,
    )
    .run(pkgbase, commit, trigger, at);
  return result.changes > 0;
}

/** Takes the oldest queued job for this process (one statement: two processes never take the same job). */
export function claimNextJob(db: Db, at = Date.now()): SourceJob | null {
  const row = db
    .prepare(
      `UPDATE source_jobs SET state = 'running', started_at = ?, done = 0, total = 0
       WHERE rowid = (SELECT rowid FROM source_jobs WHERE state = 'queued' ORDER BY queued_at LIMIT 1)
       RETURNING ${JOB_COLUMNS}`,
    )
    .get(at);
  return (row as SourceJob | undefined) ?? null;
}

/** Takes one named job if it is queued. */
export function claimJob(db: Db, pkgbase: string, commit: string, at = Date.now()): SourceJob | null {
  const row = db
    .prepare(
      `UPDATE source_jobs SET state = 'running', started_at = ?, done = 0, total = 0
       WHERE pkgbase = ? AND commit_id = ? AND state = 'queued' RETURNING ${JOB_COLUMNS}`,
    )
    .get(at, pkgbase, commit);
  return (row as SourceJob | undefined) ?? null;
}

export function setJobTotal(db: Db, pkgbase: string, commit: string, total: number): void {
  db.prepare('UPDATE source_jobs SET total = ?, done = 0 WHERE pkgbase = ? AND commit_id = ?').run(total, pkgbase, commit);
}

export function jobProgress(db: Db, pkgbase: string, commit: string, done: number): void {
  db.prepare('UPDATE source_jobs SET done = ? WHERE pkgbase = ? AND commit_id = ?').run(done, pkgbase, commit);
}

export function finishJob(db: Db, pkgbase: string, commit: string, error: string | null, at = Date.now()): void {
  db.prepare('UPDATE source_jobs SET state = ?, finished_at = ?, error = ? WHERE pkgbase = ? AND commit_id = ?').run(
    error === null ? 'done' : 'failed',
    at,
    error,
    pkgbase,
    commit,
  );
}

/** Queues a job again for a later round, keeping why it has to wait (a replica waiting on its primary). */
export function retryJob(db: Db, pkgbase: string, commit: string, why: string, at = Date.now()): void {
  db.prepare("UPDATE source_jobs SET state = 'queued', queued_at = ?, finished_at = ?, error = ? WHERE pkgbase = ? AND commit_id = ?").run(
    at,
    at,
    why,
    pkgbase,
    commit,
  );
}

/** A job left `running` by a process that died is queued again at start-up. */
export function requeueInterruptedJobs(db: Db): number {
  return db.prepare("UPDATE source_jobs SET state = 'queued', started_at = NULL WHERE state = 'running'").run().changes;
}

export function listJobs(db: Db, limit = 100): SourceJob[] {
  return db.prepare(`SELECT ${JOB_COLUMNS} FROM source_jobs ORDER BY queued_at DESC LIMIT ?`).all(limit) as SourceJob[];
}

export function getJob(db: Db, pkgbase: string, commit: string): SourceJob | null {
  const row = db.prepare(`SELECT ${JOB_COLUMNS} FROM source_jobs WHERE pkgbase = ? AND commit_id = ?`).get(pkgbase, commit);
  return (row as SourceJob | undefined) ?? null;
}

export interface SourceAcceptance {
  pkgbase: string;
  commit: string;
  acceptedBy: string;
  acceptedAt: number;
  note: string;
}

export function recordAcceptance(db: Db, acceptance: SourceAcceptance): void {
  db.prepare(
    `INSERT INTO source_acceptances (pkgbase, commit_id, accepted_by, accepted_at, note) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (pkgbase, commit_id) DO UPDATE SET accepted_by = excluded.accepted_by, accepted_at = excluded.accepted_at, note = excluded.note`,
  ).run(acceptance.pkgbase, acceptance.commit, acceptance.acceptedBy, acceptance.acceptedAt, acceptance.note);
}

export function getAcceptance(db: Db, pkgbase: string, commit: string): SourceAcceptance | null {
  const row = db
    .prepare(
      `SELECT pkgbase, commit_id AS 'commit', accepted_by AS acceptedBy, accepted_at AS acceptedAt, note
       FROM source_acceptances WHERE pkgbase = ? AND commit_id = ?`,
    )
    .get(pkgbase, commit);
  return (row as SourceAcceptance | undefined) ?? null;
}
