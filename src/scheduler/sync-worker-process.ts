import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Config } from '../config.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SyncOptions } from '../sync/run.js';
import type { SyncSummary } from '../sync/runs.js';
import { errorFromWorker, workerMessageSchema, type RunRequest, type WorkerMessage } from '../sync/worker-protocol.js';

/** Of the worker's stderr (its log lines, or a crash's stack), this much is kept for the failure log. */
const STDERR_TAIL_BYTES = 8 * 1024;
/** A stopped worker gets this long after SIGTERM (git cleans up its lock files) before SIGKILL. */
const KILL_AFTER_MS = 5_000;
/** A worker that reported its outcome but does not exit within this long is stopped. */
const EXIT_AFTER_OUTCOME_MS = 10_000;

export interface WorkerDeps {
  config: Config;
  logger: Logger;
  /** Aborting it stops the worker: SIGTERM to it and its git processes, SIGKILL if they linger. */
  signal?: AbortSignal;
  /** Called once a worker is gone without an outcome: closes its run if it held the sync lock; runs closed, or null. */
  recover: (pid: number) => number | null;
}

/** The sync worker died, or was stopped, without reporting an outcome. */
export class SyncWorkerFailed extends Error {
  constructor(
    message: string,
    readonly exit: { code: number | null; signal: NodeJS.Signals | null },
    /** True when it was stopped on purpose (shutdown), not a crash. */
    readonly stopped: boolean,
    /** The last lines the worker wrote to stderr. */
    readonly stderrTail: string,
  ) {
    super(message);
    this.name = 'SyncWorkerFailed';
  }
}

/**
 * How to start the worker: this very code base, as the server runs it. The compiled build (dist/)
 * runs main.js; the TypeScript sources (bin/aurgate.js without a build, `node --import tsx`, the test
 * runner) run main.ts through tsx's loader, named by its resolved path so the worker's working
 * directory does not matter. The server's own execArgv is not passed on: an --inspect port would
 * clash, and the loader is already decided by this file's extension.
 */
export function workerCommand(moduleUrl: string = import.meta.url): { file: string; args: string[] } {
  const fromSources = moduleUrl.endsWith('.ts');
  const main = fileURLToPath(new URL(fromSources ? '../main.ts' : '../main.js', moduleUrl));
  const loader = fromSources ? ['--import', pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href] : [];
  return { file: process.execPath, args: [...loader, main, 'sync-worker'] };
}

/** The last `max` bytes of a stream, for an error message (a worker's output is never held whole). */
class Tail {
  private text = '';
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-this.max);
  }
  toString(): string {
    return this.text.trim();
  }
}

/**
 * Clients come first: the worker and the git processes it starts (which inherit it) run at a lower
 * CPU priority (AURGATE_SYNC_WORKER_NICE), so on a busy machine the sync takes longer rather than the server answering later.
 * Where the kernel groups processes by session for scheduling (autogroup, outside a cpu cgroup), the
 * worker's new session is a group of its own, whose weight is set separately. Both only lower a
 * priority, which needs no privilege; where neither applies, nothing changes.
 */
function deprioritize(pid: number, nice: number): void {
  try {
    setPriority(pid, nice);
  } catch {
    // Not permitted or not supported: the sync runs at normal priority.
  }
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // No autogroup scheduling here (another OS, or a kernel without it).
  }
}

/** Signals the worker's process group: the worker and the git processes it started. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing of the group is left.
  }
}

/**
 * Runs one sync in a child process, the server's sync worker (`aurgate sync-worker`), and resolves
 * with its summary: the sync's work and every git process it starts then block the worker's event
 * loop, never the server's (starting a process blocks its parent for a time that grows with the
 * parent's memory). The run's start, progress and events come back over IPC to the callbacks in
 * `options`. A busy lock rejects with Busy as an in-process sync does; a worker that dies (crash,
 * kill, stop) rejects with SyncWorkerFailed after `recover` closed its run.
 */
export function runSyncInWorker(options: SyncOptions, deps: WorkerDeps): Promise<SyncSummary> {
  return new Promise((resolve, reject) => new WorkerRun(options, deps, resolve, reject).start());
}

type Outcome = Extract<WorkerMessage, { type: 'summary' | 'failed' }>;

/** One worker process from spawn to exit; settles its promise exactly once, after the process is gone. */
class WorkerRun {
  private readonly child: ChildProcess;
  private readonly tail = new Tail(STDERR_TAIL_BYTES);
  private readonly timers: NodeJS.Timeout[] = [];
  private outcome: Outcome | null = null;
  private protocolError: string | null = null;
  private stopped = false;
  private finished = false;
  private readonly onAbort = (): void => this.stop('stopped');

