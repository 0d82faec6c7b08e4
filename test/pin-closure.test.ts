import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockFile } from '../src/app/lock.js';
import { account } from './support/accounts.js';
import { makePackage, type PackageSpec } from './support/fixture-packages.js';
import { tempDir } from './support/git-client.js';
import { startPublicAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/**
 * Locks follow AUR dependencies: depends, makedepends and checkdepends, through a split package and
 * another package's provides, in build order; unserved AUR dependencies fail the lock (or are
 * reported with --allow-missing); `verify` finds a dependency missing from a lock.
 */
const PACKAGES: PackageSpec[] = [
  { pkgbase: 'cl-app', depends: ['cl-lib>=1.0', 'glibc'], makedepends: ['cl-tool'], checkdepends: ['cl-check'] },
  { pkgbase: 'cl-lib', pkgver: '1.5', depends: ['cl-runtime'] },
  { pkgbase: 'cl-runtime-git', provides: ['cl-runtime=2.0'] },
  { pkgbase: 'cl-suite', pkgnames: ['cl-tool', 'cl-docs'] },
  { pkgbase: 'cl-check' },
  { pkgbase: 'cl-needy', depends: ['cl-pending', 'cl-gone', 'cl-lib', 'python'] },
  { pkgbase: 'cl-pending' },
  { pkgbase: 'cl-gone' },
  { pkgbase: 'cl-ping', depends: ['cl-pong'] },
  { pkgbase: 'cl-pong', makedepends: ['cl-ping'] },
  // cl-stranger is in the AUR and was never allowlisted; python is not in the AUR at all.
  { pkgbase: 'cl-outsider', depends: ['cl-stranger>=1', 'python'] },
];
const APPROVED = ['cl-app', 'cl-lib', 'cl-runtime-git', 'cl-suite', 'cl-check', 'cl-needy', 'cl-ping', 'cl-pong', 'cl-outsider'];

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
const heads = new Map<string, string>();

async function writeLock(lock: unknown): Promise<string> {
  const file = path.join(await tempDir('aurgate-closure-'), 'aurgate.lock.json');
  await writeFile(file, JSON.stringify(lock, null, 2));
  return file;
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startPublicAurgate({ upstreamUrl: upstream.url });
  url = (aurgate as Harness & { url: string }).url;
  for (const spec of PACKAGES) heads.set(spec.pkgbase, await upstream.addPackage(makePackage(spec)));
  heads.set('cl-stranger', await upstream.addPackage(makePackage({ pkgbase: 'cl-stranger' })));
  await aurgate.app.allow(
    PACKAGES.map((spec) => spec.pkgnames?.[0] ?? spec.pkgbase),
    'tester',
  );
  await aurgate.app.sync({ trigger: 'cli' });
  // cl-gone was mirrored once, then taken off the allowlist: aurgate knows it as an AUR package.
  await aurgate.app.disallow(['cl-gone'], 'tester');
  const by = await account(aurgate.app, 'rita');
  for (const pkgbase of APPROVED) await aurgate.app.approve({ pkgbase, commit: heads.get(pkgbase) ?? '', by });
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

const summary = (lock: LockFile) => lock.packages.map((entry) => [entry.pkgname, entry.requested, entry.dependencies, entry.requiredBy]);

const APP_CLOSURE = [
  ['cl-check', false, [], ['cl-app']],
  ['cl-runtime-git', false, [], ['cl-lib']],
  ['cl-lib', false, ['cl-runtime-git'], ['cl-app']],
  ['cl-tool', false, [], ['cl-app']],
  ['cl-app', true, ['cl-check', 'cl-lib', 'cl-tool'], []],
];

describe('aurgate lock follows AUR dependencies', () => {
  it("adds pkg's AUR dependencies (depends, makedepends, checkdepends, a provides, a split package) in build order", async () => {
    const result = await aurgate.cli(['lock', 'cl-app']);
    expect(result.code, result.stderr).toBe(0);
    const lock = JSON.parse(result.stdout) as LockFile;
    expect(summary(lock)).toEqual(APP_CLOSURE);
    expect(lock.packages.map((entry) => entry.pkgbase)).toEqual(['cl-check', 'cl-runtime-git', 'cl-lib', 'cl-suite', 'cl-app']);
    expect(lock.missing).toBeUndefined();
    const docker = await aurgate.cli(['lock', 'cl-app', '--format', 'dockerfile']);
    expect(
      docker.stdout
        .split('\n')
        .filter((line) => line.startsWith('ADD '))
        .map((line) => line.split(' ').pop()),
    ).toEqual(['cl-check', 'cl-runtime-git', 'cl-lib', 'cl-suite', 'cl-app'].map((pkgbase) => `/aur/${pkgbase}.tar.gz`));
  });

  it('fails with exit 3 naming each unserved AUR dependency, why, and who needs it, and writes nothing', async () => {
    const result = await aurgate.cli(['lock', 'cl-needy']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('cl-gone (needed by cl-needy): not on the allowlist');
    expect(result.stderr).toContain('cl-pending (needed by cl-needy): awaiting review');
    expect(result.stderr).not.toContain('python');
  });

  it('writes the lock with --allow-missing and reports the gaps on stderr and in the lock', async () => {
    const result = await aurgate.cli(['lock', 'cl-needy', '--allow-missing']);
    expect(result.code, result.stderr).toBe(0);
    const lock = JSON.parse(result.stdout) as LockFile;
    expect(lock.packages.map((entry) => entry.pkgname)).toEqual(['cl-runtime-git', 'cl-lib', 'cl-needy']);
    expect(lock.missing).toEqual([
      { name: 'cl-gone', reason: 'not on the allowlist', requiredBy: ['cl-needy'] },
      { name: 'cl-pending', reason: 'awaiting review', requiredBy: ['cl-needy'] },
    ]);
    expect(result.stderr).toMatch(/leaves out 2 AUR dependencies[^\n]*\n {2}cl-gone \(needed by cl-needy\): not on the allowlist\n {2}cl-pending/);
  });

  it('tells an AUR dependency that was never allowlisted from an official one by what the sync asked the AUR', async () => {
    const refused = await aurgate.cli(['lock', 'cl-outsider']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('cl-stranger (needed by cl-outsider): not on the allowlist (an AUR package, pkgbase cl-stranger)');
    expect(refused.stderr).not.toContain('python');
    // The lock itself never asked upstream: the sync did, in one batched lookup.
    upstream.resetRequests();
    await aurgate.cli(['lock', 'cl-outsider', '--allow-missing']);
    expect(upstream.requests).toEqual([]);
    // Once it is served, the lock includes it.
    await aurgate.app.allow(['cl-stranger'], 'tester');
    await aurgate.app.sync({ only: ['cl-stranger'], trigger: 'cli' });
    await aurgate.app.approve({ pkgbase: 'cl-stranger', commit: heads.get('cl-stranger') ?? '', by: await account(aurgate.app, 'rita') });
    const locked = await aurgate.cli(['lock', 'cl-outsider']);
    expect(locked.code, locked.stderr).toBe(0);
    expect((JSON.parse(locked.stdout) as LockFile).packages.map((entry) => entry.pkgname)).toEqual(['cl-stranger', 'cl-outsider']);
  });

  it('refuses a dependency cycle with exit 4, naming it', async () => {
    const result = await aurgate.cli(['lock', 'cl-ping']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('dependency cycle cl-ping -> cl-pong -> cl-ping');
  });
});

describe('GET /api/v1/lock follows AUR dependencies', () => {
  it('answers the same closure and order as the CLI', async () => {
    const lock = (await (await fetch(`${url}/api/v1/lock?pkg=cl-app`)).json()) as LockFile;
    expect(summary(lock)).toEqual(APP_CLOSURE);
  });

  it('answers 404 with the gaps, or the lock with a missing field when allow-missing is given', async () => {
    const refused = await fetch(`${url}/api/v1/lock?pkg=cl-needy`);
    expect(refused.status).toBe(404);
    const body = (await refused.json()) as { error: string; missing: unknown[] };
    expect(body.error).toContain('cl-pending (needed by cl-needy): awaiting review');
    expect(body.missing).toHaveLength(2);
    const allowed = await fetch(`${url}/api/v1/lock?pkg=cl-needy&allow-missing=1`);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('aurgate-missing')).toBe('cl-gone, cl-pending');
    expect(((await allowed.json()) as LockFile).missing?.map((gap) => gap.name)).toEqual(['cl-gone', 'cl-pending']);
    expect((await fetch(`${url}/api/v1/lock?pkg=cl-needy&allow-missing=maybe`)).status).toBe(400);
  });

  it('answers 409 naming a cycle', async () => {
    const response = await fetch(`${url}/api/v1/lock?pkg=cl-pong`);
    expect(response.status).toBe(409);
    expect(((await response.json()) as { cycle: string[] }).cycle).toEqual(['cl-pong', 'cl-ping', 'cl-pong']);
  });

  it('tells verify what a dependency name is: served (also through provides), missing, or external', async () => {
    const response = await fetch(`${url}/api/v1/lock/dependencies?name=cl-runtime,glibc&name=cl-pending&name=cl-docs`);
    expect(((await response.json()) as { dependencies: unknown[] }).dependencies).toEqual([
      { name: 'cl-runtime', kind: 'served', pkgname: 'cl-runtime-git', pkgbase: 'cl-runtime-git', version: '1.0.0-1' },
      { name: 'glibc', kind: 'external' },
      { name: 'cl-pending', kind: 'missing', reason: 'awaiting review' },
      { name: 'cl-docs', kind: 'served', pkgname: 'cl-docs', pkgbase: 'cl-suite', version: '1.0.0-1' },
    ]);
    expect((await fetch(`${url}/api/v1/lock/dependencies?name=..%2Fx`)).status).toBe(400);
  });
});

describe('aurgate verify checks the closure', () => {
  let lock: LockFile;
  beforeAll(async () => {
    lock = (await (await fetch(`${url}/api/v1/lock?pkg=cl-app`)).json()) as LockFile;
  });

  it('accepts a complete lock, also one written before locks recorded dependencies', async () => {
    const old = { ...lock, packages: lock.packages.map(({ requested: _r, requiredBy: _b, dependencies: _d, ...entry }) => entry) };
    const result = await aurgate.cli(['verify', await writeLock(old)]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout.match(/^OK /gm)).toHaveLength(5);
  });

  it('exits 1 with a DRIFT line when a locked revision needs an AUR package the lock lacks', async () => {
    const incomplete = { ...lock, packages: lock.packages.filter((entry) => entry.pkgname !== 'cl-lib' && entry.pkgname !== 'cl-check') };
    const result = await aurgate.cli(['verify', await writeLock(incomplete)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^DRIFT +cl-app 1\.0\.0-1 \(cl-app [0-9a-f]{12}\): needs AUR dependencies the lock lacks: cl-check \(served as cl-check 1\.0\.0-1, pkgbase cl-check\), cl-lib \(served as cl-lib 1\.5-1, pkgbase cl-lib\)$/m,
    );
    expect(result.stdout).toMatch(/^OK +cl-tool /m);
    expect(result.stderr).toContain('1 drifted');
  });

  it('does not count the gaps a lock records from --allow-missing as drift', async () => {
    const partial = (await (await fetch(`${url}/api/v1/lock?pkg=cl-needy&allow-missing=1`)).json()) as LockFile;
    const result = await aurgate.cli(['verify', await writeLock(partial)]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain('left out with --allow-missing (not drift): cl-gone, cl-pending');
    const hidden = await aurgate.cli(['verify', await writeLock({ ...partial, missing: undefined })]);
    expect(hidden.code).toBe(1);
    expect(hidden.stdout).toMatch(/^DRIFT +cl-needy .*cl-gone \(not served: not on the allowlist\), cl-pending \(not served: awaiting review\)$/m);
  });
});
