import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/accounts/tokens.js';
import { account } from './support/accounts.js';
import { tokenApi } from './support/admin-client.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { PacmanClient } from './support/pacman-client.js';
import { TestUpstream } from './support/upstream.js';
import { until } from './support/until.js';

/**
 * From approval to installed package: two approved revisions (an app and the AUR library it depends
 * on) built by aurgate, served from its signed repository, installed by the real pacman under
 * `SigLevel = Required DatabaseRequired`; a revocation takes the revoked package out of the
 * repository at once, with the database re-signed, while the rest keeps installing.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let pacman: PacmanClient;
let url: string;
const commits: Record<string, string> = {};

beforeAll(async () => {
  upstream = await TestUpstream.start();
  commits['br-lib'] = await upstream.addPackage(makePackage({ pkgbase: 'br-lib' }));
  commits['br-app'] = await upstream.addPackage(makePackage({ pkgbase: 'br-app', depends: ['br-lib'] }));
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  await aurgate.app.allow(['br-lib', 'br-app'], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  const by = await account(aurgate.app, 'rita');
  for (const pkgbase of ['br-lib', 'br-app']) await aurgate.app.approve({ pkgbase, commit: commits[pkgbase] ?? '', by });
  url = await aurgate.serve();
  for (const pkgbase of ['br-lib', 'br-app']) {
    const built = await aurgate.cli(['build', pkgbase]);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain('signed repository: 1 added, 0 removed');
  }
  pacman = await PacmanClient.trusting(url, (await aurgate.app.repoKey()).fingerprint);
});

afterAll(async () => {
  await pacman?.close();
  await aurgate?.close();
  await upstream?.stop();
});

describe('built packages in the signed repository', () => {
  it('pacman installs an approved app and its approved AUR dependency as aurgate built them', async () => {
    const result = await pacman.install('br-app');
    expect(result.code, result.output).toBe(0);
    for (const pkgname of ['br-app', 'br-lib'])
      expect(await readFile(path.join(result.root, 'usr/share', pkgname, 'hello.txt'), 'utf8')).toBe(`hello from ${pkgname} 1.0.0\n`);
  });

  it('a build requested through the API runs in the server and replaces the package in the repository', async () => {
    const rita = await account(aurgate.app, 'rita');
    const vic = await account(aurgate.app, 'vic', 'viewer');
    const token = createToken(aurgate.app.db, rita.user, { name: 'ci', scopes: ['review'] }).token;
    const viewerToken = createToken(aurgate.app.db, vic.user, { name: 'ro', scopes: ['read'] }).token;
    expect((await tokenApi(url, viewerToken, 'POST', '/admin/api/builds/br-lib', {})).status).toBe(403);
    commits['br-lib'] = await upstream.push('br-lib', makePackage({ pkgbase: 'br-lib', pkgver: '1.1.0' }), 'Update to 1.1.0');
    await aurgate.app.sync({ only: ['br-lib'], trigger: 'cli' });
    await aurgate.app.approve({ pkgbase: 'br-lib', commit: commits['br-lib'] ?? '', by: rita });
    const queued = await tokenApi(url, token, 'POST', '/admin/api/builds/br-lib', {});
    expect(queued.status).toBe(202);
    const { build } = (await queued.json()) as { build: { id: number; commit: string; trigger: string; requestedBy: string } };
    expect(build).toMatchObject({ commit: commits['br-lib'], trigger: 'api', requestedBy: 'rita' });
    await until(async () => {
      await aurgate.app.builds.idle();
      const listed = (await (await tokenApi(url, token, 'GET', '/admin/api/builds?pkgbase=br-lib')).json()) as {
        builds: Array<{ id: number; state: string }>;
      };
      return listed.builds.find((entry) => entry.id === build.id)?.state === 'succeeded';
    });
    const repoVersions = (await (await aurgate.app.pacmanRepo()).listPackages()).map((pkg) => `${pkg.pkgname} ${pkg.version}`);
    expect(repoVersions.sort()).toEqual(['br-app 1.0.0-1', 'br-lib 1.1.0-1']);
    const installed = await pacman.install('br-lib');
    expect(installed.code, installed.output).toBe(0);
    expect(await readFile(path.join(installed.root, 'usr/share/br-lib/hello.txt'), 'utf8')).toBe('hello from br-lib 1.1.0\n');
  });

  it('a revocation removes the revoked package from the repository at once; the signed database still verifies', async () => {
    const admin = await account(aurgate.app, 'ada', 'admin');
    await aurgate.app.revoke({ pkgbase: 'br-app', commit: commits['br-app'] ?? '', by: admin, note: 'payload found in br-app' });
    expect((await aurgate.app.pacmanRepo().then((repo) => repo.listPackages())).map((pkg) => pkg.pkgname)).toEqual(['br-lib']);
    const gone = await pacman.install('br-app');
    expect(gone.code).not.toBe(0);
    expect(gone.output).toContain('target not found: br-app');
    const kept = await pacman.install('br-lib');
    expect(kept.code, kept.output).toBe(0);
    expect(existsSync(path.join(kept.root, 'usr/share/br-app'))).toBe(false);
    // The revoked commit is not built again either.
    const again = await aurgate.cli(['build', 'br-app', '--commit', commits['br-app'] ?? '']);
    expect(again.code).toBe(4);
  });
});
