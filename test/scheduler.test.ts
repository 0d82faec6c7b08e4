import { afterAll, beforeAll, expect, it } from 'vitest';
import { getPendingRevision } from '../src/quarantine/revisions.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { listRuns } from '../src/sync/runs.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { commandLine, syncLockOwner } from './support/sync-worker.js';
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

it('runs each scheduled sync in a worker process of its own, not in the server', async () => {
  upstream.resetRequests();
  // Upstream git answers are held until fail('none'): the run that fetches the push below stays under way.
  upstream.fail('slow', { only: 'git', delayMs: 600_000 });
  try {
    const commit = await upstream.push('scheduled-pkg', makePackage({ pkgbase: 'scheduled-pkg', pkgver: '2.0' }));
    await until(() => upstream.requests.some((request) => request.kind === 'git') && syncLockOwner(aurgate.app.db) !== null);
    const worker = syncLockOwner(aurgate.app.db) ?? 0;
    expect(worker).not.toBe(process.pid);
    expect(commandLine(worker)).toMatch(/sync-worker$/);
    expect(listRuns(aurgate.app.db, 1)[0]).toMatchObject({ trigger: 'schedule', status: 'running' });
    upstream.fail('none');
    await until(() => getPendingRevision(aurgate.app.db, 'scheduled-pkg')?.commit === commit);
  } finally {
    upstream.fail('none');
  }
});
