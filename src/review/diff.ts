import * as Diff2Html from 'diff2html';
import type { DiffFile } from 'diff2html/lib/types.js';
import { GitError } from '../errors.js';
import { git } from '../git/run.js';
import { patchPiecesOf, splitPatch, splitRawAndPatch, type RawChange } from './raw-diff.js';

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

/** The unified diff a reviewer reads: from the last approved commit (or nothing) to the candidate. */
export async function revisionDiff(repo: string, base: string | null, candidate: string, options: { stat?: boolean } = {}): Promise<string> {
  return (await git(diffArgs(base, candidate, options.stat ? ['--stat'] : []), { cwd: repo, maxBuffer: 256 * 1024 * 1024 })).stdout;
}

/** One changed file of a review: its exact path(s), and diff2html's parse of its hunks. */
export interface ReviewFile {
  /** The exact path: in the candidate, or in the base for a deletion. */
  path: string;
  /** The exact source path of a rename or copy; null otherwise. */
  oldPath: string | null;
  diff: DiffFile;
}

export interface ReviewDiff {
  /** The patch as `revisionDiff` prints it. */
  text: string;
  files: ReviewFile[];
}

/**
 * The diff for the review pages and API. One git run prints the raw records (exact, NUL-separated
 * paths) and the patch for the same file pairs in the same order, so each patch piece belongs to
 * its record without reading a name back from git's quoted headers.
 */
export async function reviewDiff(repo: string, base: string | null, candidate: string): Promise<ReviewDiff> {
  const { stdout } = await git(diffArgs(base, candidate, ['--raw', '-p', '-z', '--no-abbrev']), { cwd: repo, maxBuffer: 256 * 1024 * 1024 });
  const { changes, patch } = splitRawAndPatch(stdout);
  return { text: patch, files: reviewFiles(changes, splitPatch(patch)) };
}

/** Pairs raw records with patch pieces (a type change has two: deletion, then creation). */
export function reviewFiles(changes: readonly RawChange[], pieces: readonly string[]): ReviewFile[] {
  const expected = changes.reduce((sum, change) => sum + patchPiecesOf(change), 0);
  if (expected !== pieces.length) throw new GitError(`unexpected git diff output: ${changes.length} changed files but ${pieces.length} file patches`);
  const files: ReviewFile[] = [];
  let next = 0;
  for (const change of changes) {
    if (change.status === 'T') {
      files.push(reviewFile(pieces[next++] ?? '', { ...change, status: 'D' }));
      files.push(reviewFile(pieces[next++] ?? '', { ...change, status: 'A' }));
    } else files.push(reviewFile(pieces[next++] ?? '', change));
  }
  return files;
}

const DEV_NULL = '/dev/null';

function reviewFile(piece: string, change: RawChange): ReviewFile {
  const moved = change.status === 'R' || change.status === 'C';
  const diff: DiffFile = {
    ...parsePiece(piece),
    oldName: change.status === 'A' ? DEV_NULL : change.oldPath,
    newName: change.status === 'D' ? DEV_NULL : change.path,
    isNew: change.status === 'A',
    isDeleted: change.status === 'D',
    isRename: change.status === 'R',
    isCopy: change.status === 'C',
  };
  return { path: change.path, oldPath: moved ? change.oldPath : null, diff };
}

/**
 * diff2html splits lines at `\r` as well as `\n`, so a carriage return inside a changed line would
 * cut it in two and drop the second half from the view (or start a fake file block there). The view
 * shows it as the control picture ␍ instead; `text` keeps the bytes.
 */
function parsePiece(piece: string): DiffFile {
  // A piece holds one `diff --git` line, so diff2html makes at most one file of it; none when it
  // cannot read a name from that line, and the names are replaced anyway.
  const [file] = Diff2Html.parse(piece.replaceAll('\r', '\u240d'));
  return file ?? { oldName: '', newName: '', addedLines: 0, deletedLines: 0, isCombined: false, isGitDiff: true, language: '', blocks: [] };
}
