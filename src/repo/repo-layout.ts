import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../errors.js';

/**
 * Where one repository's files are, and how an update becomes visible at once:
 *
 *   <root>/<name>/key.asc                 the armored public key
 *   <root>/<name>/os/<arch>               a symlink to the current generation
 *   <root>/<name>/generations/<arch>.<id>/ packages, their .sig files, the databases and theirs
 *   <root>/<name>/.work/                  staging (same file system, so files link and rename)
 *
 * A generation is complete before the symlink is swapped to it with one rename(), so a reader sees
 * the old set or the new one, never a database beside the signature of another. (Two requests can
 * still straddle a swap, the database from one generation and its .sig from the next: pacman then
 * refuses that refresh and the next one succeeds, as with any mirror that updates.) Package files are
 * hard links shared by the generations that hold them; databases are copies, as repo-add rewrites them.
 */
export class RepoLayout {
  readonly dir: string;

  constructor(
    root: string,
    readonly name: string,
  ) {
    this.dir = path.join(root, name);
  }

  get keyFile(): string {
    return path.join(this.dir, 'key.asc');
  }

  get workDir(): string {
    return path.join(this.dir, '.work');
  }

  archLink(arch: string): string {
    return path.join(this.dir, 'os', arch);
  }

  database(generation: string, kind: 'db' | 'files'): string {
    return path.join(generation, `${this.name}.${kind}.tar.gz`);
  }

  /** The current generation's directory of `arch`, or null before the first one. */
  async current(arch: string): Promise<string | null> {
    try {
      return path.resolve(path.dirname(this.archLink(arch)), await readlink(this.archLink(arch)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StorageError(`cannot read the repository link ${this.archLink(arch)}`, { cause: error });
    }
  }

  /** A new, empty generation directory of `arch`. */
  async newGeneration(arch: string): Promise<string> {
    const id = `${Date.now().toString(36).padStart(10, '0')}-${randomBytes(4).toString('hex')}`;
    const dir = path.join(this.dir, 'generations', `${arch}.${id}`);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    return dir;
  }

  /** Makes `generation` the current one of `arch` (one rename: atomic for readers). */
  async publish(arch: string, generation: string): Promise<void> {
    const link = this.archLink(arch);
    await mkdir(path.dirname(link), { recursive: true });
    const temp = `${path.dirname(link)}/.${arch}.${randomBytes(4).toString('hex')}.tmp`;
    await symlink(path.relative(path.dirname(link), generation), temp);
    await rename(temp, link);
  }

  /**
   * Removes what no reader can reach any more: generations of `arch` other than the current one,
   * and staging left by a writer that died. Runs under the writers' lock. A reader that has opened
   * a file keeps reading it; one that resolved a path a moment before the swap gets a 404.
   */
  async prune(arch: string): Promise<void> {
    const current = await this.current(arch);
    const generations = path.join(this.dir, 'generations');
    const entries = await readdir(generations).catch(() => [] as string[]);
    for (const entry of entries)
      if (entry.startsWith(`${arch}.`) && path.join(generations, entry) !== current)
        await rm(path.join(generations, entry), { recursive: true, force: true });
  }

  /**
   * A fresh staging directory; the caller removes it. Called under the writers' lock, so whatever
   * else is in `.work/` was left by a writer that died, and goes.
   */
  async staging(): Promise<string> {
    await rm(this.workDir, { recursive: true, force: true });
    const dir = path.join(this.workDir, randomBytes(6).toString('hex'));
    await mkdir(dir, { recursive: true });
    return dir;
  }
}
