import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, revParse, tempDir } from './support/git-client.js';
import { REPO_ROOT, startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { freePort } from './support/ports.js';
import { outputContains } from './support/until.js';
import { account } from './support/accounts.js';

/**
 * A real `aurgate serve` process gets SIGTERM while a client is in the middle of cloning a repo of a
 * few MB. The clone must complete intact and the process must exit 0. The client side is slowed by a
 * throttling TCP proxy, so "in the middle" is certain rather than a race.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let serverProcess: ChildProcess | undefined;
let proxy: Server | undefined;
const PKG = 'big-download';
const RATE_BYTES_PER_SECOND = 1_000_000;

/** Random content does not compress: about 3 MB of pack data. */
function heavyFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let index = 0; index < 3; index += 1)
    files[`data/blob-${index}.b64`] = `${(
      randomBytes(768 * 1024)
        .toString('base64')
        .match(/.{1,76}/g) ?? []
    ).join('\n')}\n`;
  return files;
}

/**
 * Forwards to targetPort, passing server→client bytes at a fixed rate; `passed` resolves once that
 * many bytes went through.
 */
async function throttlingProxy(targetPort: number, mark: number): Promise<{ port: number; passed: Promise<void> }> {
  let forwarded = 0;
  let reached = (): void => undefined;
  const passed = new Promise<void>((resolve) => (reached = resolve));
  proxy = createServer((client) => {
    const target = connect(targetPort, '127.0.0.1');
    client.pipe(target);
    target.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      if (forwarded >= mark) reached();
      client.write(chunk);
      target.pause();
      setTimeout(() => target.resume(), (chunk.length / RATE_BYTES_PER_SECOND) * 1000);
    });
    target.on('end', () => client.end());
    target.on('error', () => client.destroy());
    client.on('error', () => target.destroy());
  });
  await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
  return { port: (proxy.address() as { port: number }).port, passed };
}

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
