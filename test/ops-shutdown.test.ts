import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, revParse, tempDir } from './support/git-client.js';
import { REPO_ROOT, startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { freePort } from './support/ports.js';
import { outputContains } from './support/until.js';
import { account } from './support/accounts.js';
import { heavyFiles, throttlingProxy } from './support/throttle.js';

/**
 * A real `aurgate serve` process gets SIGTERM while a client is in the middle of cloning a repo of a
 * few MB. The clone must complete intact and the process must exit 0. The client side is slowed by a
 * throttling TCP proxy (test/support/throttle.ts), so "in the middle" is certain rather than a race.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let serverProcess: ChildProcess | undefined;
let proxy: Server | undefined;
const PKG = 'big-download';

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  const commit = await upstream.addPackage(makePackage({ pkgbase: PKG, extraFiles: heavyFiles() }));
  await aurgate.app.allow([PKG], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit, by: await account(aurgate.app, 'rita') });
});
afterAll(async () => {
  if (serverProcess?.exitCode === null) serverProcess.kill('SIGKILL');
  proxy?.close();
  await aurgate.close();
  await upstream.stop();
});

it('SIGTERM during a clone lets the clone finish intact, then the server exits 0', async () => {
  const port = await freePort();
  serverProcess = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/main.ts'), 'serve', '--no-schedule'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      ...aurgate.env,
      AURGATE_PORT: String(port),
      AURGATE_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = serverProcess.stderr;
  if (!stderr) throw new Error('no stderr pipe');
  let logs = '';
  stderr.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => serverProcess?.on('exit', (code) => resolve(code)));
  const direct = `http://127.0.0.1:${port}`;
  // Logged once start-up is complete and /readyz answers 200.
  await outputContains(stderr, '"msg":"aurgate serving"');

  const throttle = await throttlingProxy(port, 400_000);
  proxy = throttle.server;
  const dir = await tempDir('aurgate-sigterm-');
  let cloneDone = false;
  const clone = gitClient(['clone', '--no-progress', `http://127.0.0.1:${throttle.port}/${PKG}.git`, 'work'], dir, 2).then(
    (result) => ((cloneDone = true), result),
  );
  await throttle.passed;
  // At the throttled rate the rest of the ~3 MB pack takes seconds to pass; the clone is mid-way.
  expect(cloneDone).toBe(false);
  // The server logs this before it closes its listener, in the same turn of its event loop.
  const shuttingDown = outputContains(stderr, 'shutting down');
  serverProcess.kill('SIGTERM');
  await shuttingDown;

  // New work is refused at once while the running clone keeps streaming.
  const late = await fetch(`${direct}/healthz`).then(
    (response) => response.status,
    () => 'refused',
  );
  expect(late).toBe('refused');

  const result = await clone;
  expect(result.code, result.stderr).toBe(0);
  const work = path.join(dir, 'work');
  expect(await revParse(work, 'HEAD')).toBe(await upstream.head(PKG));
  const fsck = await gitClient(['fsck', '--full', '--no-progress'], work);
  expect(fsck.code, fsck.stderr).toBe(0);
  expect(await exited, logs).toBe(0);
  expect(logs).toContain('shutting down');
  expect(logs).toContain('"msg":"stopped"');
});
