import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, revParse, tempDir } from './support/git-client.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { account } from './support/accounts.js';

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
const PKG = 'served-hello';
const commits: Record<string, string> = {};

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  url = await aurgate.serve();
  commits['v1'] = await upstream.addPackage(makePackage({ pkgbase: PKG, pkgver: '1.0' }));
  await aurgate.app.allow([PKG], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit: commits['v1'], by: await account(aurgate.app, 'rita') });
  commits['v2'] = await upstream.push(PKG, makePackage({ pkgbase: PKG, pkgver: '2.0' }), 'Update to 2.0');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit: commits['v2'], by: await account(aurgate.app, 'rita') });
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

async function approveNext(pkgver: string): Promise<string> {
  const commit = await upstream.push(PKG, makePackage({ pkgbase: PKG, pkgver }), `Update to ${pkgver}`);
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit, by: await account(aurgate.app, 'rita') });
  return commit;
}

for (const protocol of [0, 2] as const) {
  for (const form of ['.git', ''] as const) {
    describe(`protocol v${protocol}, URL /${PKG}${form}`, () => {
      it('clones the approved head on master, fetches an older approved commit by id, and never a pending one', async () => {
        const dir = await tempDir('aurgate-clone-');
        const clone = await gitClient(['clone', '--no-progress', `${url}/${PKG}${form}`, 'work'], dir, protocol);
        expect(clone.code, clone.stderr).toBe(0);
        const work = path.join(dir, 'work');
        const head = await revParse(work, 'HEAD');
        const served = aurgate.app.db
          .prepare("SELECT commit_id FROM revisions WHERE pkgbase = ? AND state = 'approved' ORDER BY approved_seq DESC LIMIT 1")
          .get(PKG) as { commit_id: string };
        expect(head).toBe(served.commit_id);
        expect((await gitClient(['symbolic-ref', 'refs/remotes/origin/HEAD'], work)).stdout.trim()).toBe('refs/remotes/origin/master');
        expect((await gitClient(['rev-list', '--count', 'HEAD'], work)).stdout.trim()).not.toBe('0');

        const older = await gitClient(['fetch', 'origin', commits['v1'] ?? ''], work, protocol);
        expect(older.code, older.stderr).toBe(0);

        const pending = await upstream.push(PKG, makePackage({ pkgbase: PKG, pkgver: `9.${protocol}${form.length}` }), 'not yet reviewed');
        await aurgate.app.sync({ trigger: 'cli' });
        const refused = await gitClient(['fetch', 'origin', pending], work, protocol);
        expect(refused.code).not.toBe(0);
        expect(await gitClient(['cat-file', '-e', pending], work).then((r) => r.code)).not.toBe(0);

        const next = await approveNext(`3.${protocol}${form.length}`);
        const pull = await gitClient(['pull', '--rebase', '--no-progress'], work, protocol);
        expect(pull.code, pull.stderr).toBe(0);
        expect(await revParse(work, 'HEAD')).toBe(next);

        const after = await approveNext(`4.${protocol}${form.length}`);
        expect((await gitClient(['fetch', 'origin'], work, protocol)).code).toBe(0);
        const rebase = await gitClient(['rebase', 'origin/master'], work);
        expect(rebase.code, rebase.stderr).toBe(0);
        expect(await revParse(work, 'HEAD')).toBe(after);
      });
    });
  }
}

