import { git } from '../git/run.js';

/** git's empty tree: a package's first revision is shown as a diff against nothing (whole files). */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/**
 * The unified diff a reviewer reads: from the last approved commit (or nothing) to the candidate.
 * External diff drivers and textconv stay off, so repository attributes cannot run anything.
 */
export async function revisionDiff(repo: string, base: string | null, candidate: string, options: { stat?: boolean } = {}): Promise<string> {
  const args = [
    'diff',
    '--no-ext-diff',
    '--no-textconv',
    '--no-color',
    '--find-renames',
    ...(options.stat ? ['--stat'] : []),
    base ?? EMPTY_TREE,
    candidate,
    '--',
  ];
  return (await git(args, { cwd: repo, maxBuffer: 256 * 1024 * 1024 })).stdout;
}
