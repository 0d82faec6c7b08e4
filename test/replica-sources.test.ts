import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockFile } from '../src/app/lock.js';
import type { SourceManifest } from '../src/app/source-serving.js';
import { AurgateReplica } from '../src/compose-replica.js';
import { loadConfig } from '../src/config.js';
import { startReplicaServer } from '../src/http/replica-server.js';
import type { RunningServer } from '../src/http/server.js';
import { createLogger } from '../src/log.js';
import { getJob, recordBlob, updateRevisionSource } from '../src/sources/records.js';
import { account } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { tempDir } from './support/git-client.js';
import { CHILD_HANG_GUARD_MS } from './support/hang-guard.js';
import { startPublicAurgate, type Harness } from './support/harness.js';
import { runMakepkg } from './support/makepkg.js';
import { freePort } from './support/ports.js';
import { SourceHost } from './support/source-host.js';
import { until } from './support/until.js';
import { TestUpstream } from './support/upstream.js';

/**
 * A replica copies the primary's source cache and verifies every blob against the manifest's sha256
 * and the PKGBUILD checksums of the commit it verified itself; then a lock-based makepkg build runs
 * with only the replica reachable (primary and source host stopped). A blob altered on the primary's
 * disk is never sent (the primary re-hashes it); a primary whose cache records were rewritten to send
 * other bytes makes the replica halt with digest-mismatch, storing nothing of them.
 */
let upstream: TestUpstream;
let host: SourceHost;
let primary: (Harness & { url: string }) | null;
let replica: AurgateReplica;
let server: RunningServer;
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const commits: Record<string, string> = {};
const NOTES = Buffer.from('replicated release notes\n');
const ALTERED = Buffer.from('altered on disk 1.0\n');
const REWRITTEN = Buffer.from('rewritten records 1.0\n');
let tarball: Buffer;

function run(command: string, args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: CHILD_HANG_GUARD_MS, env: { PATH: process.env['PATH'] ?? '' } }, (error, _stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
    );
  });
}

async function approveOnPrimary(pkgbase: string): Promise<void> {
  const app = primary!.app;
  await app.allow([pkgbase], 'tester');
  await app.sync({ only: [pkgbase], trigger: 'cli' });
  await app.approve({ pkgbase, commit: commits[pkgbase] ?? '', by: await account(app, 'rita') });
  await app.sources.idle();
}

async function replicaManifest(pkgbase: string): Promise<{ status: number; body: SourceManifest | null }> {
  const response = await fetch(`${server.url}/sources/${pkgbase}/${commits[pkgbase]}/manifest.json`);
  return { status: response.status, body: response.status === 200 ? ((await response.json()) as SourceManifest) : null };
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  host = await SourceHost.start();
  const work = await tempDir('replica-sources-');
  await mkdir(path.join(work, 'payload'));
  await writeFile(path.join(work, 'payload', 'data.txt'), 'replicated payload\n');
  expect((await run('tar', ['-czf', 'payload.tar.gz', 'payload'], work)).code).toBe(0);
  tarball = await readFile(path.join(work, 'payload.tar.gz'));
  const tarUrl = host.put('/releases/payload-2.0.tar.gz', tarball);
  const notesUrl = host.put('/notes.txt', NOTES);
  commits['rsrc-demo'] = await upstream.addPackage(
    makePackage({
      pkgbase: 'rsrc-demo',
      sources: { source: [tarUrl, `notes-2.0.txt::${notesUrl}`, 'local.patch'], sha256sums: [sha256(tarball), sha256(NOTES), sha256('patch\n')] },
      extraFiles: { 'local.patch': 'patch\n' },
      extraPkgbuild:
        'build() {\n  grep -q "replicated payload" "$srcdir/payload/data.txt"\n  grep -q "replicated release" "$srcdir/notes-2.0.txt"\n}',
    }),
  );
  for (const [pkgbase, bytes] of [
    ['rsrc-altered', ALTERED],
    ['rsrc-rewritten', REWRITTEN],
  ] as const) {
    const url = host.put(`/${pkgbase}.txt`, bytes);
    commits[pkgbase] = await upstream.addPackage(makePackage({ pkgbase, sources: { source: [url], sha256sums: [sha256(bytes)] } }));
  }
  primary = await startPublicAurgate({ upstreamUrl: upstream.url, env: { AURGATE_SOURCE_ALLOW_PRIVATE: 'true' } });
  const port = await freePort();
  replica = new AurgateReplica(
    loadConfig({
      AURGATE_DATA_DIR: await tempDir('replica-sources-data-'),
      AURGATE_UPSTREAM_URL: 'http://127.0.0.1:9',
      AURGATE_REPLICA_OF: primary.url,
      AURGATE_TRUSTED_KEY: primary.app.trust.pinnedKeys().trim(),
      AURGATE_REPLICA_POLL_MS: '100',
      AURGATE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    }),
    createLogger('silent', { process: 'test' }),
  );
  server = await startReplicaServer(replica, { port });
});

afterAll(async () => {
  await server?.close(2000);
  replica?.close();
  await primary?.close();
  await host?.stop().catch(() => undefined);
  await upstream?.stop();
});

