import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, revParse, tempDir } from './support/git-client.js';
import { startAurgate, type Harness } from './support/harness.js';
import { HOSTILE_CLASSES, largeLsRefs, rawRequest } from './support/raw-http.js';
import { memoryMiB, startServeProcess, type ServeProcess } from './support/serve-process.js';
import { TestUpstream } from './support/upstream.js';
import { forEachConcurrently } from '../src/sync/pool.js';
import { account } from './support/accounts.js';

/**
 * A real `aurgate serve` process takes the hostile request classes and a stream of distinct large
 * ls-refs requests; its memory must stay bounded. Before the fix, the first hostile body killed the
 * process (EPIPE), and the distinct large requests alone took it from 75 MB to 1.1 GB, since each was
 * kept as a cache key.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let server: ServeProcess | undefined;
let head: string;
const PKG = 'memory-target';
/**
 * The server's peak resident memory after all of it. Idle it takes 110–170 MiB (node with tsx), and
 * about 170 MiB at the peak of this load on a busy machine; before the fix this load took it past 1 GB.
 */
const PEAK_RSS_BOUND_MIB = 300;
const DISTINCT_4MIB = 56;
const DISTINCT_15MIB = 4;

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  head = await upstream.addPackage(makePackage({ pkgbase: PKG, pkgver: '1.0' }));
  await aurgate.app.allow([PKG], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit: head, by: await account(aurgate.app, 'rita') });
  server = await startServeProcess(aurgate.env);
});
afterAll(async () => {
  await server?.stop();
  await aurgate.close();
  await upstream.stop();
});

async function lsRefs(body: Buffer): Promise<number | null> {
  const answer = await rawRequest(server?.url ?? '', {
    method: 'POST',
    path: `/${PKG}.git/git-upload-pack`,
    headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Git-Protocol': 'version=2' },
    body,
  });
  return answer.status;
}

it(`hostile bodies and ${DISTINCT_4MIB + DISTINCT_15MIB} distinct large ls-refs requests leave the server running, with bounded memory`, async () => {
  if (!server) throw new Error('no server');
  const { url, pid } = server;
  const warm = await gitClient(['clone', '--no-progress', `${url}/${PKG}.git`, 'work'], await tempDir('aurgate-memory-'), 2);
  expect(warm.code, warm.stderr).toBe(0);
  const before = memoryMiB(pid);

  for (const hostile of HOSTILE_CLASSES) {
    const request = hostile.build(head);
    const answer = await rawRequest(url, {
      method: 'POST',
      path: `/${PKG}.git/git-upload-pack`,
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', ...request.headers },
      body: request.body,
    });
    expect(answer.status, `${hostile.name} v${hostile.protocol}\n${server.logs()}`).not.toBeNull();
    expect(server.alive(), hostile.name).toBe(true);
  }
  // Each request is distinct and accepted by git, which answers every one; four at a time. 284 MiB in
  // all: kept as cache keys (before the fix, about one byte of memory per byte sent) they alone would
  // take the server past the bound.
  const sizes = [...Array.from({ length: DISTINCT_4MIB }, () => 4 * 1024 * 1024), ...Array.from({ length: DISTINCT_15MIB }, () => 15 * 1024 * 1024)];
  await forEachConcurrently(sizes, 4, async (size) => expect(await lsRefs(largeLsRefs(size))).toBe(200));

  const after = memoryMiB(pid);
  process.stdout.write(
    `aurgate serve memory: RSS ${before.rss.toFixed(0)} MiB before, ${after.rss.toFixed(0)} MiB after, peak ${after.peak.toFixed(0)} MiB\n`,
  );
  expect(after.peak).toBeLessThan(PEAK_RSS_BOUND_MIB);
  expect(server.alive()).toBe(true);

  const rpc = await fetch(`${url}/rpc/v5/info?arg[]=${PKG}`);
  expect(((await rpc.json()) as { resultcount: number }).resultcount).toBe(1);
  const dir = await tempDir('aurgate-memory-');
  const clone = await gitClient(['clone', '--no-progress', `${url}/${PKG}.git`, 'work'], dir, 2);
  expect(clone.code, clone.stderr).toBe(0);
  expect(await revParse(path.join(dir, 'work'), 'HEAD')).toBe(head);
});
