import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/accounts/tokens.js';
import { Conflict } from '../src/errors.js';
import { git } from '../src/git/run.js';
import type { Actor } from '../src/quarantine/actor.js';
import { listAudit } from '../src/quarantine/audit.js';
import { revokeRevisions } from '../src/quarantine/decisions.js';
import { getPendingRevision, getRevision, getServedRevision } from '../src/quarantine/revisions.js';
import { account, TEST_PASSWORD } from './support/accounts.js';
import { AdminClient, tokenApi } from './support/admin-client.js';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, tempDir } from './support/git-client.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/**
 * After a revocation a package must not dead-end: its pending revision is compared with what is really
 * served, the page says which revoked commits its history holds, and the only ways forward are a
 * rejection or an admin's explicit re-admission. No revoked object is served before that.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
let rita: Actor;
let ada: Actor;
const PKG = 'readmit-me';
const STALE = 'stale-base';
const REASON = 'source URL pointed at a look-alike domain (INC-5150)';
const c = { v1: '', v2: '', v3: '' };
let readToken = '';
let reviewToken = '';

async function signedIn(name: string): Promise<AdminClient> {
  const client = new AdminClient(url);
  expect((await client.login(name, TEST_PASSWORD)).status).toBe(303);
  return client;
}

/** Fetches one commit by id into a fresh clone of what is served, over protocol v2. */
async function fetchById(commit: string): Promise<{ code: number; stderr: string; present: boolean }> {
  const dir = await tempDir('aurgate-readmit-');
  const clone = await gitClient(['clone', '--no-progress', `${url}/${PKG}.git`, 'work'], dir, 2);
  expect(clone.code, clone.stderr).toBe(0);
  const work = path.join(dir, 'work');
  const fetched = await gitClient(['fetch', 'origin', commit], work, 2);
  const present = (await gitClient(['cat-file', '-e', `${commit}^{commit}`], work)).code === 0;
  return { code: fetched.code, stderr: fetched.stderr, present };
}

// Several accounts (scrypt), syncs and publishes: a generous limit so a loaded machine cannot fail the setup.
beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  rita = await account(aurgate.app, 'rita', 'reviewer');
  ada = await account(aurgate.app, 'ada', 'admin');
  readToken = createToken(aurgate.app.db, (await account(aurgate.app, 'vic', 'viewer')).user, { name: 'read', scopes: ['read'] }).token;
  reviewToken = createToken(aurgate.app.db, (await account(aurgate.app, 'rita')).user, { name: 'ci', scopes: ['review'] }).token;
  c.v1 = await upstream.addPackage(makePackage({ pkgbase: PKG, pkgver: '1.0' }));
  const staleV1 = await upstream.addPackage(makePackage({ pkgbase: STALE, pkgver: '1.0' }));
  await aurgate.app.allow([PKG, STALE], 'test');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit: c.v1, by: rita });
  await aurgate.app.approve({ pkgbase: STALE, commit: staleV1, by: rita });
  c.v2 = await upstream.push(
    PKG,
    makePackage({ pkgbase: PKG, pkgver: '2.0', extraFiles: { 'lookalike.install': 'post_install() { :; }\n' } }),
    'Update to 2.0',
  );
  await upstream.push(STALE, makePackage({ pkgbase: STALE, pkgver: '2.0' }), 'Update to 2.0');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit: c.v2, by: rita });
  // v3 is built on v2 and recorded while v2 is served: its review starts from v2.
  c.v3 = await upstream.push(
    PKG,
    makePackage({ pkgbase: PKG, pkgver: '3.0', extraFiles: { 'lookalike.install': 'post_install() { :; }\n' } }),
    'Update to 3.0',
  );
  await aurgate.app.sync({ trigger: 'cli' });
  expect(getPendingRevision(aurgate.app.db, PKG)?.baseCommit).toBe(c.v2);
  url = await aurgate.serve();
}, 300_000);
afterAll(async () => {
  await aurgate?.close();
  await upstream?.stop();
});

