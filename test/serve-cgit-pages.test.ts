import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { account } from './support/accounts.js';

/**
 * The cgit and web URLs beyond clone and snapshot (aurweb's tree, plain with id=, pkgbase page, RSS):
 * each answers from the served repos and catalog only, so a commit waiting in quarantine is never
 * shown, whatever id a client names.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let url: string;

/** A split package: two approvals, an unrecorded commit inside the second range, then a pending commit. */
const SPLIT = 'cg-split';
const NAMES = ['cg-one', 'cg-two'];
const OTHER = 'cg-other';
const REVOKED = 'cg-revoked';
/** Approved last, in a later second than the rest: the newest item of the feeds. */
const FEED = 'cg-feed';
const HOSTILE = 'Feed <b>& ]]> \u0007bell';
const c: Record<string, string> = {};

const split = (pkgver: string, marker: string, extraFiles: Record<string, string> = {}) =>
  makePackage({ pkgbase: SPLIT, pkgnames: NAMES, pkgver, extraPkgbuild: `# ${marker}`, extraFiles });

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  url = await aurgate.serve();
  const rita = await account(aurgate.app, 'rita');
  c['v1'] = await upstream.addPackage(split('1.0', 'marker-v1'));
  c['other'] = await upstream.addPackage(makePackage({ pkgbase: OTHER, extraPkgbuild: '# marker-other' }));
  c['r1'] = await upstream.addPackage(makePackage({ pkgbase: REVOKED, pkgver: '1.0' }));
  await aurgate.app.allow([NAMES[0] ?? '', OTHER, REVOKED], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  for (const [pkgbase, commit] of [
    [SPLIT, c['v1']],
    [OTHER, c['other']],
    [REVOKED, c['r1']],
  ] as const)
    await aurgate.app.approve({ pkgbase, commit, by: rita });
  // Two upstream commits between syncs: the first is never a revision of its own, only part of v2's range.
  c['between'] = await upstream.push(SPLIT, split('1.5', 'marker-between'), 'between');
  c['v2'] = await upstream.push(
    SPLIT,
    split('2.0', 'marker-v2', { 'notes.txt': '<script>alert(1)</script> & friends\n', 'patches/fix.patch': 'patch\n' }),
    'v2',
  );
  c['r2'] = await upstream.push(REVOKED, makePackage({ pkgbase: REVOKED, pkgver: '2.0', extraPkgbuild: '# marker-r2' }), 'r2');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: SPLIT, commit: c['v2'], by: rita });
  await aurgate.app.approve({ pkgbase: REVOKED, commit: c['r2'], by: rita });
  await aurgate.app.revoke({ pkgbase: REVOKED, commit: c['r2'], by: await account(aurgate.app, 'ada', 'admin'), note: 'bad release' });
  c['pending'] = await upstream.push(SPLIT, split('3.0', 'marker-quarantined'), 'not reviewed');
  c['feed'] = await upstream.addPackage(makePackage({ pkgbase: FEED, pkgdesc: HOSTILE }));
  await aurgate.app.allow([FEED], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  await new Promise((resolve) => setTimeout(resolve, 1010 - (Date.now() % 1000)));
  await aurgate.app.approve({ pkgbase: FEED, commit: c['feed'], by: rita });
});
afterAll(async () => {
  await aurgate?.close();
  await upstream?.stop();
});

const get = (path: string, init?: RequestInit) => fetch(`${url}${path}`, init);
const plainUrl = (file: string, name: string, id?: string) => `/cgit/aur.git/plain/${file}?h=${name}${id === undefined ? '' : `&id=${id}`}`;

/** A refusal: the status, a plain text message (never an empty body), and none of `secrets` in it. */
async function expectRefused(response: Response, status: number, ...secrets: string[]): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  const body = await response.text();
  expect(body.trim().length).toBeGreaterThan(0);
  for (const secret of secrets) expect(body).not.toContain(secret);
  return body;
}

