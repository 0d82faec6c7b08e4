import { gitBuffer } from './run.js';
import type { CommitInfo } from './history.js';

export type BatchObject = { spec: string; id: string; type: string; data: Buffer } | { spec: string; id: null; type: 'missing'; data: null };

/** Reads many objects in one `git cat-file --batch` process. */
export async function readObjects(repo: string, specs: readonly string[]): Promise<BatchObject[]> {
  if (specs.length === 0) return [];
  if (specs.some((spec) => spec.includes('\n'))) throw new Error('object specs cannot contain newlines');
  const output = await gitBuffer(['cat-file', '--batch'], { cwd: repo, input: `${specs.join('\n')}\n`, maxBuffer: 256 * 1024 * 1024 });
  const objects: BatchObject[] = [];
  let offset = 0;
  for (const spec of specs) {
    const end = output.indexOf(0x0a, offset);
    const header = output.subarray(offset, end).toString('utf8');
    offset = end + 1;
    const parts = header.split(' ');
    if (parts.at(-1) === 'missing' || parts.at(-1) === 'ambiguous' || parts.length !== 3) {
      objects.push({ spec, id: null, type: 'missing', data: null });
      continue;
    }
    const size = Number(parts[2]);
    objects.push({ spec, id: parts[0] ?? '', type: parts[1] ?? '', data: output.subarray(offset, offset + size) });
    offset += size + 1;
  }
  return objects;
}

export interface ParsedCommit extends CommitInfo {
  parents: string[];
}

/** Parses a raw commit object (headers, blank line, message); continuation lines of a header are skipped. */
export function parseCommit(id: string, data: Buffer): ParsedCommit {
  const text = data.toString('utf8');
  const split = text.indexOf('\n\n');
  const headers = (split === -1 ? text : text.slice(0, split)).split('\n').filter((line) => !line.startsWith(' '));
  const message = split === -1 ? '' : text.slice(split + 2);
  const person = (key: string) => {
    const line = headers.find((header) => header.startsWith(`${key} `))?.slice(key.length + 1) ?? '';
    const match = /^(.*) <([^>]*)> (\d+) [+-]\d{4}$/.exec(line);
    return { name: match?.[1] ?? '', email: match?.[2] ?? '', date: Number(match?.[3] ?? 0) };
  };
  const author = person('author');
  const committer = person('committer');
  return {
    id,
    // Like git's %s: the first paragraph, its lines joined by spaces.
    subject: (message.split('\n\n')[0] ?? '').replace(/\n/g, ' ').trim(),
    authorName: author.name,
    authorEmail: author.email,
    authorDate: author.date,
    committerName: committer.name,
    committerEmail: committer.email,
    committerDate: committer.date,
    parents: headers.filter((header) => header.startsWith('parent ')).map((header) => header.slice('parent '.length)),
  };
}

/** How many first-parent steps one batch looks back before falling back to `git log`. */
const HISTORY_WINDOW = 50;

export interface RangeAndFile {
  /** base..head, newest first; null when the history is not a plain line within the window (ask git log). */
  commits: ParsedCommit[] | null;
  /** The file at head, or null when head has no such path. */
  file: Buffer | null;
}

/**
 * One git process for what recording a revision needs: the commits of base..head and one file of
 * head. History is walked along first parents; a merge, or a range longer than the window, makes the
 * caller ask `git log` instead, so the list is exact either way.
 */
export async function readRangeAndFile(repo: string, base: string | null, head: string, file: string): Promise<RangeAndFile> {
  const steps = Array.from({ length: HISTORY_WINDOW }, (_, step) => `${head}~${step}`);
  const [blob, ...history] = await readObjects(repo, [`${head}:${file}`, ...steps]);
  const fileData = blob?.type === 'blob' ? blob.data : null;
  const commits: ParsedCommit[] = [];
  for (const object of history) {
    if (object.type !== 'commit' || object.data === null) return { commits: null, file: fileData };
    const id = object.id;
    if (id === base) return { commits, file: fileData };
    const commit = parseCommit(id, object.data);
    if (commit.parents.length > 1) return { commits: null, file: fileData };
    commits.push(commit);
    if (commit.parents.length === 0) return { commits: base === null ? commits : null, file: fileData };
  }
  return { commits: null, file: fileData };
}