describe('revoking the base of a pending revision', () => {
  it('re-bases the pending revision on what stays served, audited', async () => {
    await aurgate.app.revoke({ pkgbase: PKG, commit: c.v2, by: ada, note: REASON });
    const pending = getPendingRevision(aurgate.app.db, PKG);
    expect(pending).toMatchObject({ commit: c.v3, baseCommit: c.v1 });
    // The review now covers everything since what is served, the revoked commit included.
    expect(pending?.commits.map((commit) => commit.id)).toEqual([c.v3, c.v2]);
    expect(listAudit(aurgate.app.db, { pkgbase: PKG, action: 'revision.rebased' })).toMatchObject([
      { actor: 'ada', channel: 'cli', commit: c.v3, detail: { from: c.v2, to: c.v1, approvalsWithdrawn: [] } },
    ]);
  });

  it('shows the truth on the review page: the served base, the revoked commit, and no plain Approve', async () => {
    const reviewer = await signedIn('rita');
    const { html } = await reviewer.page(`/admin/review/${PKG}`);
    expect(html).toContain('(served now)');
    expect(html).not.toContain('last approved');
    expect(html).toContain(c.v2);
    expect(html).toContain(REASON);
    expect(html).toContain('<td>ada</td>');
    expect(html).toContain('Only an admin can approve this revision');
    expect(html).not.toContain(`action="/admin/review/${PKG}/approve"`);
    expect(html).toContain(`action="/admin/review/${PKG}/reject"`);
    const admin = await signedIn('ada');
    const adminPage = (await admin.page(`/admin/review/${PKG}`)).html;
    expect(adminPage).toContain(`name="readmit" value="${c.v2}"`);
    expect(adminPage).toContain('name="confirm"');
  });

  it('says so in `aurgate diff`, `aurgate pending --json` and the JSON API', async () => {
    const diff = await aurgate.cli(['diff', PKG, '--stat']);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain(`# ${PKG}: ${c.v1} (served now) → ${c.v3}`);
    expect(diff.stdout).toContain(`# REVOKED in history: ${c.v2} (2.0-1) revoked by ada`);
    expect(diff.stdout).toContain(`--readmit ${c.v2.slice(0, 12)}`);
    const pending = JSON.parse((await aurgate.cli(['pending', '--json'])).stdout) as Array<{ pkgbase: string; revokedInHistory: unknown[] }>;
    expect(pending.find((entry) => entry.pkgbase === PKG)?.revokedInHistory).toMatchObject([{ commit: c.v2, revokedBy: 'ada', reason: REASON }]);
    const api = await tokenApi(url, readToken, 'GET', `/admin/api/revisions/${PKG}`);
    expect(await api.json()).toMatchObject({
      base: { commit: c.v1, state: 'approved' },
      servedCommit: c.v1,
      approvable: false,
      revokedInHistory: [{ commit: c.v2, version: '2.0-1', revokedBy: 'ada', reason: REASON, readmittedAt: null }],
    });
  });

  it('refuses a plain approval with a message that says what to do, and a re-admission by a non-admin', async () => {
    await expect(aurgate.app.approve({ pkgbase: PKG, commit: c.v3, by: rita })).rejects.toThrow(Conflict);
    await expect(aurgate.app.approve({ pkgbase: PKG, commit: c.v3, by: rita })).rejects.toThrow(/reject it and wait for upstream.*--readmit/);
    const cli = await aurgate.cli(['approve', PKG, '--commit', c.v3, '--reviewer', 'rita'], {}, `${TEST_PASSWORD}\n`);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toContain(`--readmit ${c.v2.slice(0, 12)}`);
    const api = await tokenApi(url, reviewToken, 'POST', `/admin/api/revisions/${PKG}/approve`, { commit: c.v3, readmit: [c.v2] });
    expect(api.status).toBe(403);
    const admin = await signedIn('ada');
    await admin.page(`/admin/review/${PKG}`);
    // The form's confirmation is required: a re-admission is never a side effect.
    expect((await admin.post(`/admin/review/${PKG}/approve`, { commit: c.v3, readmit: c.v2 })).status).toBe(400);
    expect(getPendingRevision(aurgate.app.db, PKG)?.commit).toBe(c.v3);
  });

  it('serves no object of the revoked commit before re-admission (fetch by id, protocol v2)', async () => {
    const fetched = await fetchById(c.v2);
    expect(fetched.code).not.toBe(0);
    expect(fetched.present).toBe(false);
    const { stdout } = await git(['cat-file', '--batch-all-objects', '--batch-check'], { cwd: aurgate.app.served.repoPath(PKG) });
    expect(stdout).not.toContain(c.v2);
  });

  it('lets an admin approve with explicit re-admission: audited, and the commit is served again as history only', async () => {
    const admin = await signedIn('ada');
    await admin.page(`/admin/review/${PKG}`);
    const approved = await admin.post(`/admin/review/${PKG}/approve`, {
      commit: c.v3,
      readmit: c.v2,
      confirm: '1',
      comment: 'upstream fixed the URL in 3.0',
    });
    expect(approved.headers.get('location')).toBe(`/admin/packages/${PKG}?notice=approved`);
    expect(listAudit(aurgate.app.db, { pkgbase: PKG, action: 'revision.readmitted' })).toMatchObject([
      { actor: 'ada', channel: 'web', commit: c.v3, detail: { commits: [{ commit: c.v2, reason: REASON, revokedBy: 'ada' }] } },
    ]);
    expect(getServedRevision(aurgate.app.db, PKG)?.commit).toBe(c.v3);
    const fetched = await fetchById(c.v2);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fetched.present).toBe(true);
    // The revoked revision itself stays revoked: its pinned snapshot URL still answers 410.
    expect(getRevision(aurgate.app.db, PKG, c.v2)?.state).toBe('revoked');
    expect((await fetch(`${url}/snapshot/${PKG}/${c.v2}.tar.gz`)).status).toBe(410);
  });
});