describe('plain/<file>?h=&id=', () => {
  it('without id, serves the approved head (not the pending commit)', async () => {
    const response = await get(plainUrl('PKGBUILD', SPLIT));
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('marker-v2');
    expect(body).not.toContain('marker-quarantined');
  });

  it('with the id of the approved head, serves that file', async () => {
    const response = await get(plainUrl('PKGBUILD', SPLIT, c['v2']));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('marker-v2');
  });

  it('with the id of an older approved revision, serves the old content', async () => {
    const response = await get(plainUrl('PKGBUILD', SPLIT, c['v1']));
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('marker-v1');
    expect(body).not.toContain('marker-v2');
  });

  it('with the id of a commit inside an approved range (served by git clone already), serves it', async () => {
    const response = await get(plainUrl('PKGBUILD', NAMES[1] ?? '', c['between']));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('marker-between');
  });

  it('with the id of a quarantined commit, answers 404 without its content', async () => {
    const body = await expectRefused(await get(plainUrl('PKGBUILD', SPLIT, c['pending'])), 404, 'marker-quarantined');
    expect(body).toContain('not a served revision');
    const head = await get(plainUrl('PKGBUILD', SPLIT, c['pending']), { method: 'HEAD' });
    expect(head.status).toBe(404);
  });

  it('with the id of a commit of another package, answers 404', async () => {
    await expectRefused(await get(plainUrl('PKGBUILD', SPLIT, c['other'])), 404, 'marker-other');
  });

  it('with the id of a revoked revision, answers 410 with the reason, like /snapshot/', async () => {
    const body = await expectRefused(await get(plainUrl('PKGBUILD', REVOKED, c['r2'])), 410, 'marker-r2');
    expect(body).toContain('bad release');
  });

  it('with an abbreviated, upper-case or malformed id, answers 404', async () => {
    for (const id of [(c['v1'] ?? '').slice(0, 12), (c['v1'] ?? '').toUpperCase(), 'HEAD', 'master', `${c['v1']}~1`, '--output=x'])
      await expectRefused(await get(plainUrl('PKGBUILD', SPLIT, encodeURIComponent(id))), 404);
  });
});

describe('snapshot of a split package', () => {
  it("a pkgname's snapshot is its pkgbase's archive, under the name asked for", async () => {
    const base = await get(`/cgit/aur.git/snapshot/${SPLIT}.tar.gz`);
    const byName = await get(`/cgit/aur.git/snapshot/${NAMES[1]}.tar.gz`);
    expect(byName.status).toBe(200);
    expect(byName.headers.get('content-type')).toBe('application/x-gzip');
    expect(byName.headers.get('content-disposition')).toBe(`attachment; filename="${NAMES[1]}.tar.gz"`);
    const bytes = Buffer.from(await byName.arrayBuffer());
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(bytes.equals(Buffer.from(await base.arrayBuffer()))).toBe(true);
  });

  it('an unknown name answers 404 with a message', async () => {
    const body = await expectRefused(await get('/cgit/aur.git/snapshot/cg-nothing.tar.gz'), 404);
    expect(body).toContain('cg-nothing');
  });
});

describe('tree/?h=&id=', () => {
  const tree = (file: string, name: string, id?: string) => `/cgit/aur.git/tree/${file}?h=${name}${id === undefined ? '' : `&id=${id}`}`;

  it('lists the files of the served head as an HTML page, linked to their pages and raw bytes', async () => {
    for (const path of [tree('', SPLIT), tree('', NAMES[0] ?? '')]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toContain(`<a href="/cgit/aur.git/tree/PKGBUILD?h=${SPLIT}&amp;id=${c['v2']}">PKGBUILD</a>`);
      expect(html).toContain(`/cgit/aur.git/plain/.SRCINFO?h=${SPLIT}&amp;id=${c['v2']}`);
      expect(html).toContain('notes.txt');
    }
  });

  it('lists an older approved revision with id=, and refuses a quarantined one', async () => {
    const html = await (await get(tree('', SPLIT, c['v1']))).text();
    expect(html).toContain('PKGBUILD');
    expect(html).not.toContain('notes.txt');
    await expectRefused(await get(tree('', SPLIT, c['pending'])), 404);
  });

  it('lists a directory, with or without the trailing slash cgit links it with', async () => {
    for (const path of [tree('patches', SPLIT), tree('patches/', SPLIT)]) {
      const html = await (await get(path)).text();
      expect(html, path).toContain(`<a href="/cgit/aur.git/tree/patches/fix.patch?h=${SPLIT}&amp;id=${c['v2']}">patches/fix.patch</a>`);
      expect(html, path).not.toContain('notes.txt');
    }
    expect((await get(`/cgit/aur.git/tree?h=${SPLIT}`)).status).toBe(200);
  });

  it('shows a file as escaped text', async () => {
    const response = await get(tree('notes.txt', SPLIT));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain('<pre>&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends\n</pre>');
    expect(html).not.toContain('<script>');
  });

  it('shows a file of the revision id= names, and never a quarantined one', async () => {
    const old = await (await get(tree('PKGBUILD', SPLIT, c['v1']))).text();
    expect(old).toContain('marker-v1');
    await expectRefused(await get(tree('PKGBUILD', SPLIT, c['pending'])), 404, 'marker-quarantined');
    await expectRefused(await get(tree('PKGBUILD', SPLIT, c['other'])), 404, 'marker-other');
    await expectRefused(await get(tree('PKGBUILD', REVOKED, c['r2'])), 410, 'marker-r2');
  });

  it('a missing file, a bad path or an unknown package answers 404 with a message', async () => {
    for (const path of [
      tree('no-such-file', SPLIT),
      tree('notes.txt', SPLIT, c['v1']),
      tree('..%2f..%2fetc%2fpasswd', SPLIT),
      tree('a//b', SPLIT),
      tree('PKGBUILD', 'cg-nothing'),
      tree('PKGBUILD', '--output=x'),
      tree('', ''),
    ])
      await expectRefused(await get(path), 404);
  });
});

