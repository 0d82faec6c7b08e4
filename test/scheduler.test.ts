import { afterAll, beforeAll, expect, it } from 'vitest';
import { getPendingRevision } from '../src/quarantine/revisions.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { listRuns } from '../src/sync/runs.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { until } from './support/until.js';
import { TestUpstream } from './support/upstream.js';

let upstream: TestUpstream;
let aurgate: Harness;
let server: RunningServer | undefined;

beforeAll(async () => {
  upstream = await TestUpstream.start();
  // node-cron accepts a seconds field: every second, so the test need not wait for a minute boundary.
  aurgate = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_SYNC_SCHEDULE: '* * * * * *' } });
});
afterAll(async () => {
  await server?.close(2000);
  await aurgate.close();
  await upstream.stop();
});

it('aurgate serve runs the sync on its cron schedule, never two at once', async () => {
  const commit = await upstream.addPackage(makePackage({ pkgbase: 'scheduled-pkg' }));
  await aurgate.app.allow(['scheduled-pkg'], 'tester');
  server = await startServer(aurgate.app, { schedule: true, port: 0 });
  const scheduled = () => listRuns(aurgate.app.db, 50).filter((run) => run.trigger === 'schedule');
  // However slow the machine, the schedule keeps firing: wait for two finished runs.
  await until(() => scheduled().filter((run) => run.finishedAt !== null).length >= 2);
  expect(getPendingRevision(aurgate.app.db, 'scheduled-pkg')?.commit).toBe(commit);
  const runs = scheduled();
  expect(runs.every((run) => run.status === 'ok' || run.status === 'running')).toBe(true);
  // Runs never overlap: each started after the previous one finished.
  const ordered = [...runs].reverse();
  for (let index = 1; index < ordered.length; index += 1) {
    const previous = ordered[index - 1];
    if (previous?.finishedAt) expect(ordered[index]?.startedAt).toBeGreaterThanOrEqual(previous.finishedAt);
  }
});
