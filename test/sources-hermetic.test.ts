import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockFile } from '../src/app/lock.js';
import type { SourceManifest } from '../src/app/source-serving.js';
import { GC_GRACE_MS } from '../src/app/sources.js';
import { SourceError } from '../src/errors.js';
import { listAudit } from '../src/quarantine/audit.js';
import { getPendingRevision } from '../src/quarantine/revisions.js';
import { fetchSourceFile } from '../src/upstream/source-fetch.js';
import { account } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { tempDir } from './support/git-client.js';
import { CHILD_HANG_GUARD_MS } from './support/hang-guard.js';
import { startPublicAurgate, type Harness } from './support/harness.js';
import { runMakepkg } from './support/makepkg.js';
import { SourceHost } from './support/source-host.js';
import { TestUpstream } from './support/upstream.js';

/**
 * The hermetic source cache as a deployment runs it: a real AUR, a real source host on 127.0.0.1
 * (allowed with AURGATE_SOURCE_ALLOW_PRIVATE, as the README says), approvals that fetch and verify
 * sources in the background, and a lock-based makepkg build that gets every source from aurgate
 * after the source host is gone.
 */
let upstream: TestUpstream;
let host: SourceHost;
let aurgate: Harness & { url: string };
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

const PAYLOAD = 'hermetic payload\n';
const NOTES = Buffer.from('release notes 1.0\n');
let tarball: Buffer;
const commits: Record<string, string> = {};
const TOOL_COMMIT = '7'.repeat(40);

function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: CHILD_HANG_GUARD_MS, env: { PATH: process.env['PATH'] ?? '' } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function approve(pkgbase: string): Promise<void> {
  await aurgate.app.allow([pkgbase], 'tester');
  await aurgate.app.sync({ only: [pkgbase], trigger: 'cli' });
  await aurgate.app.approve({ pkgbase, commit: commits[pkgbase] ?? '', by: await account(aurgate.app, 'rita') });
}

