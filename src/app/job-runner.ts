import { describeError } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * Runs queued jobs (rows in the database) in the background of the serving process, one at a time:
 * `drain` takes and runs jobs until none is left. Other processes only queue; they never become the
 * runner, since a CLI command exits soon.
 */
export class JobRunner {
  private running: Promise<void> | null = null;
  private stoppedFlag = false;
  private active = false;

  constructor(
    private readonly what: string,
    private readonly logger: Logger,
    private readonly drain: () => Promise<void>,
  ) {}

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Makes this process the runner (`aurgate serve` at start-up) and starts on what is queued. */
  activate(): void {
    this.active = true;
    this.kick();
  }

  /** Starts draining if this process is the runner and nothing runs yet (another process may have queued jobs). */
  kick(): void {
    if (this.running || this.stoppedFlag || !this.active) return;
    this.running = this.drain()
      .catch((error: unknown) => this.logger.error({ err: describeError(error) }, `${this.what} runner stopped`))
      .finally(() => {
        this.running = null;
      });
  }

  /** Resolves when no job runs in this process. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Takes no further job; the one running finishes (or is stopped by its owner). */
  stop(): void {
    this.stoppedFlag = true;
  }
}
