import { rm } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { account, addTestUser } from './support/accounts.js';

const PKG = 'hdr-pkg';
const BROKEN = 'hdr-broken';
const PASSWORD = 'correct horse battery staple';

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
let head: string;
let browser: Browser;

beforeAll(async () => {
  [upstream, browser] = await Promise.all([
    TestUpstream.start(),
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    }),
  ]);
  head = await upstream.addPackage(makePackage({ pkgbase: PKG }));
  const brokenHead = await upstream.addPackage(makePackage({ pkgbase: BROKEN }));
  aurgate = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_METRICS_TOKEN: 'scrape-token-0123456789' } });
  await aurgate.app.allow([PKG, BROKEN], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit: head, by: await account(aurgate.app, 'rita') });
  await aurgate.app.approve({ pkgbase: BROKEN, commit: brokenHead, by: await account(aurgate.app, 'rita') });
  await addTestUser(aurgate.app.db, { name: 'vic', role: 'viewer', password: PASSWORD }, 'test');
  url = await aurgate.serve();
  // A served repo lost from under the server: reading from it is an internal error, not a domain one.
  await rm(path.join(aurgate.config.paths.servedRepos, `${BROKEN}.git`), { recursive: true, force: true });
});

afterAll(async () => {
  await browser?.close();
  await aurgate?.close();
  await upstream?.stop();
});

const pkt = (line: string): string => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
const INFO = `/rpc/?v=5&type=info&arg[]=${PKG}`;

/** One request of every class of route, with the status it must get. */
const ROUTES: Array<{ name: string; status: number; html?: 'public' | 'admin'; request: () => Promise<Response> }> = [
  { name: 'RPC GET, first (hono fast router)', status: 200, request: () => fetch(`${url}${INFO}&first=1`) },
  { name: 'RPC GET, cached (answered below hono)', status: 200, request: () => fetch(`${url}${INFO}`) },
  { name: 'RPC JSONP', status: 200, request: () => fetch(`${url}${INFO}&callback=cb`) },
  {
    name: 'RPC GET, not modified',
    status: 304,
    request: () => etagOf(INFO).then((etag) => fetch(`${url}${INFO}`, { headers: { 'If-None-Match': etag } })),
  },
  {
    name: 'RPC POST',
    status: 200,
    request: () =>
      fetch(`${url}/rpc/v5/info`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ arg: [PKG] }) }),
  },
  { name: 'RPC documentation page', status: 200, html: 'public', request: () => fetch(`${url}/rpc`) },
  { name: 'git advertisement', status: 200, request: () => fetch(`${url}/${PKG}.git/info/refs?service=git-upload-pack`) },
  {
    name: 'git upload-pack',
    status: 200,
    request: () =>
      fetch(`${url}/${PKG}.git/git-upload-pack`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-git-upload-pack-request' },
        body: `${pkt(`want ${head}\n`)}0000${pkt('done\n')}`,
      }),
  },
  { name: 'git push refused', status: 403, request: () => fetch(`${url}/${PKG}.git/git-receive-pack`, { method: 'POST', body: '0000' }) },
  { name: 'snapshot', status: 200, request: () => fetch(`${url}/cgit/aur.git/snapshot/${PKG}.tar.gz`) },
  { name: 'pinned snapshot', status: 200, request: () => fetch(`${url}/snapshot/${PKG}/${head}.tar.gz`) },
  { name: 'plain file', status: 200, request: () => fetch(`${url}/cgit/aur.git/plain/PKGBUILD?h=${PKG}`) },
  { name: 'log page', status: 200, html: 'public', request: () => fetch(`${url}/cgit/aur.git/log/?h=${PKG}`) },
  { name: 'package list', status: 200, request: () => fetch(`${url}/packages.gz`) },
  { name: 'package metadata list', status: 200, request: () => fetch(`${url}/packages-meta-ext-v1.json.gz`) },
  { name: 'front page', status: 200, html: 'public', request: () => fetch(`${url}/`) },
  { name: 'package page', status: 200, html: 'public', request: () => fetch(`${url}/packages/${PKG}`) },
  { name: 'lock API', status: 200, request: () => fetch(`${url}/api/v1/lock?pkg=${PKG}`) },
  { name: 'admin sign-in page', status: 200, html: 'admin', request: () => fetch(`${url}/admin/login`) },
  { name: 'admin redirect', status: 303, request: () => fetch(`${url}/admin/queue`, { redirect: 'manual' }) },
  { name: 'admin API without a token', status: 401, request: () => fetch(`${url}/admin/api/queue`) },
  { name: 'admin stylesheet', status: 200, request: () => fetch(`${url}/admin/assets/admin.css`) },
  { name: 'metrics without the token', status: 401, request: () => fetch(`${url}/metrics`) },
  { name: 'health', status: 200, request: () => fetch(`${url}/healthz`) },
  { name: '404', status: 404, request: () => fetch(`${url}/no/such/thing`) },
  { name: '404 of a route', status: 404, request: () => fetch(`${url}/cgit/aur.git/snapshot/not-served.tar.gz`) },
  {
    name: '400',
    status: 400,
    request: () => fetch(`${url}/rpc/v5/info`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{' }),
  },
  { name: '500', status: 500, request: () => fetch(`${url}/cgit/aur.git/plain/PKGBUILD?h=${BROKEN}`) },
];

async function etagOf(pathAndQuery: string): Promise<string> {
  return (await fetch(`${url}${pathAndQuery}`)).headers.get('etag') ?? '';
}

describe('headers on every route', () => {
  it.each(ROUTES)('$name: X-Content-Type-Options: nosniff, and a CSP on HTML pages', async ({ status, html, request }) => {
    await fetch(`${url}${INFO}`); // warms the RPC cache, so the "cached" case really is
    const response = await request();
    await response.arrayBuffer();
    expect(response.status).toBe(status);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = response.headers.get('content-security-policy');
    if (html === 'public') {
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/);
    } else if (html === 'admin') {
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'none'");
    } else {
      expect(response.headers.get('content-type') ?? '').not.toMatch(/^text\/html/);
    }
  });
});

