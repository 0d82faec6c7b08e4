import { packageRepoPath } from '../git/repo-paths.js';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Db } from '../db/open.js';
import { StorageError } from '../errors.js';
import { streamGit } from '../git/run.js';
import { assertPackageName, isFullCommitId } from '../srcinfo/names.js';

export interface Snapshot {
  file: string;
  sha256: string;
  size: number;
}

const MAX_ARCHIVE_BYTES = 512 * 1024 * 1024;
/** Git's output waits on gzip level 9, so the timeout covers the compression of the largest archive too. */
const ARCHIVE_TIMEOUT_MS = 10 * 60_000;

/**
 * Deterministic snapshot archives (`<pkgbase>/…`, like cgit) of served commits. git archive fixes
 * order, owners, modes and mtimes (the commit time); gzip runs with fixed settings and no name or
 * time in its header. Archives stream to a temporary file, renamed into place once complete. The first build is cached and its sha256 recorded; any later build of the same
 * commit must reproduce it, else it is refused rather than served with a different checksum.
 */
export class SnapshotStore {
  private readonly building = new Map<string, Promise<Snapshot>>();

  constructor(
    private readonly db: Db,
    private readonly servedRoot: string,
    private readonly cacheDir: string,
  ) {}

  cachePath(pkgbase: string, commit: string): string {
    return path.join(this.cacheDir, assertPackageName(pkgbase, 'pkgbase'), `${commit}.tar.gz`);
  }

  recorded(pkgbase: string, commit: string): { sha256: string; size: number } | null {
    return (
      (this.db.prepare('SELECT sha256, size FROM snapshots WHERE pkgbase = ? AND commit_id = ?').get(pkgbase, commit) as
        { sha256: string; size: number } | undefined) ?? null
    );
  }

  async get(pkgbase: string, commit: string): Promise<Snapshot> {
    if (!isFullCommitId(commit)) throw new StorageError(`not a commit id: ${commit}`, { pkgbase });
    const key = `${pkgbase}/${commit}`;
    const inFlight = this.building.get(key);
    if (inFlight) return inFlight;
    const promise = this.load(pkgbase, commit).finally(() => this.building.delete(key));
    this.building.set(key, promise);
    return promise;
  }

  open(snapshot: Snapshot): NodeJS.ReadableStream {
    return createReadStream(snapshot.file);
  }

  /**
   * The sha256 the archive of a commit has, built from `repo` without keeping the bytes: an approval
   * attests the archive before the commit reaches the served repo (the archive renders the commit's
   * tree, so it is the same from either repo). A checksum already recorded wins.
   */
  async digestOf(repo: string, pkgbase: string, commit: string): Promise<{ sha256: string; size: number }> {
    if (!isFullCommitId(commit)) throw new StorageError(`not a commit id: ${commit}`, { pkgbase });
    const recorded = this.recorded(pkgbase, commit);
    if (recorded) return recorded;
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    return writeArchive(repo, assertPackageName(pkgbase, 'pkgbase'), commit, sink);
  }

  /**
   * Records the checksum an attestation names, inside the caller's transaction: every later build of
   * the archive must reproduce it (load() refuses otherwise).
   */
  record(pkgbase: string, commit: string, digest: { sha256: string; size: number }, now = Date.now()): void {
    const recorded = this.recorded(pkgbase, commit);
    if (recorded && recorded.sha256 !== digest.sha256)
      throw new StorageError(`the snapshot of ${pkgbase} ${commit} is recorded as ${recorded.sha256}, not ${digest.sha256}`, { pkgbase, commit });
    this.db
      .prepare('INSERT OR IGNORE INTO snapshots (pkgbase, commit_id, sha256, size, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(pkgbase, commit, digest.sha256, digest.size, now);
  }

  /**
   * Builds the archive of `commit` from `repo` (a replica's staging repo) into a temporary file, hands
   * its digest to `check` (which throws to refuse it), and only then moves it into the cache. The
   * checksum is recorded by the caller, with the decision it belongs to.
   */
  async buildChecked(
    repo: string,
    pkgbase: string,
    commit: string,
    check: (digest: { sha256: string; size: number }) => void,
  ): Promise<{ sha256: string; size: number }> {
    if (!isFullCommitId(commit)) throw new StorageError(`not a commit id: ${commit}`, { pkgbase });
    const file = this.cachePath(pkgbase, commit);
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const built = await writeArchive(repo, pkgbase, commit, temporary);
      check(built);
      await rename(temporary, file);
      return built;
    } finally {
      await rm(temporary, { force: true });
    }
  }

