import { git } from './run.js';

/** git's empty tree: a package's first revision is shown as a diff against nothing (whole files). */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Non-ASCII names as they are rather than as octal escapes; control characters stay C-quoted. */
const READABLE_PATHS = ['-c', 'core.quotePath=false'];

/** External diff drivers and textconv stay off, so repository attributes cannot run anything. */
function diffArgs(base: string | null, candidate: string, format: string[]): string[] {
  return [
    ...READABLE_PATHS,
    'diff',
    '--no-ext-diff',
    '--no-textconv',
    '--no-color',
    '--find-renames',
    ...format,
    base ?? EMPTY_TREE,
    candidate,
    '--',
  ];
}

/** The unified diff a reviewer reads (the CLI prints it): from the last approved commit (or nothing) to the candidate. */
export async function revisionDiff(repo: string, base: string | null, candidate: string, options: { stat?: boolean } = {}): Promise<string> {
  return (await git(diffArgs(base, candidate, options.stat ? ['--stat'] : []), { cwd: repo, maxBuffer: 256 * 1024 * 1024 })).stdout;
}

/** `git diff --raw -p -z` of the review: exact paths and the patch in one run (parsed by review/diff.ts). */
export async function reviewDiffOutput(repo: string, base: string | null, candidate: string): Promise<string> {
  return (await git(diffArgs(base, candidate, ['--raw', '-p', '-z', '--no-abbrev']), { cwd: repo, maxBuffer: 256 * 1024 * 1024 })).stdout;
}