describe('a pending revision left on a revoked base', () => {
  it('is re-based at start-up, attributed to the system', async () => {
    const pending = getPendingRevision(aurgate.app.db, STALE);
    const base = pending?.baseCommit ?? '';
    // As a revocation made before re-basing existed left it: the base revoked, the pending one untouched.
    revokeRevisions(aurgate.app.db, { pkgbase: STALE, commit: base, by: ada, note: 'old revocation' });
    expect(getPendingRevision(aurgate.app.db, STALE)?.baseCommit).toBe(base);
    expect(await aurgate.app.rebaseStalePending()).toBe(1);
    expect(getPendingRevision(aurgate.app.db, STALE)?.baseCommit).toBeNull();
    expect(listAudit(aurgate.app.db, { pkgbase: STALE, action: 'revision.rebased' })).toMatchObject([
      { actor: 'system', channel: 'system', detail: { from: base, to: null } },
    ]);
    expect(await aurgate.app.rebaseStalePending()).toBe(0);
  });

  it('is approved from the CLI only with --readmit naming the revoked commit, by an admin', async () => {
    const pending = getPendingRevision(aurgate.app.db, STALE)?.commit ?? '';
    const revoked = listAudit(aurgate.app.db, { pkgbase: STALE, action: 'revision.revoked' })[0]?.commit ?? '';
    const approve = (args: string[]) => aurgate.cli(['approve', STALE, '--commit', pending, ...args], {}, `${TEST_PASSWORD}\n`);
    const plain = await approve(['--reviewer', 'ada']);
    expect(plain.code).toBe(4);
    expect(plain.stderr).toContain(`--readmit ${revoked.slice(0, 12)}`);
    const byReviewer = await approve(['--reviewer', 'rita', '--readmit', revoked.slice(0, 12)]);
    expect(byReviewer.code, byReviewer.stderr).toBe(4);
    expect(byReviewer.stderr).toContain('re-admitting rejected or revoked commits needs the admin permission');
    const readmitted = await approve(['--reviewer', 'ada', '--readmit', revoked.slice(0, 12)]);
    expect(readmitted.code, readmitted.stderr).toBe(0);
    expect(readmitted.stdout).toContain(`re-admitted ${revoked}`);
    expect(getServedRevision(aurgate.app.db, STALE)?.commit).toBe(pending);
    expect(listAudit(aurgate.app.db, { pkgbase: STALE, action: 'revision.readmitted' })).toMatchObject([{ actor: 'ada', channel: 'cli' }]);
  });
});
