import { execFile } from 'node:child_process';
import { Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { runCli as runCliProgram } from '../../src/cli/program.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../src/config.js';
import { Aurgate } from '../../src/compose.js';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import type { SyncPlacement } from '../../src/scheduler/sync-runner.js';
import { freePort } from './ports.js';
import { CHILD_HANG_GUARD_MS } from './hang-guard.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(REPO_ROOT, 'src/main.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Harness {
  dataDir: string;
  env: Record<string, string>;
  config: Config;
  app: Aurgate;
  /**
   * Runs the CLI (`aurgate <args>`) on the same data dir, in this process through the same entry as
   * bin/aurgate.js (a Node start per command costs seconds); `input` is its stdin.
   */
  cli(args: readonly string[], extraEnv?: Record<string, string>, input?: string): Promise<CliResult>;
  /** The same as a separate process of the real binary: for what only a process shows (exit, signals, locks by pid). */
  cliProcess(args: readonly string[], extraEnv?: Record<string, string>, input?: string): Promise<CliResult>;
  /**
   * Starts the HTTP server in this process (no schedule) and returns its base URL. Its syncs run in
   * this process unless `syncIn: 'worker'`: the worker runs the same `app.sync`, and starting a Node
   * process per sync costs seconds; test/sync-worker.test.ts and ops-docker prove the worker path.
   */
  serve(options?: { syncIn?: SyncPlacement }): Promise<string>;
  server: RunningServer | undefined;
  close(): Promise<void>;
}

/**
 * A real aurgate on a fresh temporary data dir (real SQLite file, real git repos) pointed at an
 * upstream URL. Upstream and git timeouts stay at their production values: shorter ones failed on a
 * loaded machine, and a test that needs a timeout to fire sets its own for just that step.
 */
export async function startAurgate(options: { upstreamUrl: string; env?: Record<string, string> }): Promise<Harness> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'aurgate-test-'));
  const env: Record<string, string> = {
    AURGATE_DATA_DIR: dataDir,
    AURGATE_UPSTREAM_URL: options.upstreamUrl,
    AURGATE_PORT: '0',
    AURGATE_LOG_LEVEL: 'warn',
    // The suite shares a loaded machine with work at normal priority: a niced sync worker would only
    // be starved, and the tests slow. test/sync-worker.test.ts checks that the setting is applied.
    AURGATE_SYNC_WORKER_NICE: '0',
    ...options.env,
  };
  const config = loadConfig(env);
  const app = new Aurgate(config, createLogger(config.logLevel, { process: 'test' }));
  const harness: Harness = {
    dataDir,
    env,
    config,
    app,
    server: undefined,
    cli: (args, extraEnv = {}, input = '') => runCliInProcess(args, { ...env, ...extraEnv }, input),
    cliProcess: (args, extraEnv = {}, input = '') => runCli(args, { ...env, ...extraEnv }, input),
    serve: async (options = {}) => {
      harness.server ??= await startServer(app, { schedule: false, port: 0, syncIn: options.syncIn ?? 'in-process' });
      return harness.server.url;
    },
    close: async () => {
      await harness.server?.close(2000);
      app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The CLI program in this process with its own environment, captured output and a non-terminal stdin. */
export async function runCliInProcess(args: readonly string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const capture = (append: (text: string) => void) => ({ write: (text: string) => (append(text), true), isTTY: false });
  const io: CliIo = {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdout: capture((text) => (stdout += text)),
    stderr: capture((text) => (stderr += text)),
    stdin: Readable.from([Buffer.from(input)]),
    exitCode: 0,
    logDestination: capture((text) => (stderr += text)),
  };
  const code = await runCliProgram(args, io);
  return { code, stdout, stderr };
}

/** The real binary's entry as a separate Node process. */
export function runCli(args: readonly string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
        timeout: CHILD_HANG_GUARD_MS,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    // Always closed: a command that reads a password from stdin gets `input`, never a pipe left open;
    // a command that exits without reading makes the write fail with EPIPE, which is no test failure.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/**
 * An aurgate serving at a public URL known before it starts (lock files and attestations name it):
 * a port that was free a moment ago. Another process (a second copy of the suite) may take it in
 * between; then the data dir is dropped and another port tried.
 */
export async function startPublicAurgate(options: { upstreamUrl: string; env?: Record<string, string> }): Promise<Harness & { url: string }> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const harness = await startAurgate({
      upstreamUrl: options.upstreamUrl,
      env: { ...options.env, AURGATE_PORT: String(port), AURGATE_PUBLIC_URL: `http://127.0.0.1:${port}` },
    });
    try {
      harness.server = await startServer(harness.app, { schedule: false, port });
      return Object.assign(harness, { url: harness.server.url });
    } catch (error) {
      await harness.close();
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw error;
    }
  }
}