  constructor(
    private readonly options: SyncOptions,
    private readonly deps: WorkerDeps,
    private readonly resolve: (summary: SyncSummary) => void,
    private readonly reject: (error: Error) => void,
  ) {
    const { file, args } = workerCommand();
    // Its own process group (detached), so the worker and its git processes are stopped together,
    // and a terminal's Ctrl-C reaches only the server, which decides what happens to the sync.
    this.child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true, serialization: 'json' });
    if (this.child.pid !== undefined) deprioritize(this.child.pid, deps.config.syncWorkerNice);
  }

  start(): void {
    const { child, deps } = this;
    child.stderr?.on('data', (chunk: Buffer) => {
      // Passed on as it comes (pino writes whole lines), so the worker's log joins the server's.
      process.stderr.write(chunk);
      this.tail.push(chunk);
    });
    child.stderr?.on('error', () => undefined); // the pipe ends with the worker; its exit is what counts
    child.on('message', (raw: unknown) => this.receive(raw));
    child.on('error', (error) => {
      // Spawning failed (no 'close' follows), or a signal or message could not be delivered.
      if (child.pid === undefined) this.finish(null, null, `could not start: ${error.message}`);
      else deps.logger.warn({ err: error.message, pid: child.pid }, 'sync worker: IPC or signal error');
    });
    child.on('close', (code, signal) => this.finish(code, signal, null));
    if (child.pid === undefined) return; // 'error' follows and settles
    if (deps.signal?.aborted) return this.stop('stopped');
    deps.signal?.addEventListener('abort', this.onAbort, { once: true });
    child.send(this.request(), (error) => {
      if (!error) return;
      this.protocolError ??= `could not be sent its work: ${error.message}`;
      this.stop('protocol');
    });
  }

  private request(): RunRequest {
    const { only, full, trigger, onProgress } = this.options;
    return {
      type: 'run',
      config: this.deps.config,
      options: { ...(only ? { only: [...only] } : {}), ...(full !== undefined ? { full } : {}), trigger },
      progress: onProgress !== undefined,
    };
  }

  private receive(raw: unknown): void {
    const parsed = workerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.protocolError ??= `sent an unreadable message: ${parsed.error.message.slice(0, 500)}`;
      return this.stop('protocol');
    }
    const message = parsed.data;
    if (message.type === 'summary' || message.type === 'failed') {
      this.outcome = message;
      this.timers.push(setTimeout(() => this.stop('lingering'), EXIT_AFTER_OUTCOME_MS));
      return;
    }
    try {
      if (message.type === 'started') this.options.onStarted?.(message.runId);
      else if (message.type === 'progress') this.options.onProgress?.(message.done, message.total, message.pkgbase);
      else this.options.onEvent?.(message.event);
    } catch (error) {
      // A caller's callback must not take the server down with it.
      this.deps.logger.error({ err: describeError(error), message: message.type }, 'sync worker: a callback failed');
    }
  }

  private stop(reason: 'stopped' | 'protocol' | 'lingering'): void {
    this.stopped ||= reason === 'stopped';
    signalGroup(this.child, 'SIGTERM');
    this.timers.push(setTimeout(() => signalGroup(this.child, 'SIGKILL'), KILL_AFTER_MS));
  }

  private finish(code: number | null, signal: NodeJS.Signals | null, spawnError: string | null): void {
    if (this.finished) return;
    this.finished = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.deps.signal?.removeEventListener('abort', this.onAbort);
    // Whatever the worker left behind (a git process it started, if it was killed) goes too.
    signalGroup(this.child, 'SIGTERM');
    const outcome: Outcome | null = this.protocolError === null ? this.outcome : null;
    if (outcome?.type === 'summary') return this.resolve(outcome.summary);
    const interrupted = this.child.pid === undefined ? null : this.deps.recover(this.child.pid);
    if (outcome?.type === 'failed') return this.reject(errorFromWorker(outcome.code, outcome.message));
    this.reject(this.failure(code, signal, spawnError, interrupted));
  }

  private failure(code: number | null, signal: NodeJS.Signals | null, spawnError: string | null, interrupted: number | null): SyncWorkerFailed {
    const how = this.stopped
      ? 'was stopped'
      : (spawnError ?? this.protocolError ?? (signal ? `was killed by ${signal}` : `exited with code ${code}`));
    const runs = interrupted === null ? '' : ` (${interrupted} running sync run${interrupted === 1 ? '' : 's'} recorded as interrupted)`;
    const error = new SyncWorkerFailed(`the sync worker ${how}${runs}`, { code, signal }, this.stopped, this.tail.toString());
    const details = { pid: this.child.pid, exitCode: code, signal, stderr: error.stderrTail, trigger: this.options.trigger };
    if (this.stopped) this.deps.logger.warn(details, error.message);
    else this.deps.logger.error(details, error.message);
    return error;
  }
}
