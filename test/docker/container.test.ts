import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AurgateContainer, removeAll, testName } from '../support/aurgate-container.js';
import { BUILD_HANG_GUARD_MS, buildCommitImage, buildCurrentImage, previousSchemaCommit, type BuiltImage } from '../support/aurgate-images.js';
import { dockerOk, dockerUnavailableReason } from '../support/docker.js';
import { makePackage } from '../support/fixture-packages.js';
import { gitClient, revParse, tempDir } from '../support/git-client.js';
import { REPO_ROOT } from '../support/harness.js';
import { heavyFiles, throttlingProxy, type ThrottlingProxy } from '../support/throttle.js';
import { TestUpstream } from '../support/upstream.js';

/**
 * The project's image in a real engine, run as a user runs it: built unchanged from the Dockerfile, started
 * with compose's hardening (read-only root, tmpfs /tmp, no capabilities, no-new-privileges) on a named
 * volume, driven with `docker exec`, stopped with `docker stop`, restarted and upgraded on the same volume.
 * The engine has no bridge network: containers use the host's, and reach the test upstream on 127.0.0.1.
 */
const unavailable = await dockerUnavailableReason();
if (unavailable) console.warn(`container tests skipped: ${unavailable}`);

const PASSWORD = 'correct horse battery staple';
const BIG = 'big-download';
const SMALL = 'hello-upgrade';

let upstream: TestUpstream;
let image: BuiltImage;
let previous: BuiltImage | Error;
let volume: string;
let serving: AurgateContainer | undefined;
let proxy: ThrottlingProxy | undefined;
let keyBefore = '';

function rpcInfo(container: AurgateContainer, pkgname: string): Promise<{ resultcount: number; results: Array<{ Name: string }> }> {
  return fetch(`${container.url}/rpc/?v=5&type=info&arg[]=${pkgname}`).then(
    (response) => response.json() as Promise<{ resultcount: number; results: Array<{ Name: string }> }>,
  );
}

/** Clones pkgbase from `url` and returns the checked-out commit. */
async function clonedHead(url: string, pkgbase: string): Promise<string> {
  const dir = await tempDir('aurgate-container-clone-');
  const clone = await gitClient(['clone', '--no-progress', `${url}/${pkgbase}.git`, 'work'], dir);
  expect(clone.code, clone.stderr).toBe(0);
  return revParse(path.join(dir, 'work'), 'HEAD');
}

/** The signing keys' ids (the log origin follows the public URL, which names a new port in each container). */
async function signingKeys(container: AurgateContainer): Promise<string> {
  const keys = JSON.parse(await container.cliOk(['key', 'show', '--json'])) as { keys: Array<{ keyid: string }> };
  expect(keys.keys.length).toBeGreaterThan(0);
  return keys.keys.map((key) => key.keyid).join(',');
}

