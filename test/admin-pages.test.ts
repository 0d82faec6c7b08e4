import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTestUser } from './support/accounts.js';
import { listAudit } from '../src/quarantine/audit.js';
import { getPendingRevision, getServedRevision } from '../src/quarantine/revisions.js';
import { AdminClient } from './support/admin-client.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

const PASSWORD = 'correct horse battery staple';
const PAYLOAD = '<script>window.__pwned=1</script>';

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;

async function signedIn(name: string): Promise<AdminClient> {
  const client = new AdminClient(url);
  expect((await client.login(name, PASSWORD)).status).toBe(303);
  return client;
}

function pending(pkgbase: string): string {
  const revision = getPendingRevision(aurgate.app.db, pkgbase);
  if (!revision) throw new Error(`${pkgbase} has nothing pending`);
  return revision.commit;
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  for (const pkgbase of ['alpha', 'beta', 'kept', 'extra']) await upstream.addPackage(makePackage({ pkgbase }));
  await upstream.addPackage(makePackage({ pkgbase: 'evil', pkgdesc: PAYLOAD }), { Maintainer: '<img src=x onerror="window.__pwned=1">' }, PAYLOAD);
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  await aurgate.app.allow(['alpha', 'beta', 'kept', 'evil'], 'test');
  await aurgate.app.sync({ trigger: 'cli' });
  await Promise.all(
    [
      ['ada', 'admin'],
      ['rita', 'reviewer'],
      ['vic', 'viewer'],
      ['tess', 'viewer'],
    ].map(([name = '', role = '']) => addTestUser(aurgate.app.db, { name, role, password: PASSWORD }, 'test')),
  );
  url = await aurgate.serve();
});

afterAll(async () => {
  await aurgate?.close();
  await upstream?.stop();
});

