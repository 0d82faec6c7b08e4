import { spawn } from 'node:child_process';
import { inheritedEnv } from '../config.js';
import { StorageError } from '../errors.js';

/**
 * bsdtar, repo-add and repo-remove as processes with a clean environment (C locale: their messages
 * are matched and shown as is), bounded in time and in output: a hostile package can be a
 * decompression bomb or a tar that never ends, and the caller states what is enough.
 */
export interface ToolOptions {
  /** Output beyond this kills the process: `exceeded` is then set. */
  maxStdoutBytes: number;
  timeoutMs: number;
  cwd?: string;
  env?: Record<string, string>;
}

export interface ToolResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  exceeded: boolean;
  timedOut: boolean;
}

const MAX_STDERR_BYTES = 64 * 1024;

export function runTool(program: string, args: readonly string[], options: ToolOptions): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...inheritedEnv(), LANG: 'C', LC_ALL: 'C', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let exceeded = false;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxStdoutBytes) {
        exceeded = true;
        child.kill('SIGKILL');
      } else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new StorageError(`cannot run ${program} (is it installed?)`, { cause: error }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout), stderr, exceeded, timedOut });
    });
  });
}

/** The last lines of a tool's messages, for an error that names why it failed. */
export function lastLines(text: string, count = 3): string {
  return text
    .trim()
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-count)
    .join(' | ');
}
