import { Busy, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SyncOptions } from '../sync/run.js';
import type { SyncSummary } from '../sync/runs.js';

export type StartOutcome = { started: true } | { started: false; reason: string };

/**
 * Runs syncs for this server process: the scheduled ones and those started from the web admin, which
 * run in the background (a sync can take minutes; the page answers at once and the sync page shows the
 * run). The cross-process sync lock still decides who runs: a CLI sync in progress makes these busy.
 */
export class SyncRunner {
  private current: Promise<SyncSummary> | null = null;

  /** `sync` is the whole sync use case (fetch, record, assess, notify). */
  constructor(private readonly deps: { sync: (options: SyncOptions) => Promise<SyncSummary>; logger: Logger }) {}

  get running(): boolean {
    return this.current !== null;
  }

  /** A sync in the foreground (the scheduler awaits it); Busy when one is already running. */
  run(options: SyncOptions): Promise<SyncSummary> {
    if (this.current) return Promise.reject(new Busy('a sync started by this server is still running'));
    const run = this.deps.sync(options);
    this.current = run;
    const clear = (): void => void (this.current === run && (this.current = null));
    run.then(clear, clear);
    return run;
  }

  /**
   * Starts a sync without waiting for it. A busy lock surfaces synchronously inside the sync, so one
   * turn of the event loop is enough to tell "started" from "busy".
   */
  async start(options: SyncOptions): Promise<StartOutcome> {
    let refused: string | null = null;
    this.run(options).catch((error: unknown) => {
      if (error instanceof Busy) refused = error.message;
      else this.deps.logger.error({ err: describeError(error), trigger: options.trigger }, 'background sync failed');
    });
    await new Promise((resolve) => setImmediate(resolve));
    return refused === null ? { started: true } : { started: false, reason: refused };
  }

  /** Waits for the background sync of this process, if any (tests and shutdown). */
  async idle(): Promise<void> {
    await this.current?.catch(() => undefined);
  }
}
