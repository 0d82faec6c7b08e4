import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { Aurgate } from '../src/compose.js';
import { ROUTE_LABELS } from '../src/http/route-label.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, tempDir } from './support/git-client.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { account } from './support/accounts.js';

let upstream: TestUpstream;
let aurgate: Harness;
/** A second Aurgate on the same data dir whose logs the test reads (the server under test). */
let observed: Aurgate;
let server: RunningServer;
let url: string;
const logLines: Array<Record<string, unknown>> = [];
const TOKEN = 'scrape-token-0123456789';
let syncStartedAt = 0;

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  for (const pkgbase of ['met-a', 'met-b', 'met-c']) await upstream.addPackage(makePackage({ pkgbase }));
  await aurgate.app.allow(['met-a', 'met-b', 'met-c'], 'tester');
  syncStartedAt = Date.now();
  await aurgate.app.sync({ trigger: 'cli' });
  const head = await upstream.head('met-a');
  await aurgate.app.approve({ pkgbase: 'met-a', commit: head, by: await account(aurgate.app, 'rita') });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  observed = new Aurgate(aurgate.config, pino({ level: 'debug' }, sink));
  server = await startServer(observed, { schedule: false, port: 0 });
  url = server.url;
});
afterAll(async () => {
  await server.close(1000);
  observed.close();
  await aurgate.close();
  await upstream.stop();
});

async function scrape(): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}${labels} `) || (labels === '' && entry.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('/metrics', () => {
  it('reports the review queue and what is served, read from the database', async () => {
    const text = await scrape();
    expect(sample(text, 'aurgate_pending_revisions')).toBe(2);
    expect(sample(text, 'aurgate_served_packages')).toBe(1);
    expect(sample(text, 'aurgate_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'aurgate_last_sync_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(syncStartedAt / 1000));
    expect(sample(text, 'aurgate_last_sync_timestamp_seconds')).toBeLessThanOrEqual(Date.now() / 1000);
    expect(sample(text, 'aurgate_last_sync_failed_packages')).toBe(0);
    // Default process metrics come along in the same registry.
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('observes sync runs of other processes (a CLI sync) and failed runs, but not runs from before it started', async () => {
    const before = await scrape();
    expect(sample(before, 'aurgate_sync_duration_seconds_count', '{status="ok"}')).toBeUndefined();
    const cli = await aurgate.cli(['sync']);
    expect(cli.code, cli.stderr).toBe(0);
    upstream.fail('rpc-500');
    await observed.sync({ trigger: 'cli' });
    upstream.fail('none');
    const after = await scrape();
    expect(sample(after, 'aurgate_sync_duration_seconds_count', '{status="ok"}')).toBe(1);
    expect(sample(after, 'aurgate_sync_duration_seconds_count', '{status="failed"}')).toBe(1);
    expect(sample(after, 'aurgate_sync_failures_total', '{status="failed"}')).toBe(1);
    expect(sample(after, 'aurgate_last_sync_failed_packages')).toBe(3);
    // Observed once: another scrape does not count the same runs again.
    expect(sample(await scrape(), 'aurgate_sync_duration_seconds_count', '{status="ok"}')).toBe(1);
  });

  it('counts requests by route group and status, and git clones, without raw paths as labels', async () => {
    const dir = await tempDir('aurgate-metrics-clone-');
    expect((await gitClient(['clone', '--no-progress', `${url}/met-a.git`, 'work'], dir, 2)).code).toBe(0);
    expect((await gitClient(['clone', '--no-progress', `${url}/met-a`, 'work0'], dir, 0)).code).toBe(0);
    await fetch(`${url}/rpc/v5/info/met-a`);
    await fetch(`${url}/cgit/aur.git/snapshot/met-a.tar.gz`);
    await fetch(`${url}/no/such/thing/at/all`);
    await fetch(`${url}/packages.gz`);
    const text = await scrape();
    expect(sample(text, 'aurgate_git_clones_total')).toBe(2);
    expect(sample(text, 'aurgate_http_requests_total', '{route="rpc",status="200"}')).toBe(1);
    expect(sample(text, 'aurgate_http_requests_total', '{route="git",status="200"}')).toBeGreaterThanOrEqual(4);
    expect(sample(text, 'aurgate_http_requests_total', '{route="snapshot",status="200"}')).toBe(1);
    expect(sample(text, 'aurgate_http_requests_total', '{route="other",status="404"}')).toBe(1);
    expect(sample(text, 'aurgate_http_requests_total', '{route="lists",status="200"}')).toBe(1);
    const routes = [...text.matchAll(/route="([^"]*)"/g)].map((match) => match[1]);
    for (const route of routes) expect(ROUTE_LABELS as readonly (string | undefined)[]).toContain(route);
  });

  it('can require a bearer token (AURGATE_METRICS_TOKEN)', async () => {
    const config = loadConfig({ ...aurgate.env, AURGATE_METRICS_TOKEN: TOKEN });
    const guarded = new Aurgate(config, pino({ level: 'silent' }));
    const running = await startServer(guarded, { schedule: false, port: 0 });
    try {
      expect((await fetch(`${running.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${running.url}/metrics`, { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect((await fetch(`${running.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await running.close(1000);
      guarded.close();
    }
    expect(() => loadConfig({ ...aurgate.env, AURGATE_METRICS_TOKEN: 'short' })).toThrow(/AURGATE_METRICS_TOKEN/);
  });
});

