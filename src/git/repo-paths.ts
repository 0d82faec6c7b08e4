import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { assertPackageName } from '../srcinfo/names.js';

const SUFFIX = '.git';

/**
 * The one place a package's bare repo path is built (`<root>/<pkgbase>.git`, for the mirror and the
 * served repos alike). The name is checked first, so nothing a client or upstream sends can point a
 * path anywhere else.
 */
export function packageRepoPath(root: string, pkgbase: string): string {
  return path.join(root, `${assertPackageName(pkgbase, 'pkgbase')}${SUFFIX}`);
}

/** The pkgbases that have a repo under root, sorted. */
export async function listPackageRepos(root: string): Promise<string[]> {
  if (!existsSync(root)) return [];
  return (await readdir(root))
    .filter((entry) => entry.endsWith(SUFFIX))
    .map((entry) => entry.slice(0, -SUFFIX.length))
    .sort();
}
