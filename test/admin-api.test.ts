import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTestUser } from './support/accounts.js';
import { getPendingRevision, getServedRevision } from '../src/quarantine/revisions.js';
import { AdminClient, tokenApi } from './support/admin-client.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

const PASSWORD = 'correct horse battery staple';

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
const tokens = { admin: '', review: '', read: '' };

async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await tokenApi(url, token, method, path, body);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function pendingCommit(harness: Harness, pkgbase: string): string {
  const commit = getPendingRevision(harness.app.db, pkgbase)?.commit;
  if (!commit) throw new Error(`${pkgbase} has nothing pending`);
  return commit;
}

async function signedIn(base: string, name: string): Promise<AdminClient> {
  const client = new AdminClient(base);
  expect((await client.login(name, PASSWORD)).status).toBe(303);
  return client;
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  await upstream.addPackage(makePackage({ pkgbase: 'app', depends: ['libdep', 'glibc'], makedepends: ['builddep>=2'] }));
  for (const pkgbase of ['libdep', 'builddep', 'other', 'twice']) await upstream.addPackage(makePackage({ pkgbase }));
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  await aurgate.app.allow(['app', 'other'], 'test');
  await aurgate.app.sync({ trigger: 'cli' });
  await Promise.all(
    [
      ['ada', 'admin'],
      ['rita', 'reviewer'],
      ['vic', 'viewer'],
    ].map(([name = '', role = '']) => addTestUser(aurgate.app.db, { name, role, password: PASSWORD }, 'test')),
  );
  url = await aurgate.serve();
  for (const [name, scope] of [
    ['ada', 'admin'],
    ['rita', 'review'],
    ['vic', 'read'],
  ] as const) {
    const client = await signedIn(url, name);
    const response = await client.api('POST', '/admin/api/tokens', { name: `${name}-ci`, scopes: [scope] });
    expect(response.status).toBe(201);
    tokens[scope] = ((await response.json()) as { token: string }).token;
  }
});

afterAll(async () => {
  await aurgate?.close();
  await upstream?.stop();
});

describe('authentication of the JSON API', () => {
  it('knows who is calling and through what', async () => {
    expect(await call(tokens.review, 'GET', '/admin/api/me')).toMatchObject({
      status: 200,
      json: { user: { name: 'rita', role: 'reviewer' }, via: 'token', scopes: ['review'] },
    });
    const refused = await tokenApi(url, 'aurgate_not-a-real-token', 'GET', '/admin/api/me');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="aurgate"');
    expect(await refused.json()).toEqual({ error: { code: 'unauthenticated', message: 'invalid, expired or revoked API token' } });
    // A token does not mint tokens: a leaked one cannot make itself permanent.
    expect((await call(tokens.admin, 'POST', '/admin/api/tokens', { name: 'more', scopes: ['read'] })).status).toBe(403);
  });

  it('needs the X-CSRF-Token header for a browser session, but not for a bearer token', async () => {
    const client = await signedIn(url, 'rita');
    expect((await client.api('POST', '/admin/api/sync', {}, { csrf: false })).status).toBe(403);
    const synced = await call(tokens.review, 'POST', '/admin/api/sync', {});
    expect([202, 409]).toContain(synced.status);
    await aurgate.server?.syncIdle();
    expect((await call(tokens.read, 'GET', '/admin/api/sync')).json).toMatchObject({
      running: false,
      runs: expect.arrayContaining([expect.objectContaining({ trigger: 'admin' })]),
    });
  });
});

describe('reading', () => {
  it('lists the queue, a revision with its flags and files, packages, dashboard and audit', async () => {
    const queue = await call(tokens.read, 'GET', '/admin/api/queue');
    expect(queue.status).toBe(200);
    expect((queue.json['pending'] as Array<{ pkgbase: string }>).map((entry) => entry.pkgbase).sort()).toEqual(['app', 'other']);

    const detail = await call(tokens.read, 'GET', '/admin/api/revisions/app?diff=1');
    expect(detail.json).toMatchObject({
      revision: { pkgbase: 'app', state: 'pending', commit: pendingCommit(aurgate, 'app') },
      base: null,
      files: expect.arrayContaining([expect.objectContaining({ path: 'PKGBUILD', status: 'added' })]),
      flags: expect.arrayContaining([expect.objectContaining({ check: 'young-revision' })]),
      approvals: [],
      requiredApprovals: 1,
    });
    expect(detail.json['diff']).toContain('+pkgname=app');
    expect((await call(tokens.read, 'GET', '/admin/api/revisions/nope')).status).toBe(404);
    expect((await call(tokens.read, 'GET', '/admin/api/revisions/..%2Fetc')).status).toBe(400);

    expect((await call(tokens.read, 'GET', '/admin/api/packages')).json['packages']).toHaveLength(2);
    expect((await call(tokens.read, 'GET', '/admin/api/packages/app')).json).toMatchObject({
      package: { pkgbase: 'app' },
      served: null,
      revisions: [expect.objectContaining({ state: 'pending' })],
    });
    expect((await call(tokens.read, 'GET', '/admin/api/dashboard')).json).toMatchObject({ pending: 2, allowlisted: 2 });
    const audit = await call(tokens.read, 'GET', '/admin/api/audit?package=app&action=revision');
    // Newest first: the sync recorded the revision, then classified it (a class is always audited).
    expect((audit.json['entries'] as Array<{ action: string }>).map((entry) => entry.action)).toEqual(['revision.classified', 'revision.recorded']);
  });
});

