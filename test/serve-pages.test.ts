import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { account } from './support/accounts.js';

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
let head: string;
const PKG = 'pages-pkg';
let approvedFrom = 0;

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  url = await aurgate.serve();
  head = await upstream.addPackage(makePackage({ pkgbase: PKG, pkgnames: ['pages-pkg-a', 'pages-pkg-b'], pkgdesc: 'Pages <b>test</b>' }), {
    Maintainer: 'mallory<script>',
  });
  await aurgate.app.allow(['pages-pkg-a'], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  approvedFrom = Date.now();
  await aurgate.app.approve({ pkgbase: PKG, commit: head, by: await account(aurgate.app, 'rita') });
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

/** A pkt-line: four hex digits of length (itself included), then the payload. */
const pkt = (line: string): string => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;

describe('git smart HTTP details', () => {
  it('accepts a gzip-compressed upload-pack request, as git sends large ones', async () => {
    const request = `${pkt(`want ${head} ofs-delta\n`)}0000${pkt('done\n')}`;
    const response = await fetch(`${url}/${PKG}.git/git-upload-pack`, {
      method: 'POST',
      body: gzipSync(request),
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.includes(Buffer.from('PACK'))).toBe(true);
  });

  it('refuses a body that claims gzip but is not, before any git process starts', async () => {
    const response = await fetch(`${url}/${PKG}.git/git-upload-pack`, {
      method: 'POST',
      body: 'not gzip at all',
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip' },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('unreadable git request');
  });

  it('resolves a pkgname to its pkgbase for git (yay -G uses the pkgname)', async () => {
    const response = await fetch(`${url}/pages-pkg-b.git/info/refs?service=git-upload-pack`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(head);
  });
});

describe('pages', () => {
  it('the front page names the server, its package count and the exact client settings', async () => {
    const html = await (await fetch(`${url}/`)).text();
    expect(html).toContain('<strong>2</strong> packages (1 package bases)');
    expect(html).toContain(`yay --aururl ${aurgate.config.publicUrl} --save`);
    expect(html).toContain(`AurUrl = ${aurgate.config.publicUrl}`);
    expect(html).toContain(`aururl = ${aurgate.config.publicUrl}`);
    expect(html).toContain(`export AUR_LOCATION=${aurgate.config.publicUrl}`);
  });

  it('the package page escapes upstream text and has the comments section paru -Gc reads', async () => {
    const response = await fetch(`${url}/packages/pages-pkg-b`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<div class="comments">');
    expect(html).toContain('Pages &lt;b&gt;test&lt;/b&gt;');
    expect(html).toContain('mallory&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect((await fetch(`${url}/packages/not-served`)).status).toBe(404);
  });

  it('the cgit log lists the approved history only', async () => {
    const pending = await upstream.push(
      PKG,
      makePackage({ pkgbase: PKG, pkgnames: ['pages-pkg-a', 'pages-pkg-b'], pkgver: '9.9' }),
      'pending change',
    );
    await aurgate.app.sync({ trigger: 'cli' });
    const html = await (await fetch(`${url}/cgit/aur.git/log/?h=${PKG}`)).text();
    expect(html).toContain(head.slice(0, 12));
    expect(html).not.toContain(pending.slice(0, 12));
    expect(html).not.toContain('pending change');
  });

  it('package lists carry approved packages with HEAD and a real Last-Modified', async () => {
    const head = await fetch(`${url}/packages.gz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    // The newest approval, at HTTP-date precision (whole seconds).
    expect(Date.parse(head.headers.get('last-modified') ?? '')).toBeGreaterThanOrEqual(Math.floor(approvedFrom / 1000) * 1000);
    const sha = await (await fetch(`${url}/pkgbase.gz.sha256`)).text();
    expect(sha).toMatch(/^SHA256 \(pkgbase\.gz\) = [0-9a-f]{64}$/);
  });
});
