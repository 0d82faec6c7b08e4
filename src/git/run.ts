import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { inheritedEnv } from '../config.js';
import { GitError } from '../errors.js';

/**
 * Git with a clean, predictable environment: no system or global config, no prompts, no pager, and
 * hooks disabled, so a repository's contents can never make git run anything of theirs.
 */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...inheritedEnv(),
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    ...extra,
  };
}

export const SAFE_GIT_ARGS = ['-c', 'core.hooksPath=/dev/null'];

export interface GitRunOptions {
  cwd: string;
  input?: string | Buffer;
  timeoutMs?: number;
  maxBuffer?: number;
  env?: Record<string, string>;
  /** Treat these exit codes as success (e.g. 1 for `merge-base --is-ancestor`). */
  okCodes?: number[];
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function failure(
  args: readonly string[],
  options: GitRunOptions,
  error: (Error & { killed?: boolean; code?: unknown }) | null,
  stderr: string,
): GitError {
  const code = typeof error?.code === 'number' ? error.code : -1;
  const reason = error?.killed ? 'timed out' : stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${code}`;
  return new GitError(`git ${args.slice(0, 3).join(' ')} failed in ${options.cwd}: ${reason}`, { cause: error });
}

function execGit<T extends string | Buffer>(
  args: readonly string[],
  options: GitRunOptions,
  encoding: 'utf8' | 'buffer',
): Promise<{ code: number; stdout: T; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [...SAFE_GIT_ARGS, ...args],
      {
        cwd: options.cwd,
        env: gitEnv(options.env),
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024,
        encoding,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        const errorText = stderr.toString();
        if (code === 0 || options.okCodes?.includes(code)) resolve({ code, stdout: stdout as T, stderr: errorText });
        else reject(failure(args, options, error, errorText));
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs git to completion (for short, bounded output). Failures become GitError with stderr. */
export function git(args: readonly string[], options: GitRunOptions): Promise<GitResult> {
  return execGit<string>(args, options, 'utf8');
}

/** Runs git and returns stdout as bytes (blobs may be binary). */
export async function gitBuffer(args: readonly string[], options: GitRunOptions): Promise<Buffer> {
  return (await execGit<Buffer>(args, options, 'buffer')).stdout;
}

/** Starts git with piped stdio for streaming (serving clones, archives). The caller owns the process. */
export function spawnGit(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): ChildProcess {
  return spawn('git', [...SAFE_GIT_ARGS, ...args], { cwd: options.cwd, env: gitEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface GitStream {
  /** Git's output, to be consumed (and its errors handled) by the caller. */
  stdout: Readable;
  /** Resolves when git exits 0; rejects with a GitError naming the command and its last stderr lines. */
  exited: Promise<void>;
  /** Kills git (after a failure downstream); `exited` then rejects. */
  kill(): void;
}

const STDERR_TAIL_CHARS = 4096;

/**
 * Starts git whose output is too large to buffer (archives, `cat-file --batch`). Input, if any, is
 * written at once; git may exit before reading it all, which its exit status reports, so a broken
 * pipe on stdin is not an error of its own. Stderr keeps only its tail.
 */
export function streamGit(args: readonly string[], options: { cwd: string; input?: string; timeoutMs?: number }): GitStream {
  const child = spawnGit(args, { cwd: options.cwd });
  const { stdin, stdout, stderr } = child as unknown as { stdin: Writable; stdout: Readable; stderr: Readable };
  let errorText = '';
  stderr.on('data', (chunk: Buffer) => (errorText = (errorText + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS)));
  stderr.on('error', () => {});
  stdin.on('error', () => {});
  if (options.input === undefined) stdin.end();
  else stdin.end(options.input);
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), options.timeoutMs ?? 60_000);
  const command = `git ${args.slice(0, 3).join(' ')}`;
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new GitError(`${command} could not start in ${options.cwd}: ${error.message}`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const reason = timedOut ? 'timed out' : errorText.trim().split('\n').slice(-3).join(' | ') || `exit ${code ?? signal}`;
      reject(new GitError(`${command} failed in ${options.cwd}: ${reason}`));
    });
  });
  // A caller that fails downstream first may never await this; its rejection must not go unhandled.
  exited.catch(() => {});
  return { stdout, exited, kill: () => child.kill('SIGKILL') };
}

/**
 * Runs git and, when `signal` aborts, kills it with every process below it: a fetch over http hands
 * the transfer to `git-remote-https`, which killing git alone leaves hanging on a stalled connection,
 * holding git's pipes (and the Node process) open. git stays in its parent's process group, so a
 * sync worker stopped with its group still takes its git processes along. simple-git signals git
 * only and waits for those pipes, so this is written here. Resolves with stderr's tail on exit 0.
 */
export function runGitTree(args: readonly string[], options: { cwd: string; signal: AbortSignal; env?: NodeJS.ProcessEnv }): Promise<string> {
  const command = `git ${withoutConfig(args).slice(0, 3).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...SAFE_GIT_ARGS, ...args], { cwd: options.cwd, env: options.env ?? gitEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let errorText = '';
    child.stderr?.on('data', (chunk: Buffer) => (errorText = (errorText + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS)));
    child.stderr?.on('error', () => {});
    const kill = () => child.pid !== undefined && killTree(child.pid);
    if (options.signal.aborted) kill();
    options.signal.addEventListener('abort', kill, { once: true });
    child.once('error', (error) => {
      options.signal.removeEventListener('abort', kill);
      reject(new GitError(`${command} could not start in ${options.cwd}: ${error.message}`, { cause: error }));
    });
    // 'exit', not 'close': a helper that outlived git would hold the pipe until the tree is gone.
    child.once('exit', (code, signal) => {
      options.signal.removeEventListener('abort', kill);
      child.stderr?.destroy();
      if (code === 0) return resolve(errorText);
      const reason = errorText.trim().split('\n').slice(-3).join(' | ') || `exit ${code ?? signal}`;
      reject(new GitError(`${command} failed in ${options.cwd}: ${reason}`));
    });
  });
}

/**
 * SIGKILLs `root` and its descendants, found through /proc (aurgate runs on Linux; elsewhere only
 * `root` goes). Each is stopped first, so none can start another process or be re-parented away
 * while the tree is read. Runs on a deadline only, so reading /proc synchronously costs nothing.
 */
function killTree(root: number): void {
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // ESRCH: that one is gone already.
    }
  };
  signal(root, 'SIGSTOP');
  // Two reads of /proc: the second finds what a descendant started before it was stopped.
  const tree = new Set([root]);
  for (let pass = 0; pass < 2; pass += 1) {
    const children = childrenByParent();
    for (const pid of tree)
      for (const child of children.get(pid) ?? [])
        if (!tree.has(child)) {
          signal(child, 'SIGSTOP');
          tree.add(child);
        }
  }
  for (const pid of [...tree].reverse()) signal(pid, 'SIGKILL');
}

/** Every process's children, read once from /proc (`pid (comm) state ppid …`). */
function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return children;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // comm may hold spaces and parentheses, so the fields are read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  return children;
}

/** The command and its arguments without leading `-c name=value` pairs, for messages. */
function withoutConfig(args: readonly string[]): readonly string[] {
  let start = 0;
  while (args[start] === '-c') start += 2;
  return args.slice(start);
}