/*
 * The browser-side code is written as strings: the tests compile without the DOM library, and these
 * few lines run in the page, not here.
 */
const RECORD_VIOLATIONS = `
  window.__state = { ran: 0, violations: [] };
  window.pwned = () => { window.__state.ran += 1; };
  document.addEventListener('securitypolicyviolation', (event) =>
    window.__state.violations.push(event.effectiveDirective + ' ' + event.blockedURI));`;

interface PageState {
  ran: number;
  violations: string[];
}

const pageState = (page: Page) => page.evaluate('window.__state') as Promise<PageState>;

describe('the policies in a real browser', () => {
  it('public pages keep their own inline style, and nothing else is allowed', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.addInitScript({ content: RECORD_VIOLATIONS });
      for (const path of ['/', `/packages/${PKG}`, `/cgit/aur.git/log/?h=${PKG}`, '/rpc']) {
        await page.goto(`${url}${path}`);
        // 60rem: the stylesheet applied; an inline style the policy refused would leave "none".
        expect(await page.evaluate('getComputedStyle(document.body).maxWidth'), path).toBe(path === '/rpc' ? 'none' : '960px');
        expect((await pageState(page)).violations, path).toEqual([]);
      }
    } finally {
      await context.close();
    }
  });

  /**
   * The admin page exactly as aurgate sends it (status, headers, CSP), with a same-origin JSONP
   * script injected into its body, as an HTML injection would. `window.pwned` is the JSONP callback.
   */
  async function injectJsonp(page: Page, rewriteCsp: (csp: string) => string): Promise<void> {
    await page.addInitScript({ content: RECORD_VIOLATIONS });
    await page.route(`${url}/admin/login`, async (route) => {
      const response = await route.fetch();
      const headers = response.headers();
      headers['content-security-policy'] = rewriteCsp(headers['content-security-policy'] ?? '');
      const body = (await response.text()).replace('</body>', `<script src="${INFO}&callback=pwned"></script></body>`);
      await route.fulfill({ response, headers, body });
    });
    await page.goto(`${url}/admin/login`);
  }

  it("the admin's CSP stops a same-origin JSONP script injected into an admin page", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      let served = '';
      await injectJsonp(page, (csp) => (served = csp));
      expect(served).toContain("script-src 'none'");
      await page.waitForFunction('window.__state.violations.length > 0');
      expect(await pageState(page)).toEqual({ ran: 0, violations: [`script-src-elem ${url}${INFO}&callback=pwned`] });
    } finally {
      await context.close();
    }
  });

  it("control: under the admin's former script-src 'self' the same injection runs", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await injectJsonp(page, (csp) => csp.replace("script-src 'none'", "script-src 'self'"));
      await page.waitForFunction('window.__state.ran > 0');
      expect((await pageState(page)).violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