describe('what is not served', () => {
  it('a package not on the allowlist answers 404 with a message git shows', async () => {
    const dir = await tempDir('aurgate-clone-');
    const result = await gitClient(['clone', `${url}/not-allowed-here.git`], dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('not-allowed-here is not on the allowlist');
  });

  it('a package awaiting review answers 404 naming the case', async () => {
    await upstream.addPackage(makePackage({ pkgbase: 'awaiting-one' }));
    await aurgate.app.allow(['awaiting-one'], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    const response = await fetch(`${url}/awaiting-one/info/refs?service=git-upload-pack`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toContain('awaiting review');
    const dir = await tempDir('aurgate-clone-');
    expect((await gitClient(['clone', `${url}/awaiting-one`], dir, 2)).stderr).toContain('awaiting review');
  });

  it('push and the dumb protocol are refused', async () => {
    expect((await fetch(`${url}/${PKG}.git/info/refs?service=git-receive-pack`)).status).toBe(403);
    expect((await fetch(`${url}/${PKG}.git/git-receive-pack`, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${url}/${PKG}.git/info/refs`)).status).toBe(403);
    expect((await fetch(`${url}/${PKG}.git/HEAD`)).status).toBe(403);
    expect((await fetch(`${url}/${PKG}.git/objects/info/packs`)).status).toBe(403);
    const dir = await tempDir('aurgate-push-');
    await gitClient(['clone', `${url}/${PKG}.git`, 'work'], dir);
    const push = await gitClient(['push', 'origin', 'HEAD:refs/heads/evil'], path.join(dir, 'work'));
    expect(push.code).not.toBe(0);
  });

  it('bad names, traversal and option-like names get a 4xx, never a 500', async () => {
    const paths = [
      '/..%2f..%2fetc%2fpasswd/info/refs?service=git-upload-pack',
      '/%2e%2e/info/refs?service=git-upload-pack',
      '/--upload-pack=touch%20%2ftmp%2fpwned/info/refs?service=git-upload-pack',
      '/-x.git/info/refs?service=git-upload-pack',
      '/UPPER.git/info/refs?service=git-upload-pack',
      `/${'a'.repeat(300)}.git/info/refs?service=git-upload-pack`,
    ];
    for (const target of paths) {
      const response = await fetch(`${url}${target}`);
      expect(response.status, target).toBeGreaterThanOrEqual(400);
      expect(response.status, target).toBeLessThan(500);
    }
    const wrongType = await fetch(`${url}/${PKG}.git/git-upload-pack`, {
      method: 'POST',
      body: 'garbage',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(wrongType.status).toBe(400);
  });
});

describe('bad input never reaches git', () => {
  it('invalid names are refused before any lookup or git process', async () => {
    const { gitRoutes } = await import('../src/serve/git/routes.js');
    const { createLogger } = await import('../src/log.js');
    const looked: string[] = [];
    let spawned = 0;
    const router = gitRoutes({
      lookup: { availability: (name) => (looked.push(name), { kind: 'unavailable', reason: 'not-allowlisted', pkgbase: null }) },
      servedRoot: aurgate.config.paths.servedRepos,
      timeoutMs: 5000,
      logger: createLogger('silent'),
      onServed: () => (spawned += 1),
    });
    for (const name of ['--upload-pack=id', '..', '.git', '-', 'A', '%2e%2e', 'a%00b', `${'x'.repeat(256)}`]) {
      const response = await router.request(`/${name}/info/refs?service=git-upload-pack`);
      expect([400, 404], name).toContain(response.status);
    }
    expect(looked).toEqual([]);
    expect(spawned).toBe(0);
  });

  it('cgit paths with traversal or bad names answer 404', async () => {
    for (const target of [
      `/cgit/aur.git/plain/../../../etc/passwd?h=${PKG}`,
      `/cgit/aur.git/plain/..%2f..%2fetc%2fpasswd?h=${PKG}`,
      `/cgit/aur.git/plain/PKGBUILD?h=../${PKG}`,
      `/cgit/aur.git/plain/PKGBUILD?h=--output=x`,
      `/cgit/aur.git/plain/%00?h=${PKG}`,
      `/cgit/aur.git/snapshot/..%2f${PKG}.tar.gz`,
      `/snapshot/${PKG}/HEAD.tar.gz`,
      `/snapshot/${PKG}/${'0'.repeat(40)}.tar.gz`,
    ]) {
      const response = await fetch(`${url}${target}`);
      expect(response.status, target).toBe(404);
    }
    const file = await fetch(`${url}/cgit/aur.git/plain/PKGBUILD?h=${PKG}`);
    expect(file.status).toBe(200);
  });
});