describe('decisions', () => {
  it('approve and reject need the review scope and are attributed to the token owner', async () => {
    const commit = pendingCommit(aurgate, 'app');
    expect((await call(tokens.read, 'POST', '/admin/api/revisions/app/approve', { commit })).status).toBe(403);
    expect((await call(tokens.review, 'POST', '/admin/api/revisions/app/approve', { commit: commit.slice(0, 6) })).status).toBe(400);
    const approved = await call(tokens.review, 'POST', '/admin/api/revisions/app/approve', { commit, comment: 'fine' });
    expect(approved).toMatchObject({
      status: 200,
      json: { approved: true, approvals: 1, required: 1, revision: { state: 'approved', decidedBy: 'rita' } },
    });
    expect(getServedRevision(aurgate.app.db, 'app')?.commit).toBe(commit);

    const other = pendingCommit(aurgate, 'other');
    expect((await call(tokens.review, 'POST', '/admin/api/revisions/other/reject', { commit: other })).status).toBe(400);
    expect(await call(tokens.review, 'POST', '/admin/api/revisions/other/reject', { commit: other, reason: 'not needed' })).toMatchObject({
      status: 200,
      json: { revision: { state: 'rejected', decidedBy: 'rita', decisionNote: 'not needed' } },
    });
  });

  it('refuses a caller without the permission with 403 before it looks at the body', async () => {
    // Each of these bodies alone would be a 400; the caller may not send any body here at all.
    for (const body of [{}, { commit: 'x'.repeat(100) }, 'not json']) {
      for (const route of ['approve', 'reject']) {
        const refused = await tokenApi(url, tokens.read, 'POST', `/admin/api/revisions/app/${route}`, body);
        expect(refused.status).toBe(403);
        expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
      }
      expect((await tokenApi(url, tokens.review, 'POST', '/admin/api/revisions/app/revoke', body)).status).toBe(403);
      expect((await tokenApi(url, tokens.review, 'POST', '/admin/api/allowlist', body)).status).toBe(403);
    }
    const viewer = await signedIn(url, 'vic');
    await viewer.page('/admin/review/app');
    // The re-admission without its confirmation would be a 400 for a reviewer.
    const form = await viewer.post('/admin/review/app/approve', { commit: '', readmit: ['a'.repeat(40)] });
    expect(form.status).toBe(403);
    expect((await viewer.post('/admin/policy', { requiredApprovals: 'many' })).status).toBe(403);
  });

  it('revoke needs the admin scope', async () => {
    const commit = getServedRevision(aurgate.app.db, 'app')?.commit ?? '';
    expect((await call(tokens.review, 'POST', '/admin/api/revisions/app/revoke', { commit, reason: 'oops' })).status).toBe(403);
    const revoked = await call(tokens.admin, 'POST', '/admin/api/revisions/app/revoke', { commit, reason: 'compromised upstream' });
    expect(revoked).toMatchObject({ status: 200, json: { revoked: [expect.objectContaining({ commit, state: 'revoked', decidedBy: 'ada' })] } });
    expect(getServedRevision(aurgate.app.db, 'app')).toBeNull();
  });
});

