import { claimNextBuild, failInterruptedBuilds } from '../build/records.js';
import { describeError } from '../errors.js';
import { requestBuild, runBuild, type BuildDeps, type BuildRequest } from './build.js';
import { JobRunner } from './job-runner.js';

/**
 * Builds queued in the database, run in the background one at a time by the serving process: a
 * build is a makepkg child process, so serving and decisions go on meanwhile. Other processes (a CLI
 * approval, the sync worker's policies) only queue.
 */
export class BuildQueue {
  private readonly stopping = new AbortController();
  private readonly runner: JobRunner;

  constructor(private readonly deps: BuildDeps) {
    this.runner = new JobRunner('build', deps.logger, () => this.drain());
  }

  /** Queues a build and starts it in a serving process; never throws (it follows a decision that has committed). */
  enqueue(request: Omit<BuildRequest, 'onStage'>): void {
    try {
      requestBuild(this.deps, request);
      this.runner.kick();
    } catch (error) {
      this.deps.logger.error({ pkgbase: request.pkgbase, commit: request.commit, err: describeError(error) }, 'could not queue the build');
    }
  }

  /** Makes this process the runner (`aurgate serve` at start-up); builds a previous process left running are closed as failed. */
  resume(): void {
    const failed = failInterruptedBuilds(this.deps.db, 'the process running the build stopped; queue it again with aurgate build');
    if (failed > 0) this.deps.logger.warn({ builds: failed }, 'builds interrupted by a stopped process recorded as failed');
    this.runner.activate();
  }

  kick(): void {
    this.runner.kick();
  }

  idle(): Promise<void> {
    return this.runner.idle();
  }

  /** Takes no further build and stops the running one (recorded as failed; `aurgate build` can queue it again). */
  stop(): void {
    this.runner.stop();
    this.stopping.abort();
  }

  private async drain(): Promise<void> {
    for (let build = this.next(); build; build = this.next()) {
      // A failed build is recorded with its cause and logged by runBuild; the queue goes on.
      await runBuild(this.deps, build, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  private next() {
    return this.runner.stopped ? null : claimNextBuild(this.deps.db);
  }
}