describe('request ids and request logs', () => {
  it('echo a sane X-Request-Id and replace an insane one, on streamed git and snapshot responses too', async () => {
    const given = await fetch(`${url}/cgit/aur.git/plain/PKGBUILD?h=met-a`, { headers: { 'X-Request-Id': 'edge-7f3a-01' } });
    expect(given.headers.get('x-request-id')).toBe('edge-7f3a-01');
    const insane = await fetch(`${url}/healthz`, { headers: { 'X-Request-Id': 'two words; <script>' } });
    expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    for (const target of [
      '/met-a.git/info/refs?service=git-upload-pack',
      '/cgit/aur.git/snapshot/met-a.tar.gz',
      '/not-allowed.git/info/refs?service=git-upload-pack',
    ]) {
      const response = await fetch(`${url}${target}`);
      await response.arrayBuffer();
      expect(response.headers.get('x-request-id'), target).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('log one JSON line per request with id, method, route, path, status and duration (no query string)', async () => {
    await fetch(`${url}/cgit/aur.git/plain/PKGBUILD?h=met-a&secret=hunter2`, { headers: { 'X-Request-Id': 'trace-me-42' } });
    const line = logLines.find((entry) => entry['reqId'] === 'trace-me-42');
    expect(line).toMatchObject({ msg: 'request', method: 'GET', route: 'cgit', path: '/cgit/aur.git/plain/PKGBUILD', status: 200, level: 30 });
    // The cached hot paths (RPC, package lists) are counted in metrics but get no log line of their own.
    await fetch(`${url}/rpc/v5/info/met-b`, { headers: { 'X-Request-Id': 'rpc-hot-path' } });
    expect(logLines.find((entry) => entry['reqId'] === 'rpc-hot-path')).toBeUndefined();
    expect(typeof line?.['durationMs']).toBe('number');
    expect(JSON.stringify(logLines)).not.toContain('hunter2');
    // Probes log at debug, so an info-level log is not flooded by health checks.
    const probe = logLines.find((entry) => entry['path'] === '/healthz');
    expect(probe?.['level']).toBe(20);
  });
});

it('keeps path labels bounded even for a flood of distinct paths', async () => {
  for (let index = 0; index < 20; index += 1) await fetch(`${url}/${path.join('x', String(index))}/info/refs`);
  const text = await scrape();
  const series = text.split('\n').filter((line) => line.startsWith('aurgate_http_requests_total{'));
  expect(series.length).toBeLessThan(20);
});
