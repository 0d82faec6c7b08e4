import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

const OBJECT_ID = /^[0-9a-f]{40}$/;

/**
 * Reads refs straight from a repository's files (loose refs, then packed-refs), the same lookup git
 * does, without starting a git process: starting one blocks Node's event loop for milliseconds, and
 * sync and start-up read thousands of refs.
 */
export async function readRef(repo: string, ref: string): Promise<string | null> {
  const loose = await readFile(path.join(repo, ref), 'utf8').catch(() => null);
  if (loose !== null) {
    const value = loose.trim();
    return OBJECT_ID.test(value) ? value : null;
  }
  return (await packedRefs(repo)).get(ref) ?? null;
}

/** Every ref under a prefix (e.g. `refs/aurgate/approved/`) with its object id. */
export async function readRefsUnder(repo: string, prefix: string): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  for (const [ref, id] of await packedRefs(repo)) if (ref.startsWith(prefix)) refs.set(ref, id);
  await collectLoose(repo, prefix.replace(/\/$/, ''), refs);
  return refs;
}

async function collectLoose(repo: string, dir: string, into: Map<string, string>): Promise<void> {
  const entries = await readdir(path.join(repo, dir), { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const ref = `${dir}/${entry.name}`;
    if (entry.isDirectory()) await collectLoose(repo, ref, into);
    else if (!entry.name.endsWith('.lock')) {
      const value = await readRef(repo, ref);
      if (value) into.set(ref, value);
    }
  }
}

async function packedRefs(repo: string): Promise<Map<string, string>> {
  const text = await readFile(path.join(repo, 'packed-refs'), 'utf8').catch(() => '');
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [id = '', ref] = line.split(' ');
    if (ref && OBJECT_ID.test(id)) refs.set(ref, id);
  }
  return refs;
}

/**
 * Writes a loose ref the way git does (a file holding the id, renamed into place), without a git
 * process. Only for refs that no other process writes at the same time: the caller holds the lock
 * that guards them (the mirror's revision refs are written under the sync lock).
 */
export async function writeRef(repo: string, ref: string, id: string): Promise<void> {
  if (!OBJECT_ID.test(id) || !ref.startsWith('refs/') || ref.split('/').some((part) => part === '' || part === '..' || part.startsWith('.'))) {
    throw new Error(`refusing to write ref ${ref} = ${id}`);
  }
  const file = path.join(repo, ref);
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${id}\n`);
  await rename(temporary, file);
}