describe('commit/?h=&id= and the log', () => {
  it('shows a served commit, and the log links each commit to it', async () => {
    const response = await get(`/cgit/aur.git/commit/?h=${NAMES[1]}&id=${c['between']}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`${SPLIT}: between`);
    expect(html).toContain(c['between']);
    const log = await (await get(`/cgit/aur.git/log/?h=${SPLIT}`)).text();
    expect(log).toContain(`/cgit/aur.git/commit/?h=${SPLIT}&amp;id=${c['between']}`);
    expect(log).not.toContain(c['pending']);
  });

  it('without id shows the served head; a quarantined id answers 404', async () => {
    expect(await (await get(`/cgit/aur.git/commit/?h=${SPLIT}`)).text()).toContain(`${SPLIT}: v2`);
    await expectRefused(await get(`/cgit/aur.git/commit/?h=${SPLIT}&id=${c['pending']}`), 404, 'not reviewed');
  });
});

describe('package and package base pages', () => {
  it('/pkgbase/<base> and /pkgbase/<base>/ list every package of the base', async () => {
    for (const path of [`/pkgbase/${SPLIT}`, `/pkgbase/${SPLIT}/`]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      const html = await response.text();
      expect(html).toContain(`Package base ${SPLIT} 2.0-1`);
      for (const name of NAMES) expect(html).toContain(`<a href="/packages/${name}">${name}</a>`);
      expect(html).toContain(c['v2']);
    }
  });

  it('/pkgbase/ of a pkgname points at its base; of an unknown or unapproved name answers 404 with a message', async () => {
    expect(await expectRefused(await get(`/pkgbase/${NAMES[1]}`), 404)).toContain(`/pkgbase/${SPLIT}`);
    expect(await expectRefused(await get('/pkgbase/cg-nothing'), 404)).toContain('cg-nothing');
    await expectRefused(await get('/pkgbase/UPPER'), 404);
  });

  it('/packages/<name> and /packages/<name>/ answer for pkgnames and pkgbases, split packages included', async () => {
    for (const [name, title] of [
      [NAMES[1], `${NAMES[1]} 2.0-1`],
      [SPLIT, `${NAMES[0]} 2.0-1`],
      [OTHER, `${OTHER} 1.0.0-1`],
    ] as const) {
      for (const path of [`/packages/${name}`, `/packages/${name}/`]) {
        const response = await get(path);
        expect(response.status, path).toBe(200);
        expect(await response.text(), path).toContain(`<h1>${title}</h1>`);
      }
    }
    expect(await expectRefused(await get('/packages/cg-nothing/'), 404)).toContain('cg-nothing');
  });
});

describe('RSS feeds', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** The little of the browser's DOM the parse below uses (the test is compiled without the DOM library). */
  interface XmlElement {
    nodeName: string;
    textContent: string | null;
    getAttribute(name: string): string | null;
    getElementsByTagName(name: string): ArrayLike<XmlElement> & Iterable<XmlElement>;
  }
  type XmlParser = new () => {
    parseFromString(text: string, type: string): { documentElement: XmlElement; getElementsByTagName: XmlElement['getElementsByTagName'] };
  };

  /** The feed read by a real XML parser (the browser's DOMParser): a well-formedness error is reported, not guessed at. */
  async function parseFeed(xml: string) {
    const page = await browser.newPage();
    try {
      return await page.evaluate((text) => {
        const Parser = (globalThis as unknown as { DOMParser: XmlParser }).DOMParser;
        const doc = new Parser().parseFromString(text, 'application/xml');
        const error = doc.getElementsByTagName('parsererror')[0]?.textContent ?? null;
        const field = (item: XmlElement, name: string) => item.getElementsByTagName(name)[0]?.textContent ?? null;
        const items = [...doc.getElementsByTagName('item')].map((item) => ({
          title: field(item, 'title'),
          link: field(item, 'link'),
          description: field(item, 'description'),
          pubDate: field(item, 'pubDate'),
          guid: field(item, 'guid'),
        }));
        return { error, root: doc.documentElement.nodeName, version: doc.documentElement.getAttribute('version'), items };
      }, xml);
    } finally {
      await page.close();
    }
  }

  for (const path of ['/rss/', '/rss/modified']) {
    it(`${path} is well-formed RSS 2.0 of the served packages, newest approval first, upstream text escaped`, async () => {
      const response = await get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/rss\+xml/);
      const xml = await response.text();
      const feed = await parseFeed(xml);
      expect(feed.error).toBeNull();
      expect([feed.root, feed.version]).toEqual(['rss', '2.0']);
      // Every served pkgname once: the split base's two, the others' one each; nothing pending or revoked.
      expect(feed.items.map((item) => item.title).sort()).toEqual([...NAMES, FEED, OTHER, REVOKED].sort());
      const [first] = feed.items;
      expect(first?.title).toBe(FEED);
      expect(first?.link).toBe(`${aurgate.config.publicUrl}/packages/${FEED}`);
      expect(first?.description).toBe('Feed <b>& ]]> bell');
      expect(first?.guid).toBe(`${FEED}@${c['feed']}`);
      const dates = feed.items.map((item) => Date.parse(item.pubDate ?? ''));
      expect(dates.every((date, index) => Number.isFinite(date) && (index === 0 || date <= (dates[index - 1] ?? 0)))).toBe(true);
      expect(first?.pubDate).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(xml).toContain('Feed &lt;b&gt;&amp; ]]&gt; bell');
      // The control character did reach the catalog (RPC has it); the feed alone drops it.
      const info = (await (await get(`/rpc/?v=5&type=info&arg[]=${FEED}`)).json()) as { results: Array<{ Description: string }> };
      expect(info.results[0]?.Description).toBe(HOSTILE);
    });
  }
});

describe('bad input never reaches git', () => {
  it('malformed ids and paths are refused before a revision lookup or any git process', async () => {
    const { cgitRoutes } = await import('../src/serve/cgit/routes.js');
    const asked: string[] = [];
    const router = cgitRoutes({
      lookup: {
        availability: (name) => ({ kind: 'served', pkgbase: name, commit: 'a'.repeat(40) }),
        revisionAvailability: (_pkgbase, commit) => (asked.push(commit), { kind: 'missing' }),
      },
      // No such directory: a git process started here would fail, and the answer would be a 500.
      servedRoot: '/nonexistent/aurgate-served',
      snapshots: aurgate.app.snapshots,
    });
    const ids = ['b'.repeat(39), 'B'.repeat(40), 'HEAD', '--output=x', `${'b'.repeat(40)}~1`, `${'b'.repeat(40)}:PKGBUILD`, 'b'.repeat(41)];
    for (const id of ids)
      for (const view of ['plain/PKGBUILD', 'tree/', 'tree/PKGBUILD', 'commit/']) {
        const response = await router.request(`/cgit/aur.git/${view}?h=x&id=${encodeURIComponent(id)}`);
        expect(response.status, `${view} ${id}`).toBe(404);
      }
    for (const path of ['plain/..%2fetc%2fpasswd', 'tree/..%2fetc', 'tree/a%00b', 'plain/', `tree/${'a/'.repeat(600)}x`])
      expect((await router.request(`/cgit/aur.git/${path}?h=x&id=${'b'.repeat(40)}`)).status, path).toBe(404);
    expect(asked).toEqual([]);
  });
});
