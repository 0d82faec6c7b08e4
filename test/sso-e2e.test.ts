import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSsoIdentity, ssoUserName } from '../src/accounts/sso-identities.js';
import { findUserByName } from '../src/accounts/users.js';
import { startServer } from '../src/http/server.js';
import { listApprovals } from '../src/quarantine/approvals.js';
import { setRequiredApprovals } from '../src/quarantine/policy.js';
import { getPendingRevision, getRevision } from '../src/quarantine/revisions.js';
import { account } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TEST_CLIENT, TestOidcProvider, type TestAccount } from './support/oidc.js';
import { freePort } from './support/ports.js';
import { TestUpstream } from './support/upstream.js';

const PROVIDER_NAME = 'Test IdP';
const ACCOUNTS: Record<string, TestAccount> = {
  vera: { name: 'Vera Viewer', email: 'vera@example.com', groups: ['staff'] },
  rob: { name: 'Rob Reviewer', email: 'rob@example.com', groups: ['packagers', 'staff'] },
  ann1: { name: 'Ann Example', groups: ['packagers'] },
  ann2: { name: 'Ann Example', groups: ['packagers'] },
  mallory: { name: 'Mallory', groups: ['packagers'] },
};

let upstream: TestUpstream;
let provider: TestOidcProvider;
let aurgate: Harness;
let browser: Browser;
let url: string;

/**
 * aurgate must know its public URL (the redirect URI registered at the provider) and the provider's
 * issuer before either starts: a port free a moment ago for aurgate, then the provider, then aurgate;
 * another port if a concurrent suite took it in between.
 */
async function startWithSso(): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    provider = await TestOidcProvider.start(`${publicUrl}/admin/sso/callback`, ACCOUNTS);
    aurgate = await startAurgate({
      upstreamUrl: upstream.url,
      env: {
        AURGATE_PORT: String(port),
        AURGATE_PUBLIC_URL: publicUrl,
        AURGATE_OIDC_ISSUER: provider.issuer,
        AURGATE_OIDC_CLIENT_ID: TEST_CLIENT.clientId,
        AURGATE_OIDC_CLIENT_SECRET: TEST_CLIENT.clientSecret,
        AURGATE_OIDC_PROVIDER_NAME: PROVIDER_NAME,
        AURGATE_OIDC_SCOPES: 'openid profile email groups',
        AURGATE_OIDC_ROLE_MAP: JSON.stringify({ admin: 'aurgate-admins', reviewer: ['packagers'], viewer: 'staff' }),
      },
    });
    try {
      aurgate.server = await startServer(aurgate.app, { schedule: false, port, syncIn: 'in-process' });
      url = aurgate.server.url;
      return;
    } catch (error) {
      await aurgate.close();
      await provider.stop();
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw error;
    }
  }
}

function pendingCommit(pkgbase: string): string {
  const commit = getPendingRevision(aurgate.app.db, pkgbase)?.commit;
  if (!commit) throw new Error(`${pkgbase} has nothing pending`);
  return commit;
}

function isAurgate(address: URL): boolean {
  return address.origin === new URL(url).origin;
}

/**
 * Through the provider's own pages: its sign-in form (any password for a listed login), then its
 * consent page, until the browser is back at aurgate (signed in, or on aurgate's refusal).
 */
async function throughProvider(page: Page, login: string): Promise<void> {
  for (;;) {
    await page.waitForURL((address) => isAurgate(address) || address.pathname.startsWith('/interaction/'));
    const here = page.url();
    if (isAurgate(new URL(here))) return;
    if ((await page.locator('input[name=login]').count()) > 0) {
      await page.locator('input[name=login]').fill(login);
      await page.locator('input[name=password]').fill('anything: the test provider checks no password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
    } else {
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    await page.waitForURL((address) => address.href !== here);
  }
}

/** A new browser signing in with single sign-on from the sign-in page; returns where it ended up. */
async function ssoSignIn(login: string): Promise<{ context: BrowserContext; page: Page; status: number | undefined }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const status = callbackStatus(page);
  await page.goto(`${url}/admin/queue`);
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  await page.getByRole('link', { name: `Sign in with ${PROVIDER_NAME}` }).click();
  await throughProvider(page, login);
  await page.waitForLoadState();
  return { context, page, status: status() };
}

/**
 * Starts a sign-in in this page's browser without following aurgate's redirect: the flow cookie is
 * set in the browser, and the provider's authorization URL is returned for the test to alter.
 */
async function startFlow(page: Page): Promise<{ authorization: URL }> {
  const response = await page.request.get(`${url}/admin/sso/start`, { maxRedirects: 0 });
  expect(response.status()).toBe(303);
  const location = response.headers()['location'] ?? '';
  expect(location.startsWith(`${provider.issuer}/auth?`)).toBe(true);
  return { authorization: new URL(location) };
}

/** The status of aurgate's answer to the provider's redirect back, once it came. */
function callbackStatus(page: Page): () => number | undefined {
  let status: number | undefined;
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/admin/sso/callback') status = response.status();
  });
  return () => status;
}

