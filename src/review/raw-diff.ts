import { GitError } from '../errors.js';

/**
 * Parsers for the output of `git diff --raw -p -z`: the exact paths of every changed file (NUL
 * separated, never quoted) followed by the patch. git's patch headers C-quote unusual names
 * (`"a/tab\there"`), and tools that read names back from them (diff2html among them) get them wrong,
 * so the review takes names from the raw records and only the hunks from the patch. Hand-written:
 * no maintained library parses the `-z` raw format.
 */

export type ChangeStatus = 'A' | 'C' | 'D' | 'M' | 'R' | 'T' | 'U' | 'X';

export interface RawChange {
  status: ChangeStatus;
  /** Similarity of a rename or copy in percent, otherwise null. */
  score: number | null;
  oldMode: string;
  newMode: string;
  oldObject: string;
  newObject: string;
  /** Path before the change: the source of a rename or copy, else the same as `path`. */
  oldPath: string;
  /** Path after the change (for a deletion, the deleted path). */
  path: string;
}

const META = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([ACDMRTUX])(\d{0,3})$/;
const PATCH_HEADER = 'diff --git ';

const malformed = (reason: string): GitError => new GitError(`unexpected git diff output: ${reason}`);

/** Splits the combined output into the raw records and the patch that follows them. */
export function splitRawAndPatch(output: string): { changes: RawChange[]; patch: string } {
  const changes: RawChange[] = [];
  let at = 0;
  const field = (): string => {
    const end = output.indexOf('\0', at);
    if (end < 0) throw malformed(`raw diff record not terminated at offset ${at}`);
    const value = output.slice(at, end);
    at = end + 1;
    return value;
  };
  while (output.startsWith(':', at)) {
    const meta = META.exec(field());
    if (!meta) throw malformed(`unreadable raw diff record at offset ${at}`);
    const [, oldMode = '', newMode = '', oldObject = '', newObject = '', letter = '', score = ''] = meta;
    const status = letter as ChangeStatus;
    const first = field();
    const second = status === 'R' || status === 'C' ? field() : first;
    changes.push({ status, score: score === '' ? null : Number(score), oldMode, newMode, oldObject, newObject, oldPath: first, path: second });
  }
  // git writes one terminator between the raw part and the patch (a NUL under -z).
  if (output.startsWith('\0', at)) at += 1;
  const patch = output.slice(at);
  if (changes.length === 0 && patch !== '') throw malformed('patch without raw records');
  return { changes, patch };
}

/**
 * The patch cut into one piece per `diff --git` header. A header can only start a line: every
 * content line carries a `+`, `-` or space prefix, and git ends lines with `\n` alone, so a `\r`
 * inside a changed line never starts a piece here.
 */
export function splitPatch(patch: string): string[] {
  if (patch === '') return [];
  if (!patch.startsWith(PATCH_HEADER)) throw malformed('patch does not start with a diff --git header');
  const pieces: string[] = [];
  let start = 0;
  for (;;) {
    const next = patch.indexOf(`\n${PATCH_HEADER}`, start);
    if (next < 0) break;
    pieces.push(patch.slice(start, next + 1));
    start = next + 1;
  }
  pieces.push(patch.slice(start));
  return pieces;
}

/**
 * git prints a change between a file, a symlink and a submodule (status T) as a deletion followed
 * by a creation, two patch pieces for one raw record; every other record has exactly one.
 */
export function patchPiecesOf(change: RawChange): 1 | 2 {
  return change.status === 'T' ? 2 : 1;
}
