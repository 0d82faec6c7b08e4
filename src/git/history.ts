import { GitError } from '../errors.js';
import { git, gitBuffer } from './run.js';

export interface CommitInfo {
  id: string;
  subject: string;
  authorName: string;
  authorEmail: string;
  /** epoch seconds */
  authorDate: number;
  committerName: string;
  committerEmail: string;
  committerDate: number;
}

const FORMAT = ['%H', '%s', '%an', '%ae', '%at', '%cn', '%ce', '%ct'].join('%x1f') + '%x1e';

function parseCommits(stdout: string): CommitInfo[] {
  return stdout
    .split('\x1e')
    .map((record) => record.trim())
    .filter(Boolean)
    .map((record) => {
      const [
        id = '',
        subject = '',
        authorName = '',
        authorEmail = '',
        authorDate = '0',
        committerName = '',
        committerEmail = '',
        committerDate = '0',
      ] = record.split('\x1f');
      return {
        id,
        subject,
        authorName,
        authorEmail,
        authorDate: Number(authorDate),
        committerName,
        committerEmail,
        committerDate: Number(committerDate),
      };
    });
}

export async function commitInfo(repo: string, commit: string): Promise<CommitInfo> {
  const { stdout } = await git(['log', '-1', `--format=${FORMAT}`, commit, '--'], { cwd: repo });
  const [info] = parseCommits(stdout);
  if (!info) throw new Error(`no commit ${commit} in ${repo}`);
  return info;
}

/** Commits in base..head (everything reachable from head when base is null), newest first, capped. */
export async function commitsBetween(repo: string, base: string | null, head: string, limit = 500): Promise<CommitInfo[]> {
  const range = base ? [`${base}..${head}`] : [head];
  const { stdout } = await git(['log', `--max-count=${limit}`, `--format=${FORMAT}`, ...range, '--'], { cwd: repo });
  return parseCommits(stdout);
}

/**
 * Commits reachable from `head` and from none of `exclude`, newest first, at most `limit`. Excluded ids
 * the repo does not hold are ignored; they go to git on stdin, so any number of them fits.
 */
export async function commitsReachableExcept(repo: string, head: string, exclude: readonly string[], limit: number): Promise<CommitInfo[]> {
  const input = [head, ...exclude.map((commit) => `^${commit}`)].join('\n') + '\n';
  const { stdout } = await git(['log', `--max-count=${limit}`, `--format=${FORMAT}`, '--ignore-missing', '--stdin'], { cwd: repo, input });
  return parseCommits(stdout);
}

export async function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
  const result = await git(['merge-base', '--is-ancestor', ancestor, descendant], { cwd: repo, okCodes: [1] });
  return result.code === 0;
}

export async function hasCommit(repo: string, commit: string): Promise<boolean> {
  const result = await git(['cat-file', '-e', `${commit}^{commit}`], { cwd: repo, okCodes: [1, 128] });
  return result.code === 0;
}

/** A file of a commit, or null when the commit has no such path (one git process either way). */
export async function readBlob(repo: string, commit: string, file: string): Promise<Buffer | null> {
  try {
    return await gitBuffer(['cat-file', 'blob', `${commit}:${file}`], { cwd: repo });
  } catch (error) {
    if (error instanceof GitError && /does not exist|not a valid object name|exists on disk, but not in/i.test(error.message)) return null;
    throw error;
  }
}

export interface TreeEntry {
  path: string;
  mode: string;
  type: string;
  object: string;
  size: number;
}

export async function listTree(repo: string, commit: string): Promise<TreeEntry[]> {
  const { stdout } = await git(['ls-tree', '-r', '-l', '-z', commit], { cwd: repo });
  return stdout
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode = '', type = '', object = '', size = '0'] = line.slice(0, tab).split(/\s+/);
      return { path: line.slice(tab + 1), mode, type, object, size: Number(size) || 0 };
    });
}
