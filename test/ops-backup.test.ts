import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { Aurgate } from '../src/compose.js';
import { git } from '../src/git/run.js';
import { startServer } from '../src/http/server.js';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, revParse, tempDir } from './support/git-client.js';
import { runCliInProcess, startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { account } from './support/accounts.js';

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
let backupDir: string;
let restoredDir: string;
const heads: Record<string, string> = {};

interface Observation {
  cloneHead: string;
  rpc: unknown;
  snapshots: Record<string, string>;
}

async function observe(base: string, pinned: Array<[string, string]>): Promise<Observation> {
  const dir = await tempDir('aurgate-bk-clone-');
  expect((await gitClient(['clone', '--no-progress', `${base}/bk-main.git`, 'work'], dir)).code).toBe(0);
  const rpc = (await (await fetch(`${base}/rpc/v5/info?arg[]=bk-main&arg[]=bk-other&arg[]=bk-pending`)).json()) as {
    results: Array<{ Name: string; Version: string }>;
  };
  const snapshots: Record<string, string> = {};
  for (const [pkgbase, commit] of pinned) {
    const response = await fetch(`${base}/snapshot/${pkgbase}/${commit}.tar.gz`);
    expect(response.status).toBe(200);
    snapshots[`${pkgbase}/${commit}`] = createHash('sha256')
      .update(Buffer.from(await response.arrayBuffer()))
      .digest('hex');
  }
  const versions = rpc.results.map((result) => `${result.Name} ${result.Version}`).sort();
  return { cloneHead: await revParse(path.join(dir, 'work'), 'HEAD'), rpc: versions, snapshots };
}

let pinned: Array<[string, string]>;
let before: Observation;

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  url = await aurgate.serve();
  heads['v1'] = await upstream.addPackage(makePackage({ pkgbase: 'bk-main', pkgver: '1.0' }));
  heads['other'] = await upstream.addPackage(makePackage({ pkgbase: 'bk-other', pkgver: '5.1' }));
  await upstream.addPackage(makePackage({ pkgbase: 'bk-pending' }));
  await aurgate.app.allow(['bk-main', 'bk-other', 'bk-pending'], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: 'bk-main', commit: heads['v1'], by: await account(aurgate.app, 'rita') });
  await aurgate.app.approve({ pkgbase: 'bk-other', commit: heads['other'], by: await account(aurgate.app, 'rita') });
  heads['v2'] = await upstream.push('bk-main', makePackage({ pkgbase: 'bk-main', pkgver: '2.0' }));
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: 'bk-main', commit: heads['v2'], by: await account(aurgate.app, 'rita') });
  pinned = [
    ['bk-main', heads['v1']],
    ['bk-main', heads['v2']],
    ['bk-other', heads['other']],
  ];
  before = await observe(url, pinned);
  backupDir = path.join(await tempDir('aurgate-backup-'), 'backup-1');
  restoredDir = path.join(await tempDir('aurgate-restored-'), 'data');
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
  await rm(path.dirname(backupDir), { recursive: true, force: true });
  await rm(path.dirname(restoredDir), { recursive: true, force: true });
});