describe('a replica of the source cache', () => {
  it('copies the sources of an approved revision once the primary has them, verified, and serves them itself', async () => {
    await approveOnPrimary('rsrc-demo');
    await until(async () => (await replicaManifest('rsrc-demo')).body?.sources[0]?.status === 'stored');
    const { body } = await replicaManifest('rsrc-demo');
    expect(body?.sources.map((source) => [source.filename, source.status, source.sha256, source.href])).toEqual([
      ['payload-2.0.tar.gz', 'stored', sha256(tarball), `${server.url}/sources/${sha256(tarball)}/payload-2.0.tar.gz`],
      ['notes-2.0.txt', 'stored', sha256(NOTES), `${server.url}/sources/${sha256(NOTES)}/notes-2.0.txt`],
      ['local.patch', 'local', null, null],
    ]);
    expect(await readFile(replica.blobs.pathOf(sha256(NOTES)))).toEqual(NOTES);
    const blob = await fetch(`${server.url}/sources/${sha256(NOTES)}/notes-2.0.txt`);
    expect(Buffer.from(await blob.arrayBuffer())).toEqual(NOTES);
    expect(blob.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^aurgate_replica_source_bytes_total ${tarball.length + NOTES.length}$`, 'm'));
  });

  it('stores nothing of a blob altered on the primary’s disk (the primary refuses to send it) and keeps following', async () => {
    await replica.follower.stop();
    await approveOnPrimary('rsrc-altered');
    await writeFile(primary!.app.blobs.pathOf(sha256(ALTERED)), 'altered on disk 6.6\n');
    replica.follower.start();
    await until(() => (getJob(replica.db, 'rsrc-altered', commits['rsrc-altered'] ?? '')?.error ?? '').includes('500'));
    expect(await replica.blobs.has(sha256(ALTERED))).toBe(false);
    expect((await fetch(`${server.url}/sources/${sha256(ALTERED)}/rsrc-altered.txt`)).status).toBe(404);
    expect(replica.follower.status().state).toBe('following');
  });

  it('halts with digest-mismatch when the primary sends bytes the PKGBUILD did not pin, storing none of them', async () => {
    await replica.follower.stop();
    await approveOnPrimary('rsrc-rewritten');
    // A compromised primary: its records name other bytes, which it stores and sends consistently.
    const app = primary!.app;
    const forged = Buffer.from('forged bytes 1.0\n');
    const temp = app.blobs.tempPath();
    await writeFile(temp, forged);
    await app.blobs.adopt(temp, sha256(forged));
    recordBlob(app.db, sha256(forged), forged.length);
    const key = { pkgbase: 'rsrc-rewritten', commit: commits['rsrc-rewritten'] ?? '', arch: 'any', position: 0 };
    updateRevisionSource(app.db, { ...key, sha256: sha256(forged), vcsCommit: null, status: 'stored', error: null });
    replica.follower.start();
    await until(() => replica.follower.status().state === 'halted');
    const { halt } = replica.follower.status();
    expect(halt?.kind).toBe('digest-mismatch');
    expect(halt?.reason).toMatch(/rsrc-rewritten: source rsrc-rewritten\.txt .* sha256sum \(PKGBUILD\) [0-9a-f]{64}, expected [0-9a-f]{64}/);
    expect(await replica.blobs.has(sha256(forged))).toBe(false);
    // Still queued, with the reason: a restarted replica checks the same bytes again instead of forgetting them.
    expect(getJob(replica.db, 'rsrc-rewritten', key.commit)).toMatchObject({
      state: 'queued',
      error: expect.stringContaining('sha256sum (PKGBUILD)'),
    });
    expect((await readdir(path.join(replica.blobs.root, 'tmp'))).length).toBe(0);
    expect((await fetch(`${server.url}/sources/${sha256(forged)}/rsrc-rewritten.txt`)).status).toBe(404);
  });
});

describe('a build from a lock with only the replica reachable', () => {
  it('builds with every source from the replica’s cache, the primary and the source host stopped', async () => {
    await primary?.close();
    primary = null;
    await host.stop();
    const before = host.requests.length;
    const lock = (await (await fetch(`${server.url}/api/v1/lock?pkg=rsrc-demo`)).json()) as LockFile;
    expect(lock.server).toBe(server.url);
    const [entry] = lock.packages;
    const root = await tempDir('replica-hermetic-');
    const archive = Buffer.from(await (await fetch(entry?.url ?? '')).arrayBuffer());
    expect(sha256(archive)).toBe(entry?.sha256);
    await writeFile(path.join(root, 'snapshot.tar.gz'), archive);
    expect((await run('tar', ['-xzf', 'snapshot.tar.gz'], root)).code).toBe(0);
    const dir = path.join(root, 'rsrc-demo');
    const script = await (await fetch(`${lock.server}/sources/rsrc-demo/${entry?.commit}/srcdest.sh`)).text();
    await writeFile(path.join(dir, 'srcdest.sh'), script);
    const prefill = await run('sh', ['srcdest.sh'], dir);
    expect(prefill.code, prefill.stderr).toBe(0);
    const built = await runMakepkg(dir, ['--nodeps', '--noconfirm', '--noprogressbar']);
    const output = built.stdout + built.stderr;
    expect(output).toMatch(/Found payload-2\.0\.tar\.gz/);
    expect(output).toMatch(/Found notes-2\.0\.txt/);
    expect(output).not.toMatch(/Downloading/);
    expect((await readdir(dir)).some((file) => /^rsrc-demo-1\.0\.0-1-any\.pkg\.tar/.test(file))).toBe(true);
    expect(host.requests.length).toBe(before);
  });
});