describe('signing in', () => {
  it('sends anonymous visitors to the sign-in page and answers the API with 401', async () => {
    const client = new AdminClient(url);
    const page = await client.get('/admin/queue');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fqueue');
    const api = await client.get('/admin/api/queue');
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe('Bearer realm="aurgate"');
    expect(await api.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it('sets an HttpOnly, SameSite=Lax session cookie (not Secure on plain http) and signs out', async () => {
    const client = new AdminClient(url);
    const { html } = await client.page('/admin/login');
    const loginToken = /name="_login" value="([^"]*)"/.exec(html)?.[1] ?? '';
    const response = await client.post(
      '/admin/login',
      { _login: loginToken, name: 'rita', password: PASSWORD, next: '/admin/queue' },
      { csrf: false },
    );
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/admin/queue');
    const cookie = response.headers.getSetCookie().find((header) => header.startsWith('aurgate_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    expect((await client.page('/admin/queue')).status).toBe(200);
    expect((await client.post('/admin/logout', {})).status).toBe(303);
    expect((await client.get('/admin/queue')).status).toBe(303);
  });

  it('refuses a sign-in form posted without its own token (login CSRF)', async () => {
    const client = new AdminClient(url);
    const response = await client.post('/admin/login', { name: 'rita', password: PASSWORD }, { csrf: false });
    expect(response.status).toBe(403);
  });

  it('throttles repeated failures: the sixth attempt is refused even with the right password', async () => {
    const client = new AdminClient(url);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const response = await client.login('tess', 'not the password');
      expect(response.status).toBe(attempt < 5 ? 400 : 429);
    }
    const locked = await client.login('tess', PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await locked.text()).toContain('Too many failed sign-ins');
  });
});

describe('protection of every page', () => {
  it('refuses an oversized body before reading it, even on the public sign-in form (413), and serves on', async () => {
    const big = `name=ada&password=${'x'.repeat(2 * 1024 * 1024)}`;
    const refused = await fetch(`${url}/admin/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: url },
      body: big,
    });
    expect(refused.status).toBe(413);
    expect((await fetch(`${url}/admin/login`)).status).toBe(200);
  });

  it('sends a CSP without inline script, anti-framing and no-store headers', async () => {
    const client = await signedIn('vic');
    const response = await client.get('/admin/queue');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    // The AUR-facing routes are untouched by the admin's middleware.
    expect((await fetch(`${url}/rpc/?v=5&type=info&arg[]=alpha`)).headers.get('content-security-policy')).toBeNull();
  });

  it('refuses a POST without the CSRF token, with a wrong one, or from another origin (403)', async () => {
    const client = await signedIn('rita');
    const commit = pending('kept');
    const form = { commit, reason: 'csrf probe' };
    expect((await client.post('/admin/review/kept/reject', form, { csrf: false })).status).toBe(403);
    const saved = client.csrfToken;
    client.csrfToken = 'A'.repeat(43);
    expect((await client.post('/admin/review/kept/reject', form)).status).toBe(403);
    client.csrfToken = saved;
    expect((await client.post('/admin/review/kept/reject', form, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await client.post('/admin/review/kept/reject', form, { origin: null })).status).toBe(403);
    expect((await client.api('POST', '/admin/api/revisions/kept/reject', form, { csrf: false })).status).toBe(403);
    expect(getPendingRevision(aurgate.app.db, 'kept')?.commit).toBe(commit);
  });

  it('does not let a viewer approve, and shows a viewer no decision forms', async () => {
    const client = await signedIn('vic');
    const commit = pending('kept');
    const { html } = await client.page('/admin/review/kept');
    expect(html).not.toContain('/admin/review/kept/approve');
    expect(html).toContain('need the reviewer role');
    const response = await client.post('/admin/review/kept/approve', { commit });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('approving needs the review permission');
    expect((await client.api('POST', '/admin/api/revisions/kept/approve', { commit })).status).toBe(403);
    expect(getPendingRevision(aurgate.app.db, 'kept')?.commit).toBe(commit);
  });
});

describe('decisions from the pages', () => {
  it('approves exactly the commit on the page, attributed to the signed-in reviewer', async () => {
    const client = await signedIn('rita');
    const commit = pending('alpha');
    const { html } = await client.page('/admin/review/alpha');
    expect(html).toContain(`name="commit" value="${commit}"`);
    expect(html).toContain('0 of 1 approval');
    const response = await client.post('/admin/review/alpha/approve', { commit, comment: 'read it all' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/admin/packages/alpha?notice=approved');
    expect(getServedRevision(aurgate.app.db, 'alpha')?.commit).toBe(commit);
    expect(listAudit(aurgate.app.db, { pkgbase: 'alpha', action: 'revision.approved' })[0]).toMatchObject({ actor: 'rita', commit });
    const timeline = await client.page('/admin/packages/alpha?notice=approved');
    expect(timeline.html).toContain('Approved: the commit is served now.');
    expect(timeline.html).toContain(`<code class="full-commit">${commit}</code>`);
  });

  it('refuses a decision about any commit but the pending one (409)', async () => {
    const client = await signedIn('rita');
    const response = await client.post('/admin/review/beta/approve', { commit: 'abcdef1234567' });
    expect(response.status).toBe(409);
    expect(getPendingRevision(aurgate.app.db, 'beta')).not.toBeNull();
  });

  it('rejects only with a reason', async () => {
    const client = await signedIn('rita');
    const commit = pending('beta');
    await client.page('/admin/review/beta');
    expect((await client.post('/admin/review/beta/reject', { commit, reason: '  ' })).status).toBe(400);
    const response = await client.post('/admin/review/beta/reject', { commit, reason: 'pulls a binary from a paste site' });
    expect(response.headers.get('location')).toBe('/admin/packages/beta?notice=rejected');
    expect(listAudit(aurgate.app.db, { pkgbase: 'beta', action: 'revision.rejected' })[0]).toMatchObject({
      actor: 'rita',
      detail: { reason: 'pulls a binary from a paste site' },
    });
  });
});

describe('admin pages', () => {
  it('revoke an approved commit (admins only)', async () => {
    const served = getServedRevision(aurgate.app.db, 'alpha')?.commit ?? '';
    const reviewer = await signedIn('rita');
    expect((await reviewer.page('/admin/packages/alpha')).html).not.toContain('/admin/packages/alpha/revoke');
    expect((await reviewer.post('/admin/packages/alpha/revoke', { commit: served, reason: 'x' })).status).toBe(403);
    const admin = await signedIn('ada');
    expect((await admin.page('/admin/packages/alpha')).html).toContain('/admin/packages/alpha/revoke');
    const response = await admin.post('/admin/packages/alpha/revoke', { commit: served, reason: 'upstream account compromised' });
    expect(response.headers.get('location')).toBe('/admin/packages/alpha?notice=revoked');
    expect(getServedRevision(aurgate.app.db, 'alpha')).toBeNull();
    expect(listAudit(aurgate.app.db, { pkgbase: 'alpha', action: 'revision.revoked' })[0]).toMatchObject({ actor: 'ada', commit: served });
  });

  it('add a package to the allowlist, fetch it in the background, and remove it', async () => {
    const admin = await signedIn('ada');
    await admin.page('/admin/allowlist');
    const added = await admin.post('/admin/allowlist', { names: 'extra', fetch: '1' });
    expect(added.headers.get('location')).toMatch(/^\/admin\/allowlist\?notice=allowed-(fetching|later)$/);
    await aurgate.server?.syncIdle();
    expect(getPendingRevision(aurgate.app.db, 'extra')?.commit).toBe(await upstream.head('extra'));
    expect((await admin.page('/admin/queue')).html).toContain('/admin/review/extra');
    const removed = await admin.post('/admin/allowlist/remove', { names: 'extra' });
    expect(removed.headers.get('location')).toBe('/admin/allowlist?notice=disallowed');
    expect((await admin.page('/admin/queue')).html).not.toContain('/admin/review/extra');
  });

  it('start a sync, add and disable users, and show a new API token once', async () => {
    const admin = await signedIn('ada');
    expect((await admin.post('/admin/sync', {})).headers.get('location')).toMatch(/^\/admin\/sync\?notice=sync-(started|busy)$/);
    expect((await admin.post('/admin/users', { name: 'newbie', role: 'viewer', password: PASSWORD })).headers.get('location')).toBe(
      '/admin/users?notice=user-added',
    );
    expect((await admin.post('/admin/users/newbie/disable', {})).headers.get('location')).toBe('/admin/users?notice=user-disabled');
    expect((await admin.page('/admin/users')).html).toMatch(/newbie<\/td><td>viewer<\/td>.*disabled/);
    const created = await admin.post('/admin/tokens', { name: 'deploy', scopes: ['read', 'review'], expiresInDays: '30' });
    expect(created.status).toBe(201);
    const token = /<pre class="secret">(aurgate_[A-Za-z0-9_-]+)<\/pre>/.exec(await created.text())?.[1];
    expect(token).toBeDefined();
    expect((await admin.page('/admin/tokens')).html).not.toContain(token);
    const me = await fetch(`${url}/admin/api/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ user: { name: 'ada' }, scopes: ['read', 'review'] });
    const viewer = await signedIn('vic');
    expect((await viewer.page('/admin/users')).status).toBe(403);
  });
});

describe('with an https public URL', () => {
  it('sets __Host- cookies with Secure, sends HSTS, and accepts the public origin', async () => {
    const behindProxy = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_PUBLIC_URL: 'https://aurgate.example' } });
    try {
      await addTestUser(behindProxy.app.db, { name: 'rita', role: 'reviewer', password: PASSWORD }, 'test');
      const client = new AdminClient(await behindProxy.serve());
      const response = await client.login('rita', PASSWORD);
      const cookie = response.headers.getSetCookie().find((header) => header.startsWith('__Host-aurgate_session='));
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; Path=\//);
      expect((await client.get('/admin')).headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect((await client.post('/admin/sync', {}, { origin: 'https://aurgate.example' })).status).toBe(303);
      expect((await client.post('/admin/sync', {}, { origin: 'https://aurgate.example.evil.test' })).status).toBe(403);
    } finally {
      await behindProxy.close();
    }
  });
});

describe('attacker-written package text', () => {
  it('is escaped on the queue, review, package and file pages', async () => {
    const client = await signedIn('vic');
    for (const path of ['/admin/queue', '/admin/review/evil', '/admin/packages/evil', '/admin/review/evil/file?path=.SRCINFO']) {
      const { status, html } = await client.page(path);
      expect(status, path).toBe(200);
      expect(html, path).not.toContain(PAYLOAD);
      expect(html, path).not.toContain('<img src=x');
    }
    const { html } = await client.page('/admin/review/evil');
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;');
  });
});
