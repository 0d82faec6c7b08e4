import { link, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../errors.js';
import { parseDbEntries, type RepoPackage } from './db-entries.js';
import type { RepoKey } from './pgp-key.js';
import type { RepoLayout } from './repo-layout.js';
import { lastLines, runTool } from './tools.js';

/**
 * The two databases of a generation (`<name>.db.tar.gz`, `<name>.files.tar.gz`): made empty, changed
 * by repo-add / repo-remove, signed, and read back.
 */
export const DATABASE_KINDS = ['db', 'files'] as const;

/** repo-add reads every package whole (checksums, file list): minutes for a large one. */
const REPO_TOOL_TIMEOUT_MS = 30 * 60_000;
const MAX_DB_LISTING_BYTES = 256 * 1024 * 1024;

/** Empty databases, as repo-add makes them when the last package goes (an empty tar, gzipped). */
export async function createEmptyDatabases(layout: RepoLayout, generation: string): Promise<void> {
  for (const kind of DATABASE_KINDS) {
    const result = await runTool('bsdtar', ['-czf', layout.database(generation, kind), '-T', '/dev/null'], { maxStdoutBytes: 0, timeoutMs: 60_000 });
    if (result.code !== 0) throw new StorageError(`cannot create an empty ${kind} database in ${generation}: ${lastLines(result.stderr)}`);
  }
}

/**
 * Signs both databases and gives them the names pacman fetches (`<name>.db`, `<name>.db.sig`, …) as
 * hard links: the route serves files and never follows a link inside a generation. repo-add's own
 * symlinks and `.old` backups go.
 */
export async function signDatabases(layout: RepoLayout, generation: string, key: RepoKey): Promise<void> {
  for (const kind of DATABASE_KINDS) {
    const tarball = layout.database(generation, kind);
    const short = path.join(generation, `${layout.name}.${kind}`);
    for (const leftover of [`${tarball}.old`, `${tarball}.old.sig`, short, `${short}.sig`]) await rm(leftover, { force: true });
    await writeFile(`${tarball}.sig`, await key.signFile(tarball), { mode: 0o644 });
    await link(tarball, short);
    await link(`${tarball}.sig`, `${short}.sig`);
  }
}

/** repo-add or repo-remove on a generation's database; TMPDIR keeps its scratch files in staging. */
export async function runRepoTool(program: 'repo-add' | 'repo-remove', args: readonly string[], staging: string): Promise<void> {
  const result = await runTool(program, ['-q', '--nocolor', ...args], {
    maxStdoutBytes: 1024 * 1024,
    timeoutMs: REPO_TOOL_TIMEOUT_MS,
    env: { TMPDIR: staging },
  });
  if (result.code !== 0 || result.timedOut)
    throw new StorageError(
      `${program} failed on ${args[0] ?? ''}: ${result.timedOut ? 'timed out' : lastLines(result.stderr) || `exit ${result.code}`}`,
    );
}

/** The package entries of a generation's database (every member of a .db is a desc file). */
export async function readEntries(layout: RepoLayout, generation: string): Promise<RepoPackage[]> {
  const db = layout.database(generation, 'db');
  const result = await runTool('bsdtar', ['-xOf', db], { maxStdoutBytes: MAX_DB_LISTING_BYTES, timeoutMs: 5 * 60_000 });
  if (result.code !== 0 || result.exceeded || result.timedOut)
    throw new StorageError(`cannot read the database ${db}: ${lastLines(result.stderr) || 'too large'}`);
  return parseDbEntries(result.stdout.toString('utf8'));
}