/** The migrations recorded in the container's database, read with the image's own better-sqlite3. */
async function recordedMigrations(container: AurgateContainer): Promise<string[]> {
  const script =
    "const db = new (require('better-sqlite3'))('/data/aurgate.db', { readonly: true });" +
    "console.log(JSON.stringify(db.prepare('SELECT name FROM schema_migrations ORDER BY version').all().map((row) => row.name)))";
  const result = await container.exec(['node', '-e', script]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as string[];
}

describe.skipIf(unavailable !== null)('the aurgate image in a real Docker engine', () => {
  beforeAll(
    async () => {
      upstream = await TestUpstream.start();
      await upstream.addPackage(makePackage({ pkgbase: BIG, extraFiles: heavyFiles() }));
      await upstream.addPackage(makePackage({ pkgbase: SMALL }));
      // Both images first, one after the other (the second reuses the first's base layers), so the tests'
      // own guards cover only what they run.
      image = await buildCurrentImage();
      const size = Number(await dockerOk(['image', 'inspect', '--format', '{{.Size}}', image.tag]));
      console.info(`image ${image.tag}: built in ${image.buildSeconds.toFixed(0)} s, ${(size / 1e6).toFixed(0)} MB`);
      // A clone too shallow for the upgrade fails that test, with what to fetch, not the others.
      previous = await previousSchemaCommit().then(
        async (commit) => {
          const built = await buildCommitImage(commit);
          console.info(`previous image ${built.tag} (commit ${commit}): built in ${built.buildSeconds.toFixed(0)} s`);
          return built;
        },
        (error: Error) => error,
      );
      volume = testName('data');
      await dockerOk(['volume', 'create', volume]);
    },
    2 * BUILD_HANG_GUARD_MS + 60_000,
  );
  afterAll(async () => {
    proxy?.server.close();
    await removeAll();
    await upstream.stop();
  });

  it('starts healthy as uid 10001 on a named volume, under the hardening compose applies', async () => {
    const started = process.hrtime.bigint();
    // The image's own HEALTHCHECK timing (first check after its 30 s interval), as a user gets it.
    serving = await AurgateContainer.start({ image: image.tag, volume, upstreamUrl: upstream.url });
    await serving.healthy();
    console.info(`start to healthy: ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);

    const proc = (await serving.exec(['cat', '/proc/1/status'])).stdout;
    expect(proc).toMatch(/^Uid:\s+10001\s+10001\s+10001\s+10001$/m);
    expect(proc).toMatch(/^CapEff:\s+0+$/m);
    expect(proc).toMatch(/^NoNewPrivs:\s+1$/m);
    expect((await serving.exec(['stat', '-c', '%u', '/data'])).stdout.trim()).toBe('10001');
    const rootWrite = await serving.exec(['touch', '/app/probe']);
    expect(rootWrite.stderr).toContain('Read-only file system');
    expect((await serving.exec(['sh', '-c', 'touch /data/probe /tmp/probe && rm /data/probe /tmp/probe'])).code).toBe(0);
    expect((await fetch(`${serving.url}/healthz`)).status).toBe(200);
  });

  it('CLI commands through docker exec work on the data the server serves', async () => {
    if (!serving) throw new Error('no container');
    expect(await serving.cliOk(['user', 'add', 'rita', '--role', 'reviewer'], `${PASSWORD}\n`)).toContain('added user rita');
    expect(await serving.cliOk(['allow', BIG])).toContain(`allowed ${BIG}`);
    expect(await serving.cliOk(['status'])).toContain('1 allowlisted packages, 1 pending review');
    expect((await rpcInfo(serving, BIG)).resultcount).toBe(0);

    const head = await upstream.head(BIG);
    const approved = await serving.cliOk(['approve', BIG, '--commit', head, '--reviewer', 'rita'], `${PASSWORD}\n`);
    expect(approved).toContain('now served');
    // The running server, not the exec'd CLI, answers: it sees what the CLI wrote to the volume.
    expect((await rpcInfo(serving, BIG)).results.map((row) => row.Name)).toEqual([BIG]);
    expect(await clonedHead(serving.url, BIG)).toBe(head);
    keyBefore = await signingKeys(serving);
  });

  it('docker stop lets a running clone finish, then the container exits 0', async () => {
    if (!serving) throw new Error('no container');
    const container = serving;
    proxy = await throttlingProxy(container.port, 400_000);
    const dir = await tempDir('aurgate-container-stop-');
    let cloneDone = false;
    const clone = gitClient(['clone', '--no-progress', `http://127.0.0.1:${proxy.port}/${BIG}.git`, 'work'], dir, 2).then(
      (result) => ((cloneDone = true), result),
    );
    await proxy.passed;
    // At the throttled rate the rest of the ~3 MB pack takes seconds to pass: the clone is mid-way.
    expect(cloneDone).toBe(false);
    const shuttingDown = container.logContains('shutting down');
    const stopped = container.stop();
    await shuttingDown;
    // New work is refused at once while the running clone keeps streaming.
    expect(
      await fetch(`${container.url}/healthz`).then(
        (response) => response.status,
        () => 'refused',
      ),
    ).toBe('refused');

    const result = await clone;
    expect(result.code, result.stderr).toBe(0);
    expect(await revParse(path.join(dir, 'work'), 'HEAD')).toBe(await upstream.head(BIG));
    expect((await gitClient(['fsck', '--full', '--no-progress'], path.join(dir, 'work'))).code).toBe(0);
    expect((await stopped).exitCode, await container.logs()).toBe(0);
    expect(await container.logs()).toContain('"msg":"stopped"');
  });

  it('a new container on the same volume keeps users, allowlist, approvals and the signing key', async () => {
    // Scheduled syncs every second: the sync worker process must run under the read-only root too.
    const started = process.hrtime.bigint();
    const again = await AurgateContainer.start({
      image: image.tag,
      volume,
      upstreamUrl: upstream.url,
      healthInterval: '1s',
      env: { AURGATE_SYNC_SCHEDULE: '* * * * * *' },
    });
    await again.healthy();
    console.info(`start to healthy (1 s health interval): ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
    expect(await again.cliOk(['user', 'list'])).toMatch(/^rita\s+reviewer/m);
    expect(await again.cliOk(['status'])).toContain('1 allowlisted packages, 0 pending review');
    expect(await clonedHead(again.url, BIG)).toBe(await upstream.head(BIG));
    expect(await signingKeys(again)).toBe(keyBefore);
    await again.logContains('"msg":"sync finished"');
    const finished = (await again.logs()).split('\n').find((line) => line.includes('"msg":"sync finished"')) ?? '';
    expect(JSON.parse(finished)).toMatchObject({ process: 'sync-worker', status: 'ok' });
    expect((await again.stop()).exitCode).toBe(0);
  });

  it('an upgrade from the image before the last schema change migrates the volume cleanly', async () => {
    if (previous instanceof Error) throw previous;
    const upgraded = testName('upgrade');
    await dockerOk(['volume', 'create', upgraded]);

    const old = await AurgateContainer.start({ image: previous.tag, volume: upgraded, upstreamUrl: upstream.url, healthInterval: '1s' });
    await old.healthy();
    await old.cliOk(['user', 'add', 'ada', '--role', 'admin'], `${PASSWORD}\n`);
    await old.cliOk(['allow', SMALL]);
    const head = await upstream.head(SMALL);
    expect(await old.cliOk(['approve', SMALL, '--commit', head, '--reviewer', 'ada'], `${PASSWORD}\n`)).toContain('now served');
    const before = await recordedMigrations(old);
    expect((await old.stop()).exitCode).toBe(0);

    const current = await AurgateContainer.start({ image: image.tag, volume: upgraded, upstreamUrl: upstream.url, healthInterval: '1s' });
    await current.healthy();
    const files = (await readdir(path.join(REPO_ROOT, 'migrations'))).filter((name) => name.endsWith('.sql')).sort();
    const after = await recordedMigrations(current);
    expect(after).toEqual(files);
    expect(after).not.toEqual(before);
    expect(await current.cliOk(['user', 'list'])).toMatch(/^ada\s+admin/m);
    expect(await current.cliOk(['status'])).toContain('1 allowlisted packages, 0 pending review');
    expect((await rpcInfo(current, SMALL)).resultcount).toBe(1);
    expect(await clonedHead(current.url, SMALL)).toBe(head);
    expect((await current.stop()).exitCode).toBe(0);
  });
});
