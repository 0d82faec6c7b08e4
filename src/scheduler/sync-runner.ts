import { setTimeout as sleep } from 'node:timers/promises';
import { closeAbandonedSync, notifyAbandonedSync } from '../app/sync.js';
import type { Aurgate } from '../compose.js';
import { Busy, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SyncOptions } from '../sync/run.js';
import type { SyncSummary } from '../sync/runs.js';
import { runSyncInWorker, SyncWorkerFailed } from './sync-worker-process.js';

export type StartOutcome = { started: true } | { started: false; reason: string };

/** Runs one whole sync (fetch, record, assess, notify); `stop` aborts when the server shuts down and the sync outlasted the grace period. */
export type SyncLauncher = (options: SyncOptions, stop: AbortSignal) => Promise<SyncSummary>;

/** Where the server's syncs run: a worker process (the default), or this process (tests and the bench's baseline). */
export type SyncPlacement = 'worker' | 'in-process';

/**
 * The sync use case for `aurgate serve`. In a worker process, which sends the sync's notifications
 * itself; a worker that dies is closed and announced from here, as its own notifications cannot be:
 * the server outlives it. In this process, the sync cannot be stopped and shutdown waits for it.
 */
export function syncLauncher(app: Aurgate, placement: SyncPlacement): SyncLauncher {
  if (placement === 'in-process') return (options) => app.sync(options);
  return async (options, stop) => {
    try {
      return await runSyncInWorker(options, {
        config: app.config,
        logger: app.logger,
        signal: stop,
        recover: (pid) => closeAbandonedSync(app, pid),
      });
    } catch (error) {
      if (error instanceof SyncWorkerFailed && !error.stopped) await notifyAbandonedSync(app, error.message);
      throw error;
    }
  };
}

/**
 * Runs syncs for this server process: the scheduled ones and those started from the web admin, which
 * run in the background (a sync can take minutes; the page answers at once and the sync page shows the
 * run). The cross-process sync lock still decides who runs: a CLI sync in progress makes these busy.
 */
export class SyncRunner {
  private current: Promise<SyncSummary> | null = null;
  private closing = false;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: { sync: SyncLauncher; logger: Logger }) {}

  get running(): boolean {
    return this.current !== null;
  }

  /** A sync in the foreground (the scheduler awaits it); Busy when one is already running. */
  run(options: SyncOptions): Promise<SyncSummary> {
    if (this.closing) return Promise.reject(new Busy('the server is shutting down'));
    if (this.current) return Promise.reject(new Busy('a sync started by this server is still running'));
    const run = this.deps.sync(options, this.stopping.signal);
    this.current = run;
    const clear = (): void => void (this.current === run && (this.current = null));
    run.then(clear, clear);
    return run;
  }

  /**
   * Starts a sync without waiting for it: "started" once the run holds the sync lock, or why not
   * (busy, or it failed before it began). A run that fails later is logged.
   */
  async start(options: SyncOptions): Promise<StartOutcome> {
    let began: (outcome: StartOutcome) => void = () => undefined;
    const started = new Promise<StartOutcome>((resolve) => (began = resolve));
    const run = this.run({
      ...options,
      onStarted: (runId) => {
        options.onStarted?.(runId);
        began({ started: true });
      },
    });
    const ended = run.then(
      (): StartOutcome => ({ started: true }),
      (error: unknown): StartOutcome => {
        if (error instanceof Busy) return { started: false, reason: error.message };
        // A dead worker was logged with its details where it died.
        if (!(error instanceof SyncWorkerFailed))
          this.deps.logger.error({ err: describeError(error), trigger: options.trigger }, 'background sync failed');
        return { started: false, reason: `the sync failed: ${describeError(error)}` };
      },
    );
    return Promise.race([started, ended]);
  }

  /** Waits for the background sync of this process, if any (tests). */
  async idle(): Promise<void> {
    await this.current?.catch(() => undefined);
  }

  /**
   * Shutdown: no sync starts any more; a running one gets graceMs to finish (with its notifications),
   * then is stopped. Stopping is safe because a sync is crash-safe: the next run repeats what this
   * one did not finish. An in-process sync cannot be stopped and is waited for.
   */
  async stop(graceMs: number): Promise<void> {
    this.closing = true;
    const current = this.current;
    if (!current) return;
    const settled = current.then(
      () => true,
      () => true,
    );
    const grace = new AbortController();
    const finished = await Promise.race([settled, sleep(graceMs, false, { signal: grace.signal }).catch(() => false)]);
    grace.abort();
    if (!finished) this.stopping.abort();
    await settled;
  }
}
