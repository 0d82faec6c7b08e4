import { GitError } from '../errors.js';
import { spawnGit } from './run.js';

export interface GrepMatch {
  commit: string;
  path: string;
  line: number;
  /** The matching line, cut at `maxLineChars`. */
  text: string;
}

export interface GrepOptions {
  /** Fixed strings (case-insensitive) or one extended regular expression (POSIX ERE, evaluated by git). */
  mode: 'fixed' | 'regex';
  patterns: readonly string[];
  commits: readonly string[];
  maxMatches: number;
  maxLineChars: number;
  timeoutMs: number;
}

export interface GrepResult {
  matches: GrepMatch[];
  /** True when the match limit cut the output. */
  truncated: boolean;
}

/** Git's own output is capped too: lines beyond this are never read into memory. */
const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

/**
 * `git grep` over recorded commits of a bare mirror repo: text files only, patterns on stdin (never on
 * the command line, so no pattern is read as an option), NUL-separated output parsed line by line.
 * The pattern runs in git's process under a wall-clock timeout, so an expensive regular expression
 * costs a killed child process, never the server's event loop. Exit 1 (no match) is an empty result.
 */
export function grepCommits(repo: string, options: GrepOptions): Promise<GrepResult> {
  if (options.commits.length === 0 || options.patterns.length === 0) return Promise.resolve({ matches: [], truncated: false });
  const flags = options.mode === 'fixed' ? ['-F', '-i'] : ['-E'];
  const args = ['grep', '-I', '-n', '-z', '--no-color', '--full-name', ...flags, '-f', '-', ...options.commits, '--'];
  const child = spawnGit(args, { cwd: repo });
  return new Promise((resolve, reject) => {
    const matches: GrepMatch[] = [];
    let pending = Buffer.alloc(0);
    let bytes = 0;
    let truncated = false;
    let stopped = false;
    let stderr = '';
    const stop = () => {
      stopped = true;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      if (!stopped) reject(new GitError(`git grep timed out after ${options.timeoutMs} ms in ${repo}`));
      stop();
    }, options.timeoutMs);
    child.stdin?.on('error', () => {});
    child.stdin?.end(`${options.patterns.join('\n')}\n`);
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stopped) return;
      bytes += chunk.length;
      pending = Buffer.concat([pending, chunk]);
      let newline = pending.indexOf(0x0a);
      while (newline >= 0 && !stopped) {
        const match = parseLine(pending.subarray(0, newline), options.maxLineChars);
        pending = pending.subarray(newline + 1);
        if (match) matches.push(match);
        if (matches.length >= options.maxMatches) {
          truncated = true;
          stop();
        }
        newline = pending.indexOf(0x0a);
      }
      if (bytes > MAX_OUTPUT_BYTES && !stopped) {
        truncated = true;
        stop();
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new GitError(`git grep could not start in ${repo}: ${error.message}`, { cause: error }));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (truncated || code === 0 || code === 1) return resolve({ matches, truncated });
      if (!stopped) reject(new GitError(`git grep failed in ${repo}: ${stderr.trim().split('\n').slice(-2).join(' | ') || `exit ${code}`}`));
    });
  });
}

/** `<commit>:<path>\0<line>\0<text>`; the commit is 40 hex digits, so the path is never split on a colon of its own. */
function parseLine(raw: Buffer, maxLineChars: number): GrepMatch | null {
  const first = raw.indexOf(0);
  const second = first < 0 ? -1 : raw.indexOf(0, first + 1);
  if (second < 0) return null;
  const location = raw.subarray(0, first).toString('utf8');
  const commit = location.slice(0, 40);
  if (!/^[0-9a-f]{40}$/.test(commit) || location[40] !== ':') return null;
  const line = Number(raw.subarray(first + 1, second).toString('latin1'));
  const text = raw.subarray(second + 1).toString('utf8');
  return {
    commit,
    path: location.slice(41),
    line: Number.isInteger(line) ? line : 0,
    text: text.length > maxLineChars ? `${text.slice(0, maxLineChars)}…` : text,
  };
}