/** Whether this browser's session still opens the admin. */
async function signedIn(page: Page): Promise<boolean> {
  await page.goto(`${url}/admin/queue`);
  return new URL(page.url()).pathname === '/admin/queue';
}

beforeAll(async () => {
  [upstream, browser] = await Promise.all([
    TestUpstream.start(),
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    }),
  ]);
  await upstream.addPackage(makePackage({ pkgbase: 'hello' }));
  await upstream.addPackage(makePackage({ pkgbase: 'twin' }));
  await startWithSso();
  await aurgate.app.allow(['hello', 'twin'], 'test');
  await aurgate.app.sync({ trigger: 'cli' });
});

afterAll(async () => {
  await browser?.close();
  await aurgate?.close();
  await provider?.stop();
  await upstream?.stop();
});

describe('single sign-on through a real OpenID provider in a real browser', () => {
  it('signs in through the provider, as an account keyed by issuer and subject with the role of its group', async () => {
    const { context, page } = await ssoSignIn('vera');
    expect(new URL(page.url()).pathname).toBe('/admin/queue');
    const identity = findSsoIdentity(aurgate.app.db, provider.issuer, 'vera');
    expect(identity).toMatchObject({ displayName: 'Vera Viewer', email: 'vera@example.com', claimValues: ['staff'] });
    const user = findUserByName(aurgate.app.db, ssoUserName(provider.issuer, 'vera'));
    expect(user).toMatchObject({ id: identity?.userId, source: 'sso', role: 'viewer', passwordHash: '' });
    expect(await page.locator('header').textContent()).toContain(`${user?.name} (viewer)`);
    await context.close();
  });

  it('maps groups to roles: a viewer cannot approve, a reviewer can', async () => {
    const commit = pendingCommit('hello');
    const viewer = await ssoSignIn('vera');
    await viewer.page.goto(`${url}/admin/review/hello`);
    expect(await viewer.page.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
    expect(await viewer.page.locator('.decide, p.muted', { hasText: 'need the reviewer role' }).count()).toBe(1);
    // Not just a missing button: the approval itself is refused, with the session's own CSRF token.
    const csrf = await viewer.page.locator('input[name=_csrf]').first().getAttribute('value');
    const forged = await viewer.page.request.post(`${url}/admin/review/hello/approve`, {
      form: { commit, _csrf: csrf ?? '' },
      headers: { Origin: url },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('needs the review permission');
    expect(getPendingRevision(aurgate.app.db, 'hello')?.commit).toBe(commit);
    await viewer.context.close();

    const reviewer = await ssoSignIn('rob');
    await reviewer.page.goto(`${url}/admin/review/hello`);
    await reviewer.page.getByRole('button', { name: `Approve ${commit.slice(0, 12)}` }).click();
    await reviewer.page.waitForURL(`${url}/admin/packages/hello?notice=approved`);
    const approvals = listApprovals(aurgate.app.db, getRevisionId('hello', commit));
    expect(approvals.map((approval) => approval.reviewer)).toEqual([ssoUserName(provider.issuer, 'rob')]);
    await reviewer.context.close();
  });

  it('refuses a user removed from the group at the next sign-in and ends their sessions', async () => {
    const before = await ssoSignIn('rob');
    expect(await signedIn(before.page)).toBe(true);

    await provider.updateAccount('rob', { ...ACCOUNTS['rob'], groups: ['contractors'] });
    const refused = await ssoSignIn('rob');
    expect(refused.status).toBe(403);
    expect(await refused.page.getByRole('alert').textContent()).toContain('has no role here');
    expect(await signedIn(refused.page)).toBe(false);
    // The browser that was signed in before is signed out too.
    expect(await signedIn(before.page)).toBe(false);
    expect(findUserByName(aurgate.app.db, ssoUserName(provider.issuer, 'rob'))).toMatchObject({ disabledReason: 'no-role' });

    // Back in the group: the next sign-in works again, with the role of the group it is in now.
    await provider.updateAccount('rob', { ...ACCOUNTS['rob'], groups: ['staff'] });
    const again = await ssoSignIn('rob');
    expect(await signedIn(again.page)).toBe(true);
    expect(findUserByName(aurgate.app.db, ssoUserName(provider.issuer, 'rob'))).toMatchObject({ role: 'viewer', disabledAt: null });
    await Promise.all([before.context.close(), refused.context.close(), again.context.close()]);
  });

  it('refuses a callback whose state was altered', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { authorization } = await startFlow(page);
    // The provider sends back whatever state it was given: the callback arrives with a state one
    // character off the one sealed in this browser's flow cookie, and a genuine code.
    const state = authorization.searchParams.get('state') ?? '';
    expect(state).not.toBe('');
    authorization.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
    const status = callbackStatus(page);
    await page.goto(authorization.href);
    await throughProvider(page, 'mallory');
    await page.waitForLoadState();
    expect(new URL(page.url()).searchParams.get('code')).not.toBeNull();
    expect(status()).toBe(401);
    expect(await page.getByRole('alert').textContent()).toContain('state sent back does not belong to the sign-in started in this browser');
    expect(await signedIn(page)).toBe(false);
    expect(findSsoIdentity(aurgate.app.db, provider.issuer, 'mallory')).toBeNull();
    await context.close();
  });

  it('refuses an ID token whose nonce belongs to another sign-in', async () => {
    // A second sign-in, started and never finished: its nonce is genuine, but not the first one's.
    const other = await browser.newContext();
    const otherNonce = (await startFlow(await other.newPage())).authorization.searchParams.get('nonce') ?? '';
    await other.close();

    // The first sign-in goes to the provider with its own state and PKCE challenge but the other
    // nonce: the provider issues a real, signed ID token whose nonce is not this browser's.
    const context = await browser.newContext();
    const page = await context.newPage();
    const { authorization } = await startFlow(page);
    expect(otherNonce).not.toBe('');
    expect(authorization.searchParams.get('nonce')).not.toBe(otherNonce);
    authorization.searchParams.set('nonce', otherNonce);
    const status = callbackStatus(page);
    await page.goto(authorization.href);
    await throughProvider(page, 'mallory');
    await page.waitForLoadState();
    expect(status()).toBe(401);
    expect(await page.getByRole('alert').textContent()).toContain('unexpected ID Token "nonce" claim value');
    expect(await signedIn(page)).toBe(false);
    expect(findSsoIdentity(aurgate.app.db, provider.issuer, 'mallory')).toBeNull();
    await context.close();
  });

  it('counts two users with the same display name as two reviewers, and a renamed user as one', async () => {
    const { ada } = { ada: await account(aurgate.app, 'ada', 'admin') };
    setRequiredApprovals(aurgate.app.db, 2, ada);
    const commit = pendingCommit('twin');

    const first = await ssoSignIn('ann1');
    await first.page.goto(`${url}/admin/review/twin`);
    await first.page.getByRole('button', { name: `Approve ${commit.slice(0, 12)}` }).click();
    await first.page.waitForURL(`${url}/admin/review/twin?notice=approval-recorded`);
    await first.context.close();

    // Renamed at the provider: the same subject, so the same reviewer, who cannot approve twice.
    await provider.updateAccount('ann1', { ...ACCOUNTS['ann1'], name: 'Ann Renamed' });
    const renamed = await ssoSignIn('ann1');
    await renamed.page.goto(`${url}/admin/review/twin`);
    expect(await renamed.page.locator('.notice', { hasText: "it needs another reviewer's approval" }).count()).toBe(1);
    expect(findSsoIdentity(aurgate.app.db, provider.issuer, 'ann1')?.displayName).toBe('Ann Renamed');
    await renamed.context.close();
    expect(getPendingRevision(aurgate.app.db, 'twin')?.commit).toBe(commit);

    // Another person with the same display name: another subject, so the second reviewer.
    const second = await ssoSignIn('ann2');
    await second.page.goto(`${url}/admin/review/twin`);
    await second.page.getByRole('button', { name: `Approve ${commit.slice(0, 12)}` }).click();
    await second.page.waitForURL(`${url}/admin/packages/twin?notice=approved`);
    await second.context.close();

    const approvals = listApprovals(aurgate.app.db, getRevisionId('twin', commit));
    expect(approvals.map((approval) => approval.reviewer).sort()).toEqual(
      [ssoUserName(provider.issuer, 'ann1'), ssoUserName(provider.issuer, 'ann2')].sort(),
    );
    expect(new Set(approvals.map((approval) => approval.userId)).size).toBe(2);
    expect(getPendingRevision(aurgate.app.db, 'twin')).toBeNull();
  });
});

function getRevisionId(pkgbase: string, commit: string): number {
  const revision = getRevision(aurgate.app.db, pkgbase, commit);
  if (!revision) throw new Error(`no revision ${pkgbase}@${commit}`);
  return revision.id;
}
