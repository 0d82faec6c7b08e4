import { constants } from 'node:fs';
import { chmod, copyFile, link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { withLock } from '../db/locks.js';
import type { Db } from '../db/open.js';
import { AurgateError, InvalidInput, StorageError } from '../errors.js';
import { assertPackageName } from '../srcinfo/names.js';
import { createEmptyDatabases, DATABASE_KINDS, readEntries, runRepoTool, signDatabases } from './databases.js';
import type { RepoPackage } from './db-entries.js';
import { assertPackageFileName, assertRepoName, isArch } from './names.js';
import { checkPackage, type CheckedPackage } from './package-file.js';
import type { RepoKey } from './pgp-key.js';
import { RepoLayout } from './repo-layout.js';

/**
 * A signed pacman repository (`<root>/<name>/os/<arch>/`, see repo-layout.ts) filled with package
 * files built elsewhere. Every package and both databases of each architecture are signed with the
 * repository key; repo-add and repo-remove write the databases (without --sign: the key lives here,
 * not in a gpg keyring). Writers are serialized: in this process by a queue, across processes by
 * the database lock `pacman-repo:<name>`.
 */
export interface PacmanRepoOptions {
  /** The directory of all repositories (config.paths.repo). */
  root: string;
  key: RepoKey;
  /** Only for the writers' lock, which every aurgate process on this data dir sees. */
  db: Db;
  /** `aurgate` unless given: the pacman.conf section and the databases' file names. */
  name?: string;
  /** The architecture directories; an `any` package goes into each. `x86_64` unless given. */
  arches?: readonly string[];
  /** How long a writer waits for another process's update. */
  lockWaitMs?: number;
}

/** A package as one architecture directory serves it. */
export interface ServedPackage extends RepoPackage {
  /** The directory's architecture (an `any` package is listed once per directory). */
  repoArch: string;
}

export interface RemoveResult {
  removed: string[];
  /** Names that were in no architecture's database (removing them again is not an error). */
  absent: string[];
}

export const DEFAULT_REPO_NAME = 'aurgate';
const queues = new Map<string, Promise<unknown>>();

/** What one update does to one architecture's directory. */
interface UpdatePlan {
  arch: string;
  adds: readonly CheckedPackage[];
  removes: readonly string[];
}

export class PacmanRepo {
  readonly name: string;
  readonly arches: readonly string[];
  readonly layout: RepoLayout;
  private readonly lockWaitMs: number;

  private constructor(private readonly options: PacmanRepoOptions) {
    this.name = assertRepoName(options.name ?? DEFAULT_REPO_NAME);
    this.arches = [...new Set(options.arches ?? ['x86_64'])];
    for (const arch of this.arches)
      if (!isArch(arch) || arch === 'any') throw new InvalidInput(`invalid repository architecture ${JSON.stringify(arch)}`);
    if (this.arches.length === 0) throw new InvalidInput('a repository needs at least one architecture');
    this.layout = new RepoLayout(options.root, this.name);
    this.lockWaitMs = options.lockWaitMs ?? 10 * 60_000;
  }

  /**
   * Opens the repository, writing its public key and an empty signed database for each new
   * architecture. Takes the writers' lock only when there is something to write: a server starting
   * while another process runs a long repo-add does not wait for it.
   */
  static async open(options: PacmanRepoOptions): Promise<PacmanRepo> {
    const repo = new PacmanRepo(options);
    if (await repo.isSetUp()) return repo;
    await repo.exclusive(async () => {
      await mkdir(repo.layout.dir, { recursive: true });
      await writeIfChanged(repo.layout.keyFile, options.key.armoredPublicKey);
      for (const arch of repo.arches) if ((await repo.layout.current(arch)) === null) await repo.createEmpty(arch);
    });
    return repo;
  }

  /** The directory pacman's `Server = …/$arch` names. */
  archDir(arch: string): string {
    return this.layout.archLink(arch);
  }

  /**
   * Adds package files (copied in; the originals are not touched), replacing any package of the
   * same pkgname. All or nothing: every file is checked before anything changes, one that fails adds
   * none (the error names it and why), and no architecture's directory changes unless all can.
   */
  async addPackages(files: readonly string[]): Promise<ServedPackage[]> {
    if (files.length === 0) return [];
    const names = files.map((file) => assertPackageFileName(path.basename(file)));
    const dupe = names.find((name, index) => names.findIndex((other) => other.pkgname === name.pkgname) !== index);
    if (dupe) throw new InvalidInput(`two files of package ${dupe.pkgname} in one update: add one version`, { pkgname: dupe.pkgname });
    return this.exclusive(async () => {
      const staging = await this.layout.staging();
      try {
        const packages = await this.stage(files, staging);
        const plans = this.arches.map((arch) => ({
          arch,
          adds: packages.filter((pkg) => pkg.info.arch === arch || pkg.info.arch === 'any'),
          removes: [],
        }));
        await this.update(
          plans.filter((plan) => plan.adds.length > 0),
          staging,
        );
        const added = new Set(packages.map((pkg) => pkg.name));
        return (await this.listUnlocked()).filter((pkg) => added.has(pkg.filename));
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    });
  }

  /** Removes packages by pkgname from every architecture (revocation). Names not in the repository are reported, not refused. */
  async removePackages(pkgnames: readonly string[]): Promise<RemoveResult> {
    const wanted = [...new Set(pkgnames.map((name) => assertPackageName(name)))];
    return this.exclusive(async () => {
      const removed = new Set<string>();
      const staging = await this.layout.staging();
      try {
        const plans: UpdatePlan[] = [];
        for (const arch of this.arches) {
          const present = (await this.entries(arch)).filter((entry) => wanted.includes(entry.pkgname)).map((entry) => entry.pkgname);
          if (present.length > 0) plans.push({ arch, adds: [], removes: present });
          for (const name of present) removed.add(name);
        }
        await this.update(plans, staging);
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
      return { removed: [...removed], absent: wanted.filter((name) => !removed.has(name)) };
    });
  }

  /** Every package of every architecture directory, as the current databases list them. */
  async listPackages(): Promise<ServedPackage[]> {
    return this.listUnlocked();
  }

  private async listUnlocked(): Promise<ServedPackage[]> {
    const all: ServedPackage[] = [];
    for (const arch of this.arches) for (const entry of await this.entries(arch)) all.push({ ...entry, repoArch: arch });
    return all;
  }

  /** Copies each file into staging, checks the copy, and signs it. */
  private async stage(files: readonly string[], staging: string): Promise<CheckedPackage[]> {
    const inbox = path.join(staging, 'in');
    await mkdir(inbox);
    const checked: CheckedPackage[] = [];
    for (const file of files) {
      const name = path.basename(file);
      const copy = path.join(inbox, name);
      await copyIn(file, copy);
      const pkg = await checkPackage(copy, name);
      if (pkg.info.arch !== 'any' && !this.arches.includes(pkg.info.arch))
        throw new InvalidInput(`${name}: architecture ${pkg.info.arch} is not one of this repository's (${this.arches.join(', ')})`, {
          pkgname: pkg.info.pkgname,
        });
      await writeFile(`${copy}.sig`, await this.options.key.signFile(copy), { mode: 0o644 });
      checked.push(pkg);
    }
    return checked;
  }

  /**
   * Builds the next generation of each planned architecture, and swaps them in only once all are
   * built: a repo-add that fails for one architecture changes none.
   */
  private async update(plans: readonly UpdatePlan[], staging: string): Promise<void> {
    const built: Array<{ arch: string; next: string }> = [];
    try {
      for (const plan of plans) built.push({ arch: plan.arch, next: await this.prepare(plan, staging) });
    } catch (error) {
      for (const { next } of built) await rm(next, { recursive: true, force: true });
      throw error;
    }
    for (const { arch, next } of built) await this.layout.publish(arch, next);
    for (const { arch } of built) await this.layout.prune(arch);
  }

  /**
   * The next generation of an architecture, from its current one (kept packages linked, databases
   * copied), with repo-add / repo-remove applied and the databases signed.
   */
  private async prepare(plan: UpdatePlan, staging: string): Promise<string> {
    const current = await this.layout.current(plan.arch);
    if (current === null) throw new StorageError(`repository ${this.name} has no ${plan.arch} database (${this.archDir(plan.arch)} is missing)`);
    const next = await this.layout.newGeneration(plan.arch);
    try {
      await this.fill(plan.arch, current, next, staging, plan.adds, plan.removes);
    } catch (error) {
      await rm(next, { recursive: true, force: true });
      throw error instanceof AurgateError ? error : new StorageError(`updating repository ${this.name} (${plan.arch}) failed`, { cause: error });
    }
    return next;
  }

  private async fill(
    arch: string,
    current: string,
    next: string,
    staging: string,
    adds: readonly CheckedPackage[],
    removes: readonly string[],
  ): Promise<void> {
    const replaced = new Set([...removes, ...adds.map((pkg) => pkg.info.pkgname)]);
    for (const kind of DATABASE_KINDS) await copyFile(this.layout.database(current, kind), this.layout.database(next, kind));
    for (const entry of await this.entries(arch))
      if (!replaced.has(entry.pkgname))
        for (const file of [entry.filename, `${entry.filename}.sig`]) await link(path.join(current, file), path.join(next, file));
    for (const pkg of adds)
      for (const file of [pkg.name, `${pkg.name}.sig`]) await link(path.join(path.dirname(pkg.path), file), path.join(next, file));
    if (adds.length > 0) await runRepoTool('repo-add', [this.layout.database(next, 'db'), ...adds.map((pkg) => path.join(next, pkg.name))], staging);
    if (removes.length > 0) await runRepoTool('repo-remove', [this.layout.database(next, 'db'), ...removes], staging);
    await signDatabases(this.layout, next, this.options.key);
  }

  private async createEmpty(arch: string): Promise<void> {
    const next = await this.layout.newGeneration(arch);
    await createEmptyDatabases(this.layout, next);
    await signDatabases(this.layout, next, this.options.key);
    await this.layout.publish(arch, next);
    await this.layout.prune(arch);
  }

  private async isSetUp(): Promise<boolean> {
    const served = await readFile(this.layout.keyFile, 'utf8').catch(() => null);
    if (served !== this.options.key.armoredPublicKey) return false;
    for (const arch of this.arches) if ((await this.layout.current(arch)) === null) return false;
    return true;
  }

  /** The entries of `arch`'s current database. */
  private async entries(arch: string): Promise<RepoPackage[]> {
    const current = await this.layout.current(arch);
    return current === null ? [] : readEntries(this.layout, current);
  }

  /** Runs `change` as the only writer: after this process's earlier writers, under the cross-process lock. */
  private exclusive<T>(change: () => Promise<T>): Promise<T> {
    const key = this.layout.dir;
    const run = (queues.get(key) ?? Promise.resolve()).then(() =>
      withLock(this.options.db, `pacman-repo:${this.name}`, { waitMs: this.lockWaitMs, pollMs: 200 }, change),
    );
    queues.set(
      key,
      run.catch(() => undefined),
    );
    return run;
  }
}

/** A regular file copied in; a missing or unreadable one is the caller's input error, named. */
async function copyIn(file: string, copy: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    throw new InvalidInput(`${file}: cannot read the package file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  if (!info.isFile()) throw new InvalidInput(`${file}: not a regular file`);
  await copyFile(file, copy, constants.COPYFILE_EXCL);
  // Whatever the source's mode, the repository's files are data anyone may read and nobody writes.
  await chmod(copy, 0o644);
}

/** Replaces `file` by rename, so a reader gets the old content or the new, whole. */
async function writeIfChanged(file: string, content: string): Promise<void> {
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing === content) return;
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, content, { mode: 0o644 });
  await rename(temp, file);
}
