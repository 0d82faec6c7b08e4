import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Db } from '../db/open.js';
import { StorageError } from '../errors.js';
import { gitBuffer } from '../git/run.js';
import { assertPackageName, isFullCommitId } from '../srcinfo/names.js';

export interface Snapshot {
  file: string;
  sha256: string;
  size: number;
}

const MAX_ARCHIVE_BYTES = 512 * 1024 * 1024;

/**
 * Deterministic snapshot archives (`<pkgbase>/…`, like cgit) of served commits. git archive fixes
 * order, owners, modes and mtimes (the commit time); gzip runs with fixed settings and no name or
 * time in its header. The first build is cached and its sha256 recorded; any later build of the same
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

  /** Drops the cached file (the checksum record stays: it is what pinned builds rely on). */
  async evict(pkgbase: string, commit: string): Promise<void> {
    await rm(this.cachePath(pkgbase, commit), { force: true });
  }

  private async load(pkgbase: string, commit: string): Promise<Snapshot> {
    const file = this.cachePath(pkgbase, commit);
    const recorded = this.recorded(pkgbase, commit);
    if (recorded && existsSync(file)) return { file, ...recorded };
    const bytes = await buildArchive(path.join(this.servedRoot, `${pkgbase}.git`), pkgbase, commit);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (recorded && recorded.sha256 !== sha256) {
      throw new StorageError(`rebuilt snapshot of ${pkgbase} ${commit} does not match its recorded sha256 ${recorded.sha256} (got ${sha256})`, {
        pkgbase,
        commit,
      });
    }
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, file);
    if (!recorded) {
      this.db
        .prepare('INSERT OR IGNORE INTO snapshots (pkgbase, commit_id, sha256, size, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(pkgbase, commit, sha256, bytes.length, Date.now());
    }
    return { file, sha256, size: bytes.length };
  }
}

export async function buildArchive(repo: string, pkgbase: string, commit: string): Promise<Buffer> {
  const tar = await gitBuffer(['archive', '--format=tar', `--prefix=${pkgbase}/`, commit], { cwd: repo, maxBuffer: MAX_ARCHIVE_BYTES });
  return gzipSync(tar, { level: 9, memLevel: 8, windowBits: 15, strategy: 0 });
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}
