import { GitError } from '../errors.js';
import { MAX_SRCINFO_BYTES } from '../srcinfo/parse.js';
import { streamGit } from './run.js';
import type { CommitInfo } from './history.js';

/** An object read by `cat-file --batch`; `data` is null when it is larger than the caller reads. */
export type BatchObject =
  { spec: string; id: string; type: string; size: number; data: Buffer | null } | { spec: string; id: null; type: 'missing'; size: null; data: null };

/** An object header is `<id> <type> <size>` or `<spec> missing`; a spec is a revision and a path. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Unless the caller says otherwise, an object larger than this is skipped rather than read. */
const DEFAULT_MAX_OBJECT_BYTES = 64 * 1024 * 1024;

interface Reading {
  spec: string;
  id: string;
  type: string;
  size: number;
  /** null while skipping an object too large to keep. */
  chunks: Buffer[] | null;
  /** Bytes still to come: the rest of the content and its terminating newline. */
  remaining: number;
}

/**
 * Parses `cat-file --batch` output as it arrives: a header line per spec, then that many bytes of
 * content and a newline. Objects over the size limit are counted past, never held.
 */
class BatchParser {
  readonly objects: BatchObject[] = [];
  private header: Buffer[] = [];
  private headerBytes = 0;
  private reading: Reading | null = null;

  constructor(
    private readonly specs: readonly string[],
    private readonly maxObjectBytes: number,
  ) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.reading) {
        offset = this.content(chunk, offset);
        continue;
      }
      const newline = chunk.indexOf(0x0a, offset);
      const end = newline === -1 ? chunk.length : newline;
      this.header.push(chunk.subarray(offset, end));
      this.headerBytes += end - offset;
      if (this.headerBytes > MAX_HEADER_BYTES) throw new GitError('git cat-file --batch wrote an overlong header line');
      if (newline === -1) return;
      offset = newline + 1;
      this.startObject(Buffer.concat(this.header).toString('utf8'));
      this.header = [];
      this.headerBytes = 0;
    }
  }

  finish(): BatchObject[] {
    if (this.reading || this.headerBytes > 0 || this.objects.length !== this.specs.length) {
      throw new GitError(`git cat-file --batch ended after ${this.objects.length} of ${this.specs.length} objects`);
    }
    return this.objects;
  }

  private startObject(header: string): void {
    const spec = this.specs[this.objects.length];
    if (spec === undefined) throw new GitError('git cat-file --batch wrote more objects than asked for');
    const parts = header.split(' ');
    if (parts.at(-1) === 'missing' || parts.at(-1) === 'ambiguous' || parts.length !== 3) {
      this.objects.push({ spec, id: null, type: 'missing', size: null, data: null });
      return;
    }
    const size = Number(parts[2]);
    if (!Number.isSafeInteger(size) || size < 0) throw new GitError(`git cat-file --batch wrote a bad header: ${header.slice(0, 200)}`);
    const keep = size <= this.maxObjectBytes;
    this.reading = { spec, id: parts[0] ?? '', type: parts[1] ?? '', size, chunks: keep ? [] : null, remaining: size + 1 };
  }

  /** Takes content bytes of the object being read from chunk at offset; returns the offset after them. */
  private content(chunk: Buffer, offset: number): number {
    const reading = this.reading as Reading;
    const take = Math.min(reading.remaining, chunk.length - offset);
    reading.chunks?.push(chunk.subarray(offset, offset + take));
    reading.remaining -= take;
    if (reading.remaining === 0) {
      // The last byte taken is the newline after the content.
      const data = reading.chunks ? Buffer.concat(reading.chunks).subarray(0, reading.size) : null;
      this.objects.push({ spec: reading.spec, id: reading.id, type: reading.type, size: reading.size, data });
      this.reading = null;
    }
    return offset + take;
  }
}

/**
 * Reads many objects in one `git cat-file --batch` process, parsing its output as it streams; objects
 * larger than `maxObjectBytes` come back with their size but without data, and are never held whole.
 */
export async function readObjects(repo: string, specs: readonly string[], options: { maxObjectBytes?: number } = {}): Promise<BatchObject[]> {
  if (specs.length === 0) return [];
  if (specs.some((spec) => spec.includes('\n'))) throw new Error('object specs cannot contain newlines');
  const parser = new BatchParser(specs, options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES);
  const git = streamGit(['cat-file', '--batch'], { cwd: repo, input: `${specs.join('\n')}\n` });
  try {
    for await (const chunk of git.stdout) parser.push(chunk as Buffer);
  } catch (error) {
    git.kill();
    throw error;
  }
  await git.exited;
  return parser.finish();
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
  /** The file at head, or null when head has no such path or it is larger than MAX_SRCINFO_BYTES. */
  file: Buffer | null;
  /** The size of the file at head, null when head has no such path. */
  fileSize: number | null;
}

/**
 * One git process for what recording a revision needs: the commits of base..head and one file of
 * head (the .SRCINFO: one larger than the parser accepts is not read). History is walked along first parents; a merge, or a range longer than the window, makes the
 * caller ask `git log` instead, so the list is exact either way.
 */
export async function readRangeAndFile(repo: string, base: string | null, head: string, file: string): Promise<RangeAndFile> {
  const steps = Array.from({ length: HISTORY_WINDOW }, (_, step) => `${head}~${step}`);
  const [blob, ...history] = await readObjects(repo, [`${head}:${file}`, ...steps], { maxObjectBytes: MAX_SRCINFO_BYTES });
  const read = { file: blob?.type === 'blob' ? blob.data : null, fileSize: blob?.type === 'blob' ? blob.size : null };
  const commits: ParsedCommit[] = [];
  for (const object of history) {
    if (object.type !== 'commit' || object.data === null) return { commits: null, ...read };
    const id = object.id;
    if (id === base) return { commits, ...read };
    const commit = parseCommit(id, object.data);
    if (commit.parents.length > 1) return { commits: null, ...read };
    commits.push(commit);
    if (commit.parents.length === 0) return { commits: base === null ? commits : null, ...read };
  }
  return { commits: null, ...read };
}
