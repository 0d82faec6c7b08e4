import { readObjects } from '../git/batch.js';
import { listTree, type TreeEntry } from '../git/history.js';
import type { CommitFiles, RevisionFiles } from '../review/risk/index.js';

/** Like git: a NUL byte in the first 8000 bytes makes a file binary. */
const BINARY_PROBE_BYTES = 8000;
/** Larger files are not read: the risk checks only need their size, and nobody reviews them as text. */
const MAX_TEXT_BYTES = 2 * 1024 * 1024;
/** An AUR repository holds a handful of files; a tree far beyond that is itself suspicious. */
const MAX_FILES = 500;

export function isBinary(content: Buffer): boolean {
  return content.subarray(0, BINARY_PROBE_BYTES).includes(0);
}

/**
 * The files of one commit of a mirror repo, as the risk checks take them: the tree listing and every
 * blob small enough to read, through one `git cat-file --batch` rather than a git process per file.
 */
export async function loadRevisionFiles(repo: string, commit: string): Promise<RevisionFiles> {
  const entries = (await listTree(repo, commit)).filter((entry) => entry.type === 'blob').slice(0, MAX_FILES);
  const readable = entries.filter((entry) => entry.size <= MAX_TEXT_BYTES);
  const blobs = new Map(
    (
      await readObjects(
        repo,
        readable.map((entry) => entry.object),
        { maxObjectBytes: MAX_TEXT_BYTES },
      )
    ).map((object) => [object.spec, object.data]),
  );
  return filesOf(entries, blobs);
}

/** How much of a reviewed range is read for the per-commit analysis (see loadCommitRange). */
export interface RangeLimits {
  /** At most this many commits, the newest ones (the ones nearest the candidate). */
  maxCommits: number;
  /** Distinct file contents the range adds to base and candidate, in bytes; older commits past it are left out. */
  maxBytes: number;
}

/**
 * The files of the commits an assessment reads, from one mirror repo: the `required` ones (base and
 * candidate) always, and of the reviewed `range` (oldest first) the newest that fit the limits (the
 * oldest go first when they cut). One `ls-tree` per commit, then every distinct blob once through a
 * single `cat-file --batch`: consecutive commits share nearly all their files, and each git process
 * costs more than the reading. Files are read exactly as loadRevisionFiles reads them.
 */
export async function loadCommitFiles(
  repo: string,
  required: readonly string[],
  range: readonly string[],
  limits: RangeLimits,
): Promise<{ required: RevisionFiles[]; range: CommitFiles[] }> {
  const blobsOf = async (commit: string) => (await listTree(repo, commit)).filter((entry) => entry.type === 'blob').slice(0, MAX_FILES);
  const sizes = new Map<string, number>();
  const want = (entries: readonly TreeEntry[]) => {
    const fresh = entries.filter((entry) => entry.size <= MAX_TEXT_BYTES && !sizes.has(entry.object));
    for (const entry of fresh) sizes.set(entry.object, entry.size);
    return fresh.reduce((sum, entry) => sum + entry.size, 0);
  };
  const requiredEntries = await Promise.all(required.map(blobsOf));
  for (const entries of requiredEntries) want(entries);
  const listed: Array<{ commit: string; entries: TreeEntry[] }> = [];
  let bytes = 0;
  for (const commit of range.slice(-limits.maxCommits).reverse()) {
    const entries = await blobsOf(commit);
    const added = entries.filter((entry) => entry.size <= MAX_TEXT_BYTES && !sizes.has(entry.object)).reduce((sum, entry) => sum + entry.size, 0);
    if (bytes + added > limits.maxBytes) break;
    bytes += want(entries);
    listed.push({ commit, entries });
  }
  const blobs = new Map((await readObjects(repo, [...sizes.keys()], { maxObjectBytes: MAX_TEXT_BYTES })).map((object) => [object.spec, object.data]));
  return {
    required: requiredEntries.map((entries) => filesOf(entries, blobs)),
    range: listed.reverse().map(({ commit, entries }) => ({ commit, files: filesOf(entries, blobs) })),
  };
}

function filesOf(entries: readonly TreeEntry[], blobs: ReadonlyMap<string, Buffer | null>): RevisionFiles {
  const files: RevisionFiles['files'] = new Map();
  for (const entry of entries) {
    const content = blobs.get(entry.object);
    if (!content) files.set(entry.path, { text: null, size: entry.size });
    else files.set(entry.path, { text: isBinary(content) ? null : content.toString('utf8'), size: content.length });
  }
  return { files };
}

export interface FileContent {
  path: string;
  size: number;
  /** null for a binary or oversized file. */
  lines: string[] | null;
}

/**
 * One file of a commit for the per-file view, read by its blob id from the tree listing rather than
 * as `<commit>:<path>`, so a name git could only give us lossily (not UTF-8) still opens.
 */
export async function loadFile(repo: string, entry: Pick<TreeEntry, 'path' | 'object' | 'size'>): Promise<FileContent | null> {
  if (entry.size > MAX_TEXT_BYTES) return { path: entry.path, size: entry.size, lines: null };
  const [object] = await readObjects(repo, [entry.object]);
  const content = object?.type === 'blob' ? object.data : null;
  if (!content) return null;
  if (isBinary(content)) return { path: entry.path, size: content.length, lines: null };
  const text = content.toString('utf8');
  return { path: entry.path, size: content.length, lines: (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n') };
}