  /** Drops the cached file (the checksum record stays: it is what pinned builds rely on). */
  async evict(pkgbase: string, commit: string): Promise<void> {
    await rm(this.cachePath(pkgbase, commit), { force: true });
  }

  private async load(pkgbase: string, commit: string): Promise<Snapshot> {
    const file = this.cachePath(pkgbase, commit);
    const recorded = this.recorded(pkgbase, commit);
    if (recorded && existsSync(file)) return { file, ...recorded };
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const built = await writeArchive(packageRepoPath(this.servedRoot, pkgbase), pkgbase, commit, temporary);
      if (recorded && recorded.sha256 !== built.sha256) {
        throw new StorageError(
          `rebuilt snapshot of ${pkgbase} ${commit} does not match its recorded sha256 ${recorded.sha256} (got ${built.sha256})`,
          { pkgbase, commit },
        );
      }
      await rename(temporary, file);
      if (!recorded) {
        this.db
          .prepare('INSERT OR IGNORE INTO snapshots (pkgbase, commit_id, sha256, size, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(pkgbase, commit, built.sha256, built.size, Date.now());
      }
      return { file, ...built };
    } finally {
      await rm(temporary, { force: true });
    }
  }
}

/** Fixed gzip settings: already recorded checksums depend on every one of them (no name or time is written). */
export const ARCHIVE_GZIP_OPTIONS = { level: 9, memLevel: 8, windowBits: 15, strategy: 0 } as const;

/** Hashes and counts the bytes passing through. */
function digestTap(): { tap: Transform; result: () => { sha256: string; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return { tap, result: () => ({ sha256: hash.digest('hex'), size }) };
}

function tarCap(maxBytes: number, pkgbase: string, commit: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes)
        callback(new StorageError(`the snapshot of ${pkgbase} ${commit} is larger than ${maxBytes} bytes of tar`, { pkgbase, commit }));
      else callback(null, chunk);
    },
  });
}

/**
 * Compresses a tar stream into `file` with the fixed settings, hashing the compressed bytes on the
 * way: constant memory whatever the size, and the compression runs on libuv's threadpool, off the
 * event loop. A tar stream past `maxTarBytes` fails the write.
 */
export async function gzipToFile(
  tar: Readable,
  file: string | Writable,
  limit: { maxTarBytes: number; pkgbase: string; commit: string },
): Promise<{ sha256: string; size: number }> {
  const digest = digestTap();
  await pipeline(
    tar,
    tarCap(limit.maxTarBytes, limit.pkgbase, limit.commit),
    createGzip(ARCHIVE_GZIP_OPTIONS),
    digest.tap,
    typeof file === 'string' ? createWriteStream(file) : file,
  );
  return digest.result();
}

/**
 * Builds the archive of a commit into `file`: `git archive` (tar) → gzip → file, streaming. Fails, with
 * git killed, when git fails, the tar grows past the cap, or the file cannot be written; the caller
 * removes the file then.
 */
export async function writeArchive(
  repo: string,
  pkgbase: string,
  commit: string,
  file: string | Writable,
  maxTarBytes = MAX_ARCHIVE_BYTES,
): Promise<{ sha256: string; size: number }> {
  const git = streamGit(['archive', '--format=tar', `--prefix=${pkgbase}/`, commit], { cwd: repo, timeoutMs: ARCHIVE_TIMEOUT_MS });
  const [written, exited] = await Promise.allSettled([
    gzipToFile(git.stdout, file, { maxTarBytes, pkgbase, commit }).catch((error: unknown) => {
      git.kill();
      throw error;
    }),
    git.exited,
  ]);
  // A failure downstream is the cause (git was killed for it); otherwise git's own failure is.
  if (written.status === 'rejected') throw written.reason;
  if (exited.status === 'rejected') throw exited.reason;
  return written.value;
}

export async function sha256File(file: string): Promise<string> {
  const digest = digestTap();
  await pipeline(createReadStream(file), digest.tap, new Writable({ write: (_chunk, _encoding, callback) => callback() }));
  return digest.result().sha256;
}
