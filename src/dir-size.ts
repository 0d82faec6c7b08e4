import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Bytes of every file below `dir`, links not followed (a link counts as itself): what a cap on a
 * directory's disk use measures. Entries that vanish while it walks count as nothing.
 */
export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await directorySize(full);
    else total += (await lstat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
