import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../src/git/run.js';
import { listAudit } from '../src/quarantine/audit.js';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, revParse, tempDir } from './support/git-client.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { createToken } from '../src/accounts/tokens.js';
import { account, TEST_PASSWORD } from './support/accounts.js';

/**
 * Revocation end to end, through the real CLI in its own process (as an operator runs it) while a
 * server keeps serving: everything a client can reach must stop handing out the revoked revision.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
const PKG = 'revoke-me';
const ONLY = 'revoke-only';
const REASON = 'upstream source tarball replaced with a trojan (INC-4711)';
const c: Record<'v1' | 'v2' | 'only', string> = { v1: '', v2: '', only: '' };
let earlyClone = '';
let lockFile = '';

async function rpcVersion(name: string): Promise<string | undefined> {
  const body = (await (await fetch(`${url}/rpc/v5/info/${name}`)).json()) as { results: Array<{ Version: string }> };
  return body.results[0]?.Version;
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  url = await aurgate.serve();
  c.v1 = await upstream.addPackage(makePackage({ pkgbase: PKG, pkgver: '1.0' }));
  c.only = await upstream.addPackage(makePackage({ pkgbase: ONLY, pkgver: '0.1' }));
  await account(aurgate.app, 'sec-team', 'admin');
  await aurgate.app.allow([PKG, ONLY], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit: c.v1, by: await account(aurgate.app, 'rita') });
  await aurgate.app.approve({ pkgbase: ONLY, commit: c.only, by: await account(aurgate.app, 'rita') });
  // A clone made while only v1 was served: it has never seen v2's objects, so fetching v2 must ask the server.
  const dir = await tempDir('aurgate-early-');
  expect((await gitClient(['clone', '--no-progress', `${url}/${PKG}.git`, 'work'], dir, 2)).code).toBe(0);
  earlyClone = path.join(dir, 'work');
  c.v2 = await upstream.push(
    PKG,
    makePackage({ pkgbase: PKG, pkgver: '2.0', extraFiles: { 'evil.install': 'post_install() { :; }\n' } }),
    'Update to 2.0',
  );
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit: c.v2, by: await account(aurgate.app, 'rita') });
  // A lock taken while v2 was the served head (what a Dockerfile would have pinned).
  const lock = await aurgate.cli(['lock', PKG, '--format', 'json'], { AURGATE_PUBLIC_URL: url });
  expect(lock.code, lock.stderr).toBe(0);
  lockFile = path.join(await tempDir('aurgate-lock-'), 'aurgate.lock.json');
  await writeFile(lockFile, lock.stdout);
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

describe('revoking the newest approved revision with `aurgate revoke`', () => {
  it('is served everywhere before the revocation (the baseline)', async () => {
    expect(await rpcVersion(PKG)).toBe('2.0-1');
    expect((await fetch(`${url}/snapshot/${PKG}/${c.v2}.tar.gz`)).status).toBe(200);
    const verified = await aurgate.cli(['verify', lockFile]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^OK +revoke-me 2\.0-1/);
  });

  it('runs from the CLI and reports what it revoked', async () => {
    // Authenticated by the account's password on stdin, as a script would pipe it in.
    const result = await aurgate.cli(['revoke', PKG, '--commit', c.v2, '--reason', REASON, '--by', 'sec-team'], {}, `${TEST_PASSWORD}\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`revoked ${PKG} ${c.v2}`);
  });

  it('falls the served head back to the previous approved revision for a fresh clone', async () => {
    const dir = await tempDir('aurgate-fresh-');
    const clone = await gitClient(['clone', '--no-progress', `${url}/${PKG}.git`, 'work'], dir);
    expect(clone.code, clone.stderr).toBe(0);
    expect(await revParse(path.join(dir, 'work'), 'HEAD')).toBe(c.v1);
    expect((await gitClient(['cat-file', '-e', c.v2], path.join(dir, 'work'))).code).not.toBe(0);
  });

  it('falls RPC Version back to the previous approved revision', async () => {
    expect(await rpcVersion(PKG)).toBe('1.0-1');
  });

  it('answers 410 with the reason on the pinned snapshot URL', async () => {
    const response = await fetch(`${url}/snapshot/${PKG}/${c.v2}.tar.gz`);
    expect(response.status).toBe(410);
    expect(await response.text()).toContain(REASON);
    // The archive built while it was approved is gone from the cache as well.
    expect(existsSync(aurgate.app.snapshots.cachePath(PKG, c.v2))).toBe(false);
  });

  for (const protocol of [2, 0] as const) {
    it(`refuses a fetch of the revoked commit by id from an existing clone (protocol v${protocol})`, async () => {
      const fetched = await gitClient(['fetch', 'origin', c.v2], earlyClone, protocol);
      expect(fetched.code).not.toBe(0);
      expect((await gitClient(['cat-file', '-e', c.v2], earlyClone)).code).not.toBe(0);
    });
  }

  it('leaves no object of the revoked revision in the served repo', async () => {
    const served = aurgate.app.served.repoPath(PKG);
    const { stdout } = await git(['cat-file', '--batch-all-objects', '--batch-check'], { cwd: served });
    const ids = stdout.split('\n').map((line) => line.split(' ')[0]);
    const mirror = aurgate.app.mirror.repoPath(PKG);
    // The commit and the blob only v2 has (evil.install) must both be physically gone.
    const evilBlob = (await git(['rev-parse', `${c.v2}:evil.install`], { cwd: mirror })).stdout.trim();
    expect(ids).not.toContain(c.v2);
    expect(ids).not.toContain(evilBlob);
    expect(ids).toContain(c.v1);
  });

  it('makes `aurgate verify` of a lock pinning it report drift with the reason, exit 1', async () => {
    const verified = await aurgate.cli(['verify', lockFile]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toContain(`DRIFT  ${PKG} 2.0-1`);
    expect(verified.stdout).toContain(`revoked: ${REASON}`);
  });

  it('writes the audit row with actor, commit and reason', () => {
    const rows = listAudit(aurgate.app.db, { pkgbase: PKG, action: 'revision.revoked' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: 'sec-team', channel: 'cli', commit: c.v2, detail: { reason: REASON, version: '2.0-1' } });
  });
});

describe('revoking the only approved revision', () => {
  it('stops serving the package at all: clone, RPC and snapshot all say so', async () => {
    // Authenticated by an admin API token instead of a password.
    const { token } = createToken(aurgate.app.db, (await account(aurgate.app, 'sec-team', 'admin')).user, { name: 'ops', scopes: ['admin'] });
    const result = await aurgate.cli(['revoke', ONLY, '--commit', c.only.slice(0, 10), '--reason', 'maintainer account compromised'], {
      AURGATE_TOKEN: token,
    });
    expect(result.code, result.stderr).toBe(0);
    const dir = await tempDir('aurgate-gone-');
    const clone = await gitClient(['clone', `${url}/${ONLY}.git`, 'work'], dir);
    expect(clone.code).not.toBe(0);
    expect(clone.stderr).toContain('revoked');
    expect(await rpcVersion(ONLY)).toBeUndefined();
    expect((await fetch(`${url}/snapshot/${ONLY}/${c.only}.tar.gz`)).status).toBe(410);
    const locked = await aurgate.cli(['lock', ONLY]);
    expect(locked.code).toBe(3);
    expect(locked.stderr).toContain(ONLY);
  });
});