async function manifestOf(pkgbase: string): Promise<SourceManifest> {
  const response = await fetch(`${aurgate.url}/sources/${pkgbase}/${commits[pkgbase]}/manifest.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as SourceManifest;
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  host = await SourceHost.start();
  const work = await tempDir('aurgate-srchost-');
  await mkdir(path.join(work, 'payload'));
  await writeFile(path.join(work, 'payload', 'data.txt'), PAYLOAD);
  expect((await run('tar', ['-czf', 'payload.tar.gz', 'payload'], work)).code).toBe(0);
  tarball = await readFile(path.join(work, 'payload.tar.gz'));
  const tarUrl = host.put('/releases/payload-1.0.tar.gz', tarball);
  const notesUrl = host.put('/notes.txt', NOTES);
  commits['hermetic-demo'] = await upstream.addPackage(
    makePackage({
      pkgbase: 'hermetic-demo',
      sources: { source: [tarUrl, `notes-1.0.txt::${notesUrl}`, 'local.patch'], sha256sums: [sha256(tarball), sha256(NOTES), sha256('patch\n')] },
      extraFiles: { 'local.patch': 'patch\n' },
      // The build reads every source: a missing or different file fails it.
      extraPkgbuild: 'build() {\n  grep -q "hermetic payload" "$srcdir/payload/data.txt"\n  grep -q "release notes" "$srcdir/notes-1.0.txt"\n}',
    }),
  );
  host.put('/evil.tar.gz', 'not what the PKGBUILD pinned\n');
  commits['hermetic-mismatch'] = await upstream.addPackage(
    makePackage({ pkgbase: 'hermetic-mismatch', sources: { source: [`${host.url}/evil.tar.gz`], sha256sums: [sha256('the reviewed bytes\n')] } }),
  );
  host.put('/moving.tar.gz', 'whatever the host has today\n');
  // A git repo over the dumb HTTP protocol: enough for `git ls-remote` to resolve #branch=main.
  host.put('/tool.git/info/refs', `${TOOL_COMMIT}\trefs/heads/main\n`);
  host.put('/tool.git/HEAD', 'ref: refs/heads/main\n');
  commits['hermetic-unpinned'] = await upstream.addPackage(
    makePackage({
      pkgbase: 'hermetic-unpinned',
      sources: { source: [`${host.url}/moving.tar.gz`, `tool::git+${host.url}/tool.git#branch=main`], sha256sums: ['SKIP', 'SKIP'] },
    }),
  );
  aurgate = await startPublicAurgate({ upstreamUrl: upstream.url, env: { AURGATE_SOURCE_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await aurgate.close();
  await host.stop();
  await upstream.stop();
});

describe('sources on approval', () => {
  it('fetches and verifies every remote source in the background, and serves them at immutable URLs', async () => {
    await approve('hermetic-demo');
    await aurgate.app.sources.idle();
    const manifest = await manifestOf('hermetic-demo');
    expect(manifest.attestation).toBe(`${aurgate.url}/attestations/hermetic-demo/${commits['hermetic-demo']}.intoto.jsonl`);
    expect(manifest.sources.map((source) => [source.filename, source.kind, source.status, source.pinned, source.sha256])).toEqual([
      ['payload-1.0.tar.gz', 'remote', 'stored', true, sha256(tarball)],
      ['notes-1.0.txt', 'remote', 'stored', true, sha256(NOTES)],
      ['local.patch', 'local', 'local', true, null],
    ]);
    expect(manifest.sources[0]?.checksum).toEqual({ algorithm: 'sha256', value: sha256(tarball) });
    const blob = await fetch(manifest.sources[1]?.href ?? '');
    expect(blob.status).toBe(200);
    expect(blob.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await blob.arrayBuffer())).toEqual(NOTES);
    // Under another name, or a blob no approved revision uses: nothing.
    expect((await fetch(`${aurgate.url}/sources/${sha256(NOTES)}/other.txt`)).status).toBe(404);
    expect((await fetch(`${aurgate.url}/sources/${'0'.repeat(64)}/notes-1.0.txt`)).status).toBe(404);
    // On demand: the same revision again, in the command's own process; the same two blobs.
    const fetched = await aurgate.cli(['sources', 'fetch', 'hermetic-demo']);
    expect(fetched.stdout).toContain('2 stored, 1 in the package repo, 0 VCS, 0 failed');
    expect(fetched.code).toBe(0);
    const status = await aurgate.cli(['sources', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ blobs: 2, bytes: tarball.length + NOTES.length });
    const metrics = await (await fetch(`${aurgate.url}/metrics`)).text();
    expect(metrics).toMatch(/^aurgate_source_cache_files 2$/m);
  });

  it('refuses a source whose bytes do not match the PKGBUILD checksum, naming the package and the file', async () => {
    await approve('hermetic-mismatch');
    await aurgate.app.sources.idle();
    const [source] = (await manifestOf('hermetic-mismatch')).sources;
    expect(source).toMatchObject({ filename: 'evil.tar.gz', status: 'failed', sha256: null, href: null });
    expect(source?.error).toMatch(/^hermetic-mismatch: source evil\.tar\.gz from .*: sha256sum is [0-9a-f]{64}, the PKGBUILD says/);
    const status = JSON.parse((await aurgate.cli(['sources', 'status', '--json'])).stdout) as {
      blobs: number;
      jobs: Array<{ pkgbase: string; state: string }>;
    };
    expect(status.blobs).toBe(2);
    expect(status.jobs.find((job) => job.pkgbase === 'hermetic-mismatch')?.state).toBe('failed');
    // The pre-fill script stops before fetching anything, naming what is missing.
    const script = await (await fetch(`${aurgate.url}/sources/hermetic-mismatch/${commits['hermetic-mismatch']}/srcdest.sh`)).text();
    const dir = await tempDir('aurgate-srcdest-');
    await writeFile(path.join(dir, 'srcdest.sh'), script);
    const result = await run('sh', ['srcdest.sh'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('hermetic-mismatch source evil.tar.gz is not in the cache');
  });

  it('flags SKIP and VCS sources at review until a reviewer accepts them, audited', async () => {
    await aurgate.app.allow(['hermetic-unpinned'], 'tester');
    await aurgate.app.sync({ only: ['hermetic-unpinned'], trigger: 'cli' });
    const pending = getPendingRevision(aurgate.app.db, 'hermetic-unpinned');
    expect(pending?.commit).toBe(commits['hermetic-unpinned']);
    const flagsOf = async () => (await aurgate.app.reviews.flags(pending!)).filter((flag) => flag.check === 'unpinned-source');
    expect((await flagsOf()).map((flag) => [flag.severity, flag.reason])).toEqual([
      ['medium', expect.stringContaining('moving.tar.gz has only SKIP checksums')],
      ['medium', expect.stringContaining('tool is a git checkout')],
    ]);
    const rita = await account(aurgate.app, 'rita');
    aurgate.app.sources.acceptUnpinned({ pkgbase: 'hermetic-unpinned', commit: pending!.commit.slice(0, 10), by: rita, note: 'no release tarballs' });
    expect((await flagsOf()).map((flag) => [flag.severity, flag.reason])).toEqual([
      ['info', expect.stringContaining('accepted by rita: no release tarballs')],
    ]);
    expect(listAudit(aurgate.app.db, { action: 'sources.accept-unpinned' })).toEqual([
      expect.objectContaining({ actor: 'rita', pkgbase: 'hermetic-unpinned', commit: pending!.commit }),
    ]);
    // Approved: the SKIP file is stored but unpinned; the VCS source is not stored, its branch is resolved and recorded.
    await aurgate.app.approve({ pkgbase: 'hermetic-unpinned', commit: pending!.commit, by: rita });
    await aurgate.app.sources.idle();
    const manifest = await manifestOf('hermetic-unpinned');
    expect(manifest.acceptedUnpinned).toMatchObject({ by: 'rita', note: 'no release tarballs' });
    expect(manifest.sources.map((source) => [source.filename, source.kind, source.status, source.pinned])).toEqual([
      ['moving.tar.gz', 'remote', 'stored', false],
      ['tool', 'vcs', 'vcs', false],
    ]);
    expect(manifest.sources[0]?.checksum).toBeNull();
    expect(manifest.sources[1]).toMatchObject({ vcsCommit: TOOL_COMMIT, sha256: null, error: null });
  });

  it('refuses private addresses unless allowed, bodies over the cap, and redirects to other schemes', async () => {
    const target = path.join(await tempDir('aurgate-fetch-'), 'file');
    const options = { maxBytes: 1024, timeoutMs: 30_000, maxRedirects: 2, allowPrivate: false, digests: [], pkgbase: 'p', filename: 'f' };
    const refused = await fetchSourceFile(`${host.url}/notes.txt`, target, options).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SourceError);
    expect(refused).toMatchObject({ failure: 'refused', message: expect.stringContaining('private address') });
    const big = host.put('/big.bin', Buffer.alloc(4096));
    await expect(fetchSourceFile(big, target, { ...options, allowPrivate: true })).rejects.toMatchObject({ failure: 'too-large' });
    const sneaky = host.redirect('/sneaky', 'file:///etc/passwd');
    await expect(fetchSourceFile(sneaky, target, { ...options, allowPrivate: true })).rejects.toMatchObject({ failure: 'refused' });
  });
});

describe('a build from a lock with only aurgate reachable', () => {
  let lock: LockFile;

  /** Unpacks the locked snapshot and pre-fills its directory (makepkg's default SRCDEST) from aurgate. */
  async function prepareBuild(): Promise<{ dir: string; prefill: { code: number; stderr: string } }> {
    const [entry] = lock.packages;
    const root = await tempDir('aurgate-hermetic-');
    const archive = Buffer.from(await (await fetch(entry?.url ?? '')).arrayBuffer());
    expect(sha256(archive)).toBe(entry?.sha256);
    await writeFile(path.join(root, 'snapshot.tar.gz'), archive);
    expect((await run('tar', ['-xzf', 'snapshot.tar.gz'], root)).code).toBe(0);
    const dir = path.join(root, 'hermetic-demo');
    const script = await fetch(`${lock.server}/sources/hermetic-demo/${entry?.commit}/srcdest.sh`);
    await writeFile(path.join(dir, 'srcdest.sh'), await script.text());
    return { dir, prefill: await run('sh', ['srcdest.sh'], dir) };
  }

  beforeAll(async () => {
    lock = (await (await fetch(`${aurgate.url}/api/v1/lock?pkg=hermetic-demo`)).json()) as LockFile;
    await host.stop();
  });

  it('builds with every source from the cache', async () => {
    const before = host.requests.length;
    const { dir, prefill } = await prepareBuild();
    expect(prefill.code, prefill.stderr).toBe(0);
    const built = await runMakepkg(dir, ['--nodeps', '--noconfirm', '--noprogressbar']);
    const output = built.stdout + built.stderr;
    expect(output).toMatch(/Found payload-1\.0\.tar\.gz/);
    expect(output).toMatch(/Found notes-1\.0\.txt/);
    expect(output).not.toMatch(/Downloading/);
    expect((await readdir(dir)).some((file) => /^hermetic-demo-1\.0\.0-1-any\.pkg\.tar/.test(file))).toBe(true);
    expect(host.requests.length).toBe(before);
  });

  it('fails on a tampered cached source: aurgate refuses the blob, and makepkg would refuse its bytes', async () => {
    const blob = aurgate.app.blobs.pathOf(sha256(NOTES));
    const tampered = Buffer.from('release notes 6.6\n');
    expect(tampered.length).toBe(NOTES.length);
    await writeFile(blob, tampered);
    // aurgate re-hashes a blob before sending it: the pre-fill script gets a 500 and stops.
    const answer = await fetch(`${aurgate.url}/sources/${sha256(NOTES)}/notes-1.0.txt`);
    expect(answer.status).toBe(500);
    expect(await answer.text()).toContain('failed its digest check');
    const { dir, prefill } = await prepareBuild();
    expect(prefill.code).not.toBe(0);
    expect(prefill.stderr).toMatch(/500/);
    // With the file missing and the source host gone, makepkg cannot download it either.
    await expect(runMakepkg(dir, ['--nodeps', '--noconfirm', '--noprogressbar'])).rejects.toThrow(/Failure while downloading .*\/notes\.txt/);
    // Had a cache served the tampered bytes, makepkg's own checksum would have stopped the build.
    await writeFile(path.join(dir, 'notes-1.0.txt'), tampered);
    await expect(runMakepkg(dir, ['--nodeps', '--noconfirm', '--noprogressbar'])).rejects.toThrow(/notes-1\.0\.txt \.\.\. FAILED/);
  });
});

describe('garbage collection', () => {
  it('stops serving and removes the sources of a revoked revision, and only those', async () => {
    const notes = `${aurgate.url}/sources/${sha256(NOTES)}/notes-1.0.txt`;
    const before = JSON.parse((await aurgate.cli(['sources', 'status', '--json'])).stdout) as { blobs: number };
    await aurgate.app.revoke({
      pkgbase: 'hermetic-demo',
      commit: commits['hermetic-demo'] ?? '',
      by: await account(aurgate.app, 'sec', 'admin'),
      note: 'test',
    });
    expect((await fetch(notes)).status).toBe(404);
    // Within the grace period nothing goes; after it, the two blobs only hermetic-demo used.
    expect(await aurgate.app.sources.gc()).toMatchObject({ removed: 0 });
    const result = await aurgate.app.sources.gc(Date.now() + GC_GRACE_MS + 1);
    expect(result).toMatchObject({ removed: 2, kept: before.blobs - 2 });
    expect(await aurgate.app.blobs.has(sha256(NOTES))).toBe(false);
    expect(await aurgate.app.blobs.has(sha256(tarball))).toBe(false);
  });
});
