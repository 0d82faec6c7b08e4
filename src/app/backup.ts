import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppDeps } from './deps.js';
import { schemaVersion } from '../db/migrate.js';
import { listPackageRepos, packageRepoPath } from '../git/repo-paths.js';
import { Conflict, StorageError, describeError } from '../errors.js';
import { withLock } from '../db/locks.js';

export const BACKUP_FORMAT = 'aurgate-backup';
export const BACKUP_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

/** Inside a backup directory; the same names as inside a data dir, so a backup is easy to inspect. */
export const BACKUP_LAYOUT = {
  database: 'aurgate.db',
  mirror: 'mirror',
  served: 'served',
  snapshots: 'snapshots',
  keys: 'keys',
  repoKey: 'repo-key',
} as const;

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  createdAt: string;
  /** The newest migration applied to the copied database. */
  schemaVersion: number;
  mirrorRepos: string[];
  servedRepos: string[];
  snapshots: number;
}

export async function isEmptyOrMissing(dir: string): Promise<boolean> {
  return !existsSync(dir) || (await readdir(dir)).length === 0;
}

async function copyTree(from: string, to: string): Promise<void> {
  try {
    // Half-written snapshot archives (`*.tmp`, renamed into place when complete) are not worth keeping.
    await cp(from, to, { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false, filter: (source) => !source.endsWith('.tmp') });
  } catch (error) {
    throw new StorageError(`copying ${from} to ${to} failed: ${describeError(error)}`, { cause: error });
  }
}

/** Key files stay readable by their owner only, wherever they are copied (the key store refuses others). */
export async function keepPrivate(keysDir: string): Promise<void> {
  await chmod(keysDir, 0o700);
  for (const file of await readdir(keysDir)) await chmod(path.join(keysDir, file), 0o600);
}

/**
 * A consistent backup of a live data dir into an empty directory.
 *
 * Order matters: the database first (SQLite's online backup API: a transactionally consistent copy
 * while other processes keep writing), then the repos. Repos copied after the database are at least
 * as new as it, so every commit the database calls approved is in the copied mirror repo, and the
 * start-up reconcile after a restore brings the served repos exactly in line with the database (it
 * pushes what is missing and prunes what is extra). The other order could leave the database naming
 * approved commits that no copied repo contains.
 *
 * Each repo is copied while its writer is locked out: mirror repos under the sync lock (only a sync
 * writes them), each served repo under its publish lock (only publishing writes it), so no copy is
 * torn by a concurrent fetch, push or prune. Snapshot archives are copied too: they are rebuilt
 * byte-for-byte on this machine, but a restore onto another git or zlib could rebuild different
 * bytes, and the pinned sha256 must hold. The manifest is written last and marks a complete backup.
 */
export async function createBackup(app: Pick<AppDeps, 'db' | 'config'>, target: string, options: { waitMs?: number } = {}): Promise<BackupManifest> {
  const waitMs = options.waitMs ?? 10 * 60_000;
  const dir = path.resolve(target);
  if (!(await isEmptyOrMissing(dir))) throw new Conflict(`backup target ${dir} is not empty; name a new or empty directory`);
  await mkdir(dir, { recursive: true });
  const { paths } = app.config;

  try {
    await app.db.backup(path.join(dir, BACKUP_LAYOUT.database));
  } catch (error) {
    throw new StorageError(`database backup failed: ${describeError(error)}`, { cause: error });
  }
  const version = schemaVersion(app.db);

  await mkdir(path.join(dir, BACKUP_LAYOUT.mirror));
  const mirrorRepos = await withLock(app.db, 'sync', { waitMs, pollMs: 250 }, async () => {
    const names = await listPackageRepos(paths.mirrorRepos);
    for (const name of names) await copyTree(packageRepoPath(paths.mirrorRepos, name), packageRepoPath(path.join(dir, BACKUP_LAYOUT.mirror), name));
    return names;
  });

  await mkdir(path.join(dir, BACKUP_LAYOUT.served));
  const servedRepos = await listPackageRepos(paths.servedRepos);
  for (const name of servedRepos) {
    await withLock(app.db, `publish:${name}`, { waitMs, pollMs: 250 }, () =>
      copyTree(packageRepoPath(paths.servedRepos, name), packageRepoPath(path.join(dir, BACKUP_LAYOUT.served), name)),
    );
  }

  let snapshots = 0;
  if (existsSync(paths.snapshots)) {
    await copyTree(paths.snapshots, path.join(dir, BACKUP_LAYOUT.snapshots));
    for (const pkgbase of await readdir(path.join(dir, BACKUP_LAYOUT.snapshots))) {
      snapshots += (await readdir(path.join(dir, BACKUP_LAYOUT.snapshots, pkgbase))).length;
    }
  }

  // The signing keys: without them a restored server would sign with a new identity its verifiers do
  // not pin. The same for the pacman repository's key, which every client has trusted by fingerprint.
  for (const [from, part] of [
    [paths.keys, BACKUP_LAYOUT.keys],
    [paths.repoKey, BACKUP_LAYOUT.repoKey],
  ] as const) {
    if (!existsSync(from)) continue;
    await copyTree(from, path.join(dir, part));
    await keepPrivate(path.join(dir, part));
  }

  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: new Date().toISOString(),
    schemaVersion: version,
    mirrorRepos,
    servedRepos,
    snapshots,
  };
  await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
