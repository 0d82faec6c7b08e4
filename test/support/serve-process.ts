import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './harness.js';

export interface ServeProcess {
  url: string;
  pid: number;
  /** Everything the process logged so far (JSON lines on stderr). */
  logs(): string;
  /** True while the process runs. */
  alive(): boolean;
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/**
 * A real `aurgate serve --no-schedule` process on a prepared data dir (the harness's env), on a port
 * of its choosing: its URL is read from its own "aurgate serving" log line. Its memory is its own,
 * which an in-process server's is not.
 */
export async function startServeProcess(env: Record<string, string>, extraArgs: readonly string[] = []): Promise<ServeProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'src/main.ts'), 'serve', '--no-schedule', ...extraArgs],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env, AURGATE_PORT: '0', AURGATE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let logs = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      logs += chunk.toString();
      const line = logs.split('\n').find((text) => text.includes('"msg":"aurgate serving"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`aurgate serve exited (${code}) before serving:\n${logs}`)));
  });
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    url,
    pid: child.pid ?? 0,
    logs: () => logs,
    alive,
    stop: async () => {
      if (!alive()) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** VmRSS (now) and VmHWM (peak) of a process, in MiB, from /proc. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => {
    const value = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    if (value === undefined) throw new Error(`no ${key} in /proc/${pid}/status`);
    return Number(value) / 1024;
  };
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}
