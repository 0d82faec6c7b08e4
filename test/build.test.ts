import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestBuild, runBuild } from '../src/app/build.js';
import { buildPackages, claimBuild, getBuild, listBuilds, type BuildRecord, type BuiltPackage } from '../src/build/records.js';
import { account } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { SourceHost } from './support/source-host.js';
import { TestUpstream } from './support/upstream.js';
import { until } from './support/until.js';

/**
 * Builds of approved revisions with the real makepkg, as the unprivileged build user, in bubblewrap
 * without network: the sources come from the source cache only, SOURCE_DATE_EPOCH from the approved
 * commit, and only approved commits are built.
 */
const run = promisify(execFile);
const sha256 = (bytes: string) => createHash('sha256').update(bytes).digest('hex');
let upstream: TestUpstream;
let host: SourceHost;
let aurgate: Harness;
const commits: Record<string, string> = {};

const DATA = 'payload from the release tarball\n';

async function approve(pkgbase: string): Promise<void> {
  await aurgate.app.allow([pkgbase], 'tester');
  await aurgate.app.sync({ only: [pkgbase], trigger: 'cli' });
  await aurgate.app.approve({ pkgbase, commit: commits[pkgbase] ?? '', by: await account(aurgate.app, 'rita') });
}

interface BuildJson {
  build: BuildRecord;
  packages: BuiltPackage[];
  log: string;
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  host = await SourceHost.start();
  const dataUrl = host.put('/release/data-1.0.txt', DATA);
  commits['built'] = await upstream.addPackage(
    makePackage({
      pkgbase: 'built',
      sources: { source: [dataUrl], sha256sums: [sha256(DATA)] },
      extraPkgbuild: 'build() {\n  grep -q "release tarball" "$srcdir/data-1.0.txt"\n}',
    }),
  );
  // A build() that reaches for the network: the sandbox must not let it.
  commits['online'] = await upstream.addPackage(
    makePackage({ pkgbase: 'online', extraPkgbuild: `build() {\n  curl -sf -m 5 ${host.url}/release/data-1.0.txt\n}` }),
  );
  host.put('/vanishing.txt', 'here for the review only\n');
  commits['uncached'] = await upstream.addPackage(
    makePackage({ pkgbase: 'uncached', sources: { source: [`${host.url}/vanishing-gone.txt`], sha256sums: [sha256('x')] } }),
  );
  commits['unfetched'] = await upstream.addPackage(makePackage({ pkgbase: 'unfetched', sources: { source: [dataUrl], sha256sums: [sha256(DATA)] } }));
  commits['pending'] = await upstream.addPackage(makePackage({ pkgbase: 'pending' }));
  aurgate = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_SOURCE_ALLOW_PRIVATE: 'true' } });
  for (const pkgbase of ['built', 'online', 'uncached']) await approve(pkgbase);
  await approve('unfetched');
  // In `aurgate serve` the approval fetches them in the background; here it is done by hand, except for 'unfetched'.
  for (const pkgbase of ['built', 'uncached']) await aurgate.app.sources.fetchNow(pkgbase);
  await aurgate.app.allow(['pending'], 'tester');
  await aurgate.app.sync({ only: ['pending'], trigger: 'cli' });
});

afterAll(async () => {
  await aurgate?.close();
  await host?.stop();
  await upstream?.stop();
});

