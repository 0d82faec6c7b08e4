import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { PacmanClient } from './support/pacman-client.js';
import { TestUpstream } from './support/upstream.js';

/**
 * From approval to installed package: two approved revisions (an app and the AUR library it depends
 * on) built by aurgate, served from its signed repository, installed by the real pacman under
 * `SigLevel = Required DatabaseRequired`; a revocation takes the revoked package out of the
 * repository at once, with the database re-signed, while the rest keeps installing.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let pacman: PacmanClient;
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
  const url = await aurgate.serve();
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
