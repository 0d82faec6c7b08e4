import cron, { type ScheduledTask } from 'node-cron';
import { Busy, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SyncSummary } from '../sync/runs.js';

/**
 * Runs the sync on the cron schedule inside `aurgate serve`. Overlapping runs are skipped here and,
 * across processes, by the sync lock (a CLI sync in progress makes a scheduled tick a no-op).
 */
export function startScheduler(schedule: string, runSync: () => Promise<SyncSummary>, logger: Logger): ScheduledTask {
  return cron.schedule(
    schedule,
    async () => {
      try {
        await runSync();
      } catch (error) {
        if (error instanceof Busy) logger.info({ reason: error.message }, 'scheduled sync skipped');
        else logger.error({ err: describeError(error) }, 'scheduled sync failed');
      }
    },
    { name: 'aurgate-sync', noOverlap: true },
  );
}