describe('aurgate build', () => {
  it('builds the approved revision offline from the source cache, with SOURCE_DATE_EPOCH of the approved commit', async () => {
    const requestsBefore = host.requests.length;
    const result = await aurgate.cli(['build', 'built', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { build, packages, log } = JSON.parse(result.stdout) as BuildJson;
    expect(build).toMatchObject({ pkgbase: 'built', commit: commits['built'], state: 'succeeded', builder: 'local', networkIsolated: true });
    expect(host.requests.length).toBe(requestsBefore);
    const { stdout: committed } = await run('git', ['-C', aurgate.app.served.repoPath('built'), 'log', '-1', '--format=%ct', commits['built'] ?? '']);
    expect(build.sourceDateEpoch).toBe(Number(committed.trim()));
    expect(packages).toEqual([expect.objectContaining({ pkgname: 'built', version: '1.0.0-1', arch: 'any' })]);
    const [pkg] = packages;
    const file = path.join(aurgate.dataDir, 'builds', String(build.id), 'packages', pkg?.filename ?? '');
    const { stdout: digest } = await run('sha256sum', [file]);
    expect(digest.split(' ')[0]).toBe(pkg?.sha256);
    const { stdout: listing } = await run('bsdtar', ['-tvf', file]);
    expect(listing).toContain('usr/share/built/hello.txt');
    // makepkg stamps every file with SOURCE_DATE_EPOCH: the package does not depend on when it was built.
    const { stdout: mtimes } = await run('bsdtar', ['-xOf', file, '.BUILDINFO']);
    expect(mtimes).toContain(`builddate = ${build.sourceDateEpoch}`);
    expect(existsSync(log)).toBe(true);
    const listed = await aurgate.cli(['builds', 'built']);
    expect(listed.stdout).toMatch(new RegExp(`#${build.id} +built +${commits['built']?.slice(0, 12)} +succeeded .* offline`));
  });

  it('gives a build() no network, and keeps its log', async () => {
    const result = await aurgate.cli(['build', 'online']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/online [0-9a-f]{12}: makepkg failed \(exit \d+\)/);
    const builds = JSON.parse((await aurgate.cli(['builds', 'online', '--json'])).stdout) as { builds: BuildRecord[] };
    expect(builds.builds[0]).toMatchObject({ state: 'failed', networkIsolated: true });
    const log = await aurgate.cli(['builds', '--log', String(builds.builds[0]?.id)]);
    expect(log.stdout).toContain('A failure occurred in build()');
  });

  it('refuses a source the cache lacks before makepkg runs, naming it', async () => {
    const result = await aurgate.cli(['build', 'uncached']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/uncached [0-9a-f]{12}: source vanishing-gone\.txt is not in the source cache \(failed/);
    const unfetched = await aurgate.cli(['build', 'unfetched']);
    expect(unfetched.code).toBe(1);
    expect(unfetched.stderr).toContain('its sources are not in the source cache yet (1 to fetch); run aurgate sources fetch unfetched');
    expect(unfetched.stderr).not.toContain('running makepkg');
  });

  it('builds only approved revisions', async () => {
    const pending = await aurgate.cli(['build', 'pending', '--commit', commits['pending'] ?? '']);
    expect(pending.code).toBe(4);
    expect(pending.stderr).toContain('is pending: only approved revisions are built');
    expect((await aurgate.cli(['build', 'pending'])).stderr).toContain('pending has no approved revision to build');
  });

  it('does not run a queued build whose commit was revoked meanwhile', async () => {
    const queued = requestBuild(aurgate.app, { pkgbase: 'online', trigger: 'api', requestedBy: 'tester', again: true });
    await aurgate.app.revoke({
      pkgbase: 'online',
      commit: commits['online'] ?? '',
      by: await account(aurgate.app, 'ada', 'admin'),
      note: 'compromised',
    });
    const claimed = claimBuild(aurgate.app.db, queued.id);
    expect(claimed).not.toBeNull();
    await expect(runBuild(aurgate.app, claimed as BuildRecord)).rejects.toThrow(/online [0-9a-f]{40} is revoked: only approved revisions are built/);
    expect(getBuild(aurgate.app.db, queued.id)).toMatchObject({ state: 'failed', sourceDateEpoch: null });
  });
});

describe('builds on approval (AURGATE_BUILD_ON_APPROVAL)', () => {
  it('builds an approved revision in aurgate serve once its sources are in the cache', async () => {
    const served = await startAurgate({
      upstreamUrl: upstream.url,
      env: { AURGATE_SOURCE_ALLOW_PRIVATE: 'true', AURGATE_BUILD_ON_APPROVAL: 'true' },
    });
    try {
      await served.serve();
      await served.app.allow(['built'], 'tester');
      await served.app.sync({ only: ['built'], trigger: 'cli' });
      await served.app.approve({ pkgbase: 'built', commit: commits['built'] ?? '', by: await account(served.app, 'rita') });
      await until(async () => {
        await served.app.sources.idle();
        await served.app.builds.idle();
        return listBuilds(served.app.db, { pkgbase: 'built' })[0]?.state === 'succeeded';
      });
      const [build] = listBuilds(served.app.db, { pkgbase: 'built' });
      expect(build).toMatchObject({ commit: commits['built'], trigger: 'approval', networkIsolated: true });
      expect(buildPackages(served.app.db, build?.id ?? 0).map((pkg) => pkg.pkgname)).toEqual(['built']);
      // Asking again gives the same build back rather than a second one.
      const again = JSON.parse((await served.cli(['build', 'built', '--json'])).stdout) as BuildJson;
      expect(again.build.id).toBe(build?.id);
    } finally {
      await served.close();
    }
  });
});
