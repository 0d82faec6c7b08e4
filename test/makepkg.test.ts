import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listPendingRevisions } from '../src/quarantine/revisions.js';
import { parseSrcinfo } from '../src/srcinfo/parse.js';
import { rpcFieldsFromSrcinfo } from '../src/srcinfo/rpc-fields.js';
import { fixtureNames, loadFixture, loadFixtureMeta } from './support/fixture-packages.js';
import { gitClient, tempDir } from './support/git-client.js';
import { startAurgate, type Harness } from './support/harness.js';
import { runMakepkg } from './support/makepkg.js';
import { TestUpstream } from './support/upstream.js';
import { account } from './support/accounts.js';

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;

beforeAll(async () => {
  upstream = await TestUpstream.start();
  for (const name of fixtureNames()) await upstream.addPackage(loadFixture(name), loadFixtureMeta(name));
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  url = await aurgate.serve();
  const names = fixtureNames().flatMap((name) => parseSrcinfo(loadFixture(name)['.SRCINFO'] ?? '').packages.map((pkg) => pkg.pkgname));
  await aurgate.app.allow(names, 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  for (const revision of listPendingRevisions(aurgate.app.db))
    await aurgate.app.approve({ pkgbase: revision.pkgbase, commit: revision.commit, by: await account(aurgate.app, 'rita') });
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

// One makepkg run per fixture proves two things: the fixture's .SRCINFO is exactly what makepkg prints
// for its PKGBUILD (what aurgate serves is the fixture's bytes), and aurgate's RPC agrees with it.
// makepkg costs seconds of CPU per run, so the fixtures are not checked a second time elsewhere.
it.each(fixtureNames())('%s: cloned from aurgate, makepkg --printsrcinfo is its .SRCINFO and agrees with aurgate RPC', async (pkgbase) => {
  const dir = await tempDir('aurgate-makepkg-');
  expect((await gitClient(['clone', '--no-progress', `${url}/${pkgbase}.git`, pkgbase], dir)).code).toBe(0);
  const printed = (await runMakepkg(path.join(dir, pkgbase), ['--printsrcinfo'])).stdout;
  expect(printed).toBe(loadFixture(pkgbase)['.SRCINFO']);
  expect(printed).toBe(await readFile(path.join(dir, pkgbase, '.SRCINFO'), 'utf8'));
  const expected = rpcFieldsFromSrcinfo(parseSrcinfo(printed));
  const names = expected.map((fields) => fields.Name);
  const response = (await (await fetch(`${url}/rpc/v5/info?${names.map((name) => `arg[]=${name}`).join('&')}`)).json()) as {
    results: Array<Record<string, unknown>>;
  };
  expect(response.results.map((result) => result['Name']).sort()).toEqual([...names].sort());
  for (const fields of expected) {
    const served = response.results.find((result) => result['Name'] === fields.Name);
    expect(served?.['Version']).toBe(fields.Version);
    expect(served?.['PackageBase']).toBe(pkgbase);
    expect(served?.['Description'] ?? null).toBe(fields.Description);
    for (const key of ['Depends', 'MakeDepends', 'CheckDepends', 'OptDepends', 'Provides', 'Conflicts'] as const) {
      expect(served?.[key] ?? [], `${fields.Name} ${key}`).toEqual(fields[key]);
    }
  }
});

it('makepkg builds a package cloned from aurgate', async () => {
  const dir = await tempDir('aurgate-build-');
  expect((await gitClient(['clone', '--no-progress', `${url}/hello-aurgate`, 'hello-aurgate'], dir)).code).toBe(0);
  const work = path.join(dir, 'hello-aurgate');
  await runMakepkg(work, ['--nodeps', '--noconfirm', '--noprogressbar']);
  const built = (await readdir(work)).filter((file) => file.startsWith('hello-aurgate-1.2.0-1-any.pkg.tar'));
  expect(built).toHaveLength(1);
});
