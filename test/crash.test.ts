import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { git } from '../src/git/run.js';
import { listPendingRevisions } from '../src/quarantine/revisions.js';
import { desiredServedState } from '../src/app/publish.js';
import { makePackage } from './support/fixture-packages.js';
import { REPO_ROOT, startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { account } from './support/accounts.js';

let upstream: TestUpstream;
let aurgate: Harness;
const PACKAGES = Array.from({ length: 10 }, (_, index) => `crash-pkg-${index}`);

beforeAll(async () => {
  upstream = await TestUpstream.start();
  for (const pkgbase of PACKAGES) await upstream.addPackage(makePackage({ pkgbase, pkgver: '1.0' }));
  aurgate = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_SYNC_CONCURRENCY: '3' } });
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

/** Starts `aurgate <args>` and SIGKILLs it after delayMs (or lets it finish if it is quicker). */
async function runAndKill(args: string[], delayMs: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/main.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...aurgate.env },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await Promise.race([sleep(delayMs).then(() => child.kill('SIGKILL')), exited]);
  await exited;
}

function decisionCount(): number {
  return (aurgate.app.db.prepare("SELECT COUNT(*) AS n FROM revisions WHERE state IN ('approved', 'rejected')").get() as { n: number }).n;
}

async function assertConsistent(): Promise<void> {
  expect(aurgate.app.db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(aurgate.app.db.pragma('foreign_key_check')).toEqual([]);
  for (const root of [aurgate.config.paths.mirrorRepos, aurgate.config.paths.servedRepos]) {
    for (const repo of readdirSync(root)) {
      const result = await git(['fsck', '--no-progress', '--no-dangling'], { cwd: path.join(root, repo), okCodes: [] });
      expect(result.stderr, `${root}/${repo}`).not.toMatch(/error|missing|broken/i);
    }
  }
}

it('a sync killed with SIGKILL at random points, then run again, leaves everything consistent and loses no decision', async () => {
  await aurgate.app.allow(PACKAGES, 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  for (const revision of listPendingRevisions(aurgate.app.db).slice(0, 5)) {
    await aurgate.app.approve({ pkgbase: revision.pkgbase, commit: revision.commit, by: await account(aurgate.app, 'rita') });
  }
  const decided = decisionCount();
  expect(decided).toBe(5);

  for (let round = 0; round < 6; round += 1) {
    for (const pkgbase of PACKAGES.slice(round % 3, (round % 3) + 4))
      await upstream.push(pkgbase, makePackage({ pkgbase, pkgver: `1.${round + 1}` }));
    // Kill points spread over start-up, RPC, fetches and recording.
    await runAndKill(['sync', '--full'], 150 + Math.floor(Math.random() * 1800));
    await assertConsistent();
    expect(decisionCount()).toBe(decided);
  }

  const finished = await aurgate.cli(['sync', '--full']);
  expect(finished.code, finished.stderr).toBe(0);
  await assertConsistent();
  expect(decisionCount()).toBe(decided);
  // Every package ends with its current upstream head either pending or approved, never lost.
  for (const pkgbase of PACKAGES) {
    const head = await upstream.head(pkgbase);
    const row = aurgate.app.db.prepare('SELECT state FROM revisions WHERE pkgbase = ? AND commit_id = ?').get(pkgbase, head) as
      { state: string } | undefined;
    expect(row?.state, pkgbase).toMatch(/pending|approved/);
    const served = desiredServedState(aurgate.app.db, pkgbase);
    const actual = await aurgate.app.served.actualState(pkgbase);
    expect(actual.head).toBe(served.head);
  }
  const runs = aurgate.app.db.prepare("SELECT COUNT(*) AS n FROM sync_runs WHERE status = 'running'").get() as { n: number };
  expect(runs.n).toBe(0);
});
