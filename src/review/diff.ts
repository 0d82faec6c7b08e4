import * as Diff2Html from 'diff2html';
import type { DiffFile } from 'diff2html/lib/types.js';
import { GitError } from '../errors.js';
import { patchPiecesOf, splitPatch, splitRawAndPatch, type RawChange } from './raw-diff.js';

/** One changed file of a review: its exact path(s), and diff2html's parse of its hunks. */
export interface ReviewFile {
  /** The exact path: in the candidate, or in the base for a deletion. */
  path: string;
  /** The exact source path of a rename or copy; null otherwise. */
  oldPath: string | null;
  diff: DiffFile;
}

export interface ReviewDiff {
  /** The unified patch. */
  text: string;
  files: ReviewFile[];
}

/**
 * The diff for the review pages and API, from `git diff --raw -p -z` (see git/diff.ts `reviewDiffOutput`):
 * the raw records give the exact, NUL-separated paths and the patch the same file pairs in the same
 * order, so each patch piece belongs to its record without reading a name back from git's quoted headers.
 */
export function parseReviewDiff(output: string): ReviewDiff {
  const { changes, patch } = splitRawAndPatch(output);
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
