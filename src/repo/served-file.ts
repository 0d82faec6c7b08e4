import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isArch, isRepoName, isSafeSegment } from './names.js';
import { RepoLayout } from './repo-layout.js';

/**
 * A file of a repository opened for reading: one opened descriptor, so what is streamed is the file
 * that was checked even if an update swaps the generation meanwhile.
 */
export interface ServedFile {
  handle: FileHandle;
  size: number;
  /** Files of a generation never change (an update makes new ones): inode, size and time name the bytes. */
  etag: string;
}

/**
 * Opens `<root>/<name>/os/<arch>/<file>`, or null when the names break a rule or the file is not a
 * regular file inside that repository's directory. Every segment is checked before it reaches a
 * path; the resolved path must still lie inside the repository (the architecture link points into
 * `generations/`), and it is opened without following a link.
 */
export async function openServedFile(root: string, name: string, arch: string, file: string): Promise<ServedFile | null> {
  if (!isRepoName(name) || !isArch(arch) || !isSafeSegment(file)) return null;
  const layout = new RepoLayout(root, name);
  return openInside(layout, path.join(layout.archLink(arch), file));
}

/** The repository's armored public key (`<root>/<name>/key.asc`), or null. */
export async function openServedKey(root: string, name: string): Promise<ServedFile | null> {
  if (!isRepoName(name)) return null;
  const layout = new RepoLayout(root, name);
  return openInside(layout, layout.keyFile);
}

async function openInside(layout: RepoLayout, candidate: string): Promise<ServedFile | null> {
  let resolved: string;
  let base: string;
  try {
    [resolved, base] = await Promise.all([realpath(candidate), realpath(layout.dir)]);
  } catch {
    return null;
  }
  if (!resolved.startsWith(`${base}${path.sep}`)) return null;
  let handle: FileHandle;
  try {
    handle = await open(resolved, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  const info = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (!info.isFile()) {
    await handle.close();
    return null;
  }
  return { handle, size: info.size, etag: `"${info.ino.toString(16)}-${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}"` };
}
