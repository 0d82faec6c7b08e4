import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CHILD_HANG_GUARD_MS } from './hang-guard.js';

export interface GitClientResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real git client, as a user runs it (no global config, no prompts). */
export function gitClient(args: readonly string[], cwd: string, protocol?: 0 | 2): Promise<GitClientResult> {
  const config = protocol === undefined ? [] : ['-c', `protocol.version=${protocol}`];
  return new Promise((resolve) => {
    execFile(
      'git',
      [...config, '-c', 'user.name=Tester', '-c', 'user.email=tester@example.org', ...args],
      {
        cwd,
        env: { PATH: process.env['PATH'] ?? '', HOME: os.tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
        timeout: CHILD_HANG_GUARD_MS,
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function revParse(repo: string, rev: string): Promise<string> {
  return (await gitClient(['rev-parse', rev], repo)).stdout.trim();
}