describe('aurgate backup and restore', () => {
  it('backs up a live data dir while the server serves', async () => {
    const result = await aurgate.cli(['backup', backupDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('3 mirror repos, 2 served repos, 3 snapshot archives');
    expect((await readdir(backupDir)).sort()).toEqual(['aurgate.db', 'keys', 'manifest.json', 'mirror', 'repo-key', 'served', 'snapshots']);
    expect((await stat(path.join(backupDir, 'keys'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(backupDir, 'repo-key'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(backupDir, 'repo-key', 'private.asc'))).mode & 0o777).toBe(0o600);
  });

  it('refuses to back up into a directory that is not empty', async () => {
    const result = await aurgate.cli(['backup', backupDir]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('not empty');
  });

  it('changes after the backup are not in it (a restore goes back to the backup point)', async () => {
    heads['v3'] = await upstream.push('bk-main', makePackage({ pkgbase: 'bk-main', pkgver: '3.0' }));
    await aurgate.app.sync({ trigger: 'cli' });
    await aurgate.app.approve({ pkgbase: 'bk-main', commit: heads['v3'], by: await account(aurgate.app, 'rita') });
  });

  it('restores into a fresh data dir, and a server on it serves the same packages, heads and pinned bytes', async () => {
    const env = { ...aurgate.env, AURGATE_DATA_DIR: restoredDir };
    const result = await runCliInProcess(['restore', backupDir], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2 served packages');
    const config = loadConfig(env);
    // The snapshot cache is not needed to reproduce the pinned bytes: rebuilt archives must match the recorded sha256.
    await rm(config.paths.snapshots, { recursive: true, force: true });
    const restored = new Aurgate(config, pino({ level: 'silent' }));
    const server = await startServer(restored, { schedule: false, port: 0 });
    try {
      const after = await observe(server.url, pinned);
      expect(after).toEqual(before);
      expect(after.cloneHead).toBe(heads['v2']);
      // The same signing key: builds that pinned it keep verifying the restored server's log.
      const keys = async (base: string) => (await fetch(`${base}/.well-known/aurgate/keys`)).text();
      expect(await keys(server.url)).toBe(await keys(url));
      expect(restored.trust.keys().active.keyid).toBe(aurgate.app.trust.keys().active.keyid);
      // And the same pacman repository key, which clients trusted by its fingerprint.
      const repoKey = async (base: string) => (await fetch(`${base}/repo/aurgate/key.asc`)).text();
      expect(await repoKey(server.url)).toBe(await repoKey(url));
      expect((await restored.repoKey()).fingerprint).toBe((await aurgate.app.repoKey()).fingerprint);
      const pending = restored.db.prepare("SELECT COUNT(*) AS n FROM revisions WHERE state = 'pending'").get() as { n: number };
      expect(pending.n).toBe(1);
      expect(restored.db.prepare('SELECT COUNT(*) AS n FROM locks').get()).toEqual({ n: 0 });
    } finally {
      await server.close(1000);
      restored.close();
    }
  });

  it('repairs repos that are newer than the database (copied after it) to exactly what the database approves', async () => {
    // The window the ordering argument is about: v3 was approved after the database copy but before the
    // repo copy. Simulate it by putting today's repos next to the backed-up database.
    const skewed = path.join(path.dirname(backupDir), 'backup-skewed');
    await cp(backupDir, skewed, { recursive: true });
    for (const part of ['mirror', 'served'] as const) {
      const live = part === 'mirror' ? aurgate.config.paths.mirrorRepos : aurgate.config.paths.servedRepos;
      await rm(path.join(skewed, part, 'bk-main.git'), { recursive: true });
      await cp(path.join(live, 'bk-main.git'), path.join(skewed, part, 'bk-main.git'), { recursive: true });
    }
    const dataDir = path.join(await tempDir('aurgate-skewed-'), 'data');
    const result = await runCliInProcess(['restore', skewed], { ...aurgate.env, AURGATE_DATA_DIR: dataDir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('1 served repos repaired');
    const served = path.join(dataDir, 'served', 'bk-main.git');
    expect((await git(['rev-parse', 'refs/heads/master'], { cwd: served })).stdout.trim()).toBe(heads['v2']);
    expect((await git(['cat-file', '-e', heads['v3'] ?? ''], { cwd: served, okCodes: [1, 128] })).code).not.toBe(0);
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('refuses to restore into a data dir that is not empty, touching nothing', async () => {
    const occupied = path.join(await tempDir('aurgate-occupied-'), 'data');
    await mkdir(occupied);
    await writeFile(path.join(occupied, 'keep.txt'), 'precious\n');
    const result = await runCliInProcess(['restore', backupDir], { ...aurgate.env, AURGATE_DATA_DIR: occupied });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('not empty');
    expect(await readdir(occupied)).toEqual(['keep.txt']);
  });

  it('refuses a directory that is not a complete backup', async () => {
    const incomplete = await tempDir('aurgate-incomplete-');
    const fresh = path.join(await tempDir('aurgate-fresh-'), 'data');
    const result = await runCliInProcess(['restore', incomplete], { ...aurgate.env, AURGATE_DATA_DIR: fresh });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('manifest.json');
    expect(existsSync(fresh)).toBe(false);
  });
});
