import { copyFile, cp, mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { clearLocks } from '../db/locks.js';
import { schemaVersion } from '../db/migrate.js';
import { assertIntegrity, openDatabase } from '../db/open.js';
import { ServedRepos } from '../store/served-repos.js';
import { Conflict, InvalidInput, StorageError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { reconcileAll } from './publish.js';
import { BACKUP_FORMAT, BACKUP_LAYOUT, BACKUP_VERSION, MANIFEST_FILE, isEmptyOrMissing, keepPrivate, type BackupManifest } from './backup.js';

export interface RestoreSummary {
  dataDir: string;
  manifest: BackupManifest;
  /** Migrations applied on top of the backup's schema (a backup from an older aurgate). */
  migrated: boolean;
  repaired: number;
  failed: number;
}

async function readManifest(dir: string): Promise<BackupManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new InvalidInput(`${dir} is not a complete aurgate backup (no ${MANIFEST_FILE}; an interrupted backup has none)`);
  let manifest: Partial<BackupManifest>;
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as Partial<BackupManifest>;
  } catch (error) {
    throw new InvalidInput(`${file} is not JSON`, { cause: error });
  }
  if (manifest.format !== BACKUP_FORMAT || manifest.version !== BACKUP_VERSION) {
    throw new InvalidInput(
      `${file} is not an aurgate backup of version ${BACKUP_VERSION} (format ${String(manifest.format)}, version ${String(manifest.version)})`,
    );
  }
  if (!existsSync(path.join(dir, BACKUP_LAYOUT.database))) throw new InvalidInput(`${dir} has no ${BACKUP_LAYOUT.database}`);
  return manifest as BackupManifest;
}

/**
 * Restores a backup into an empty data dir only: merging into a live one would mix two histories,
 * and overwriting one is a decision for a human with `rm`, not for a flag. After the copy the
 * database is opened normally (so migrations bring an older backup up to date), checked, stripped
 * of lock rows (their holders belonged to the old system), and every served repo is reconciled
 * against it, exactly as `aurgate serve` does at start-up.
 */
export async function restoreBackup(config: Config, source: string, logger: Logger): Promise<RestoreSummary> {
  const from = path.resolve(source);
  const manifest = await readManifest(from);
  const { dataDir, paths } = config;
  if (!(await isEmptyOrMissing(dataDir))) {
    throw new Conflict(`data dir ${dataDir} is not empty; restore only into an empty one (stop aurgate and move the old data dir aside first)`);
  }
  try {
    await mkdir(dataDir, { recursive: true });
    await copyFile(path.join(from, BACKUP_LAYOUT.database), paths.database);
    for (const [part, to] of [
      [BACKUP_LAYOUT.mirror, paths.mirrorRepos],
      [BACKUP_LAYOUT.served, paths.servedRepos],
      [BACKUP_LAYOUT.snapshots, paths.snapshots],
      [BACKUP_LAYOUT.keys, paths.keys],
      [BACKUP_LAYOUT.repoKey, paths.repoKey],
    ] as const) {
      const dir = path.join(from, part);
      if (existsSync(dir)) await cp(dir, to, { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false });
    }
    for (const keys of [paths.keys, paths.repoKey]) if (existsSync(keys)) await keepPrivate(keys);
  } catch (error) {
    throw new StorageError(`restoring ${from} into ${dataDir} failed: ${describeError(error)}`, { cause: error });
  }

  // Opening migrates a backup from an older aurgate.
  const db = openDatabase(paths.database);
  try {
    assertIntegrity(db);
    const version = schemaVersion(db);
    clearLocks(db);
    const repair = await reconcileAll(db, new ServedRepos(paths.servedRepos, paths.mirrorRepos), logger);
    return { dataDir, manifest, migrated: version !== manifest.schemaVersion, ...repair };
  } finally {
    db.close();
  }
}