describe('allowlist, users and tokens', () => {
  it('offers the AUR dependencies of allowlisted packages, and adds and removes names (admin only)', async () => {
    const needed = await call(tokens.admin, 'GET', '/admin/api/allowlist/needed');
    expect(needed.json).toEqual({
      packages: [
        { name: 'builddep', pkgbase: 'builddep', neededBy: ['app'] },
        { name: 'libdep', pkgbase: 'libdep', neededBy: ['app'] },
      ],
      error: null,
    });
    expect((await call(tokens.review, 'POST', '/admin/api/allowlist', { names: ['libdep'] })).status).toBe(403);
    expect((await call(tokens.admin, 'POST', '/admin/api/allowlist', { names: ['no-such-package'] })).status).toBe(404);
    const added = await call(tokens.admin, 'POST', '/admin/api/allowlist', { names: ['libdep', 'builddep'] });
    expect(added).toMatchObject({
      status: 201,
      json: { added: [expect.objectContaining({ pkgname: 'libdep', addedBy: 'ada' }), expect.objectContaining({ pkgname: 'builddep' })], sync: null },
    });
    expect((await call(tokens.admin, 'GET', '/admin/api/allowlist/needed')).json).toEqual({ packages: [], error: null });
    expect((await call(tokens.read, 'GET', '/admin/api/allowlist')).json['allowlist']).toHaveLength(4);
    expect(await call(tokens.admin, 'DELETE', '/admin/api/allowlist/builddep')).toMatchObject({
      status: 200,
      json: { removed: [expect.objectContaining({ pkgname: 'builddep' })] },
    });
    expect((await call(tokens.admin, 'DELETE', '/admin/api/allowlist/builddep')).status).toBe(404);
  });

  it('lets admins list, add and disable users', async () => {
    expect((await call(tokens.review, 'GET', '/admin/api/users')).status).toBe(403);
    expect((await call(tokens.admin, 'POST', '/admin/api/users', { name: 'newbie', role: 'viewer', password: 'short' })).status).toBe(400);
    expect((await call(tokens.admin, 'POST', '/admin/api/users', { name: 'newbie', role: 'viewer', password: PASSWORD })).status).toBe(201);
    const users = (await call(tokens.admin, 'GET', '/admin/api/users')).json['users'] as Array<Record<string, unknown>>;
    expect(users.map((user) => user['name'])).toEqual(['ada', 'newbie', 'rita', 'vic']);
    expect(JSON.stringify(users)).not.toContain('scrypt');
    expect(await call(tokens.admin, 'POST', '/admin/api/users/newbie/disable')).toMatchObject({
      status: 200,
      json: { user: { name: 'newbie', disabledAt: expect.any(Number) } },
    });
    expect((await call(tokens.admin, 'POST', '/admin/api/users/ada/disable')).status).toBe(409);
  });

  it('lists and revokes tokens; a revoked token stops working at once', async () => {
    const client = await signedIn(url, 'vic');
    const created = (await (await client.api('POST', '/admin/api/tokens', { name: 'short-lived', scopes: ['read'], expiresInDays: 1 })).json()) as {
      token: string;
      record: { id: number; expiresAt: number };
    };
    expect(created.record.expiresAt).toBeGreaterThan(Date.now());
    expect((await call(created.token, 'GET', '/admin/api/me')).status).toBe(200);
    const mine = (await call(tokens.read, 'GET', '/admin/api/tokens')).json['tokens'] as Array<{ userName: string }>;
    expect(new Set(mine.map((token) => token.userName))).toEqual(new Set(['vic']));
    expect((await call(tokens.read, 'GET', '/admin/api/tokens')).json['tokens']).toHaveLength(2);
    expect((await call(tokens.admin, 'GET', '/admin/api/tokens')).json['tokens']).toHaveLength(4);
    expect((await call(tokens.review, 'DELETE', `/admin/api/tokens/${created.record.id}`)).status).toBe(403);
    expect((await call(tokens.read, 'DELETE', `/admin/api/tokens/${created.record.id}`)).status).toBe(200);
    expect((await call(created.token, 'GET', '/admin/api/me')).status).toBe(401);
  });
});

describe('two-person rule', () => {
  it('shows "1 of 2 approvals", refuses a second approval by the same user, and serves after a second reviewer', async () => {
    const strict = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_REQUIRED_APPROVALS: '2' } });
    try {
      await strict.app.allow(['twice'], 'test');
      await strict.app.sync({ trigger: 'cli' });
      await Promise.all(['rita', 'rob'].map((name) => addTestUser(strict.app.db, { name, role: 'reviewer', password: PASSWORD }, 'test')));
      const base = await strict.serve();
      const commit = pendingCommit(strict, 'twice');
      const rita = await signedIn(base, 'rita');
      expect((await rita.page('/admin/review/twice')).html).toContain('0 of 2 approvals');
      const first = await rita.post('/admin/review/twice/approve', { commit });
      expect(first.headers.get('location')).toBe('/admin/review/twice?notice=approval-recorded');
      const { html } = await rita.page('/admin/review/twice?notice=approval-recorded');
      expect(html).toContain('1 of 2 approvals');
      expect(html).toContain('it needs another reviewer');
      expect(getServedRevision(strict.app.db, 'twice')).toBeNull();
      expect((await rita.post('/admin/review/twice/approve', { commit })).status).toBe(409);
      const rob = await signedIn(base, 'rob');
      const second = await rob.post('/admin/review/twice/approve', { commit });
      expect(second.headers.get('location')).toBe('/admin/packages/twice?notice=approved');
      expect(getServedRevision(strict.app.db, 'twice')?.commit).toBe(commit);
    } finally {
      await strict.close();
    }
  });
});
