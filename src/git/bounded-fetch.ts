import { readdir, rm, stat } from 'node:fs/promises';
import { directorySize } from '../dir-size.js';
import path from 'node:path';
import { describeError } from '../errors.js';
import { readRef } from './refs.js';
import { git, gitEnv, runGitTree } from './run.js';

export interface FetchBounds {
  timeoutMs: number;
  /** Cap of the repo's object store after the fetch, and of the pack while it arrives. */
  maxBytes: number;
}

/** The fetch stopped: `message` is git's or the watcher's reason, `overCap` whether the cap did it. */
export class FetchFailed extends Error {
  constructor(
    message: string,
    readonly overCap: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Fetches `refspec` from `url` into `repo` within a time and byte bound. A watcher aborts git once the
 * incoming pack passes the cap; a fetch too quick for it to catch is undone afterwards: `targetRef`
 * goes back to what it was, the objects are pruned, and the fetch fails as over the cap.
 */
export async function fetchWithinBounds(repo: string, url: string, refspec: string, targetRef: string, bounds: FetchBounds): Promise<void> {
  const before = await readRef(repo, targetRef);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${bounds.timeoutMs} ms`)), bounds.timeoutMs);
  let overCap = false;
  const watcher = setInterval(() => {
    void incomingBytes(repo).then((bytes) => {
      if (bytes <= bounds.maxBytes) return;
      overCap = true;
      controller.abort(new Error(`pack larger than the ${bounds.maxBytes}-byte cap`));
    });
  }, 100);
  try {
    await runGitTree(fetchArgs(url, refspec, bounds), { cwd: repo, signal: controller.signal, env: gitEnv() });
  } catch (error) {
    const reason = controller.signal.aborted ? describeError(controller.signal.reason) : describeError(error);
    // git killed mid-pack may have kept part of it: nothing of an over-cap fetch stays.
    if (overCap) await undoFetch(repo, targetRef, before, bounds);
    throw new FetchFailed(reason, overCap, { cause: error });
  } finally {
    clearTimeout(timer);
    clearInterval(watcher);
  }
  const size = await directorySize(path.join(repo, 'objects'));
  if (size <= bounds.maxBytes) return;
  await undoFetch(repo, targetRef, before, bounds);
  throw new FetchFailed(`the repository takes ${size} bytes, more than the ${bounds.maxBytes}-byte cap`, true);
}

/** Puts `targetRef` back and drops every object nothing refers to, half-written and kept packs included. */
async function undoFetch(repo: string, targetRef: string, before: string | null, bounds: FetchBounds): Promise<void> {
  if (before) await git(['update-ref', targetRef, before], { cwd: repo });
  else await git(['update-ref', '-d', targetRef], { cwd: repo, okCodes: [1] });
  const packDir = path.join(repo, 'objects', 'pack');
  // A fetch keeps its pack (`.keep`) until its refs are written; killed before that, the pack stays kept,
  // and repack would keep it. No pack in these repos is kept for any other reason.
  for (const entry of await readdir(packDir).catch(() => []))
    if (entry.startsWith('tmp_') || entry.endsWith('.keep')) await rm(path.join(packDir, entry), { force: true });
  await git(['repack', '-a', '-d', '-q'], { cwd: repo, timeoutMs: bounds.timeoutMs });
  await git(['prune', '--expire=now'], { cwd: repo });
}

function fetchArgs(url: string, refspec: string, bounds: FetchBounds): string[] {
  // Seconds below which a stalled transfer ends git's own helper even if this process dies first.
  const stallSeconds = String(Math.max(1, Math.ceil(bounds.timeoutMs / 1000)));
  return [
    '-c',
    'protocol.version=2',
    // Every fetch stays one pack (`tmp_pack_*` while it arrives), which the watcher measures; loose
    // objects it would miss.
    '-c',
    'fetch.unpackLimit=1',
    '-c',
    'transfer.unpackLimit=1',
    '-c',
    'http.lowSpeedLimit=1',
    '-c',
    `http.lowSpeedTime=${stallSeconds}`,
    'fetch',
    '--quiet',
    '--no-tags',
    '--no-write-fetch-head',
    url,
    refspec,
  ];
}

async function incomingBytes(repo: string): Promise<number> {
  const packDir = path.join(repo, 'objects', 'pack');
  let total = 0;
  try {
    for (const entry of await readdir(packDir)) {
      if (entry.startsWith('tmp_')) total += (await stat(path.join(packDir, entry))).size;
    }
  } catch {
    // The pack directory appears only once git writes the first pack; nothing incoming yet.
  }
  return total;
}
