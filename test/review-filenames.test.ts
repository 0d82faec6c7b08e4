import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTestUser } from './support/accounts.js';
import { getPendingRevision } from '../src/quarantine/revisions.js';
import { displayPath } from '../src/review/display-path.js';
import { AdminClient } from './support/admin-client.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/** File names git C-quotes in its patch headers, that markup or URLs could misread, or that hide characters. */
const NAMES = [
  'has "quotes".sh',
  "it's 'single'.txt",
  'tab\there.txt',
  'new\nline.txt',
  'ünïcödé ✓.txt',
  '<img src=x onerror=alert(1)>.sh',
  'back\\slash.txt',
  'sub dir/a&b #1?.txt',
  '100%25 + plus.txt',
  'trailing space ',
  '-n.txt',
  'dev/null',
  'bidi\u202Etxt.sh',
];
const RENAMED = 'tab\tmoved ✓.txt';
const ADDED = 'added "later"\t<b>.txt';
const PASSWORD = 'correct horse battery staple';

const marker = (name: string): string => `marker-${NAMES.concat(RENAMED, ADDED).indexOf(name)}`;
const filesOf = (names: string[], version: string): Record<string, string> =>
  Object.fromEntries(names.map((name) => [name, `${marker(name)} ${version}\n`]));

let upstream: TestUpstream;
let aurgate: Harness;
let client: AdminClient;

function pendingCommit(): string {
  const revision = getPendingRevision(aurgate.app.db, 'oddnames');
  if (!revision) throw new Error('oddnames has nothing pending');
  return revision.commit;
}

/** Text of an HTML fragment as a browser shows it (the entities hono and diff2html write). */
function textOf(html: string): string {
  return html
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

interface ReviewPage {
  html: string;
  /** Each file list entry: the name shown, and the exact path its "view file" link carries. */
  listed: { shown: string; link: string; path: string | null; rev: string | null }[];
  /** The names in the diff blocks' headers. */
  headers: string[];
}

async function reviewPage(): Promise<ReviewPage> {
  const { status, html } = await client.page('/admin/review/oddnames');
  expect(status).toBe(200);
  const list = /<ul class="files">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  const listed = [...list.matchAll(/<li>[\s\S]*?<a href="#[^"]*">([^<]*)<\/a>[\s\S]*?<a class="small" href="([^"]*)">/g)].map(
    ([, shown = '', href = '']) => {
      const link = textOf(href);
      const query = new URL(link, 'http://admin.invalid').searchParams;
      return { shown: textOf(shown), link, path: query.get('path'), rev: query.get('rev') };
    },
  );
  const headers = [...html.matchAll(/<span class="d2h-file-name">([^<]*)<\/span>/g)].map(([, name = '']) => textOf(name));
  return { html, listed, headers };
}

/** No payload reaches the page as markup, whatever the file names. */
function expectInert(html: string): void {
  expect(html).not.toMatch(/<img|<b>|<[^>]*\sonerror=/i);
  expect(html).not.toContain('\u202E');
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  await upstream.addPackage(makePackage({ pkgbase: 'oddnames', extraFiles: filesOf(NAMES, 'v1') }));
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  await aurgate.app.allow(['oddnames'], 'test');
  await aurgate.app.sync({ trigger: 'cli' });
  await addTestUser(aurgate.app.db, { name: 'rita', role: 'reviewer', password: PASSWORD }, 'test');
  client = new AdminClient(await aurgate.serve());
  expect((await client.login('rita', PASSWORD)).status).toBe(303);
});

afterAll(async () => {
  await aurgate?.close();
  await upstream?.stop();
});

describe('a first revision whose files have unusual names', () => {
  it('lists every file under its name, escaped, with control characters made visible', async () => {
    const page = await reviewPage();
    const expected = [...NAMES, 'PKGBUILD', '.SRCINFO'];
    expect(page.listed.map((entry) => entry.path).sort()).toEqual([...expected].sort());
    for (const entry of page.listed) expect(entry.shown).toBe(displayPath(entry.path ?? ''));
    expect(page.listed.map((entry) => entry.shown)).toEqual(expect.arrayContaining(['tab␉here.txt', 'new␊line.txt', 'bidi[U+202E]txt.sh']));
    expect(page.headers.sort()).toEqual(expected.map(displayPath).sort());
    expectInert(page.html);
  });

  it('shows each file’s content in the diff', async () => {
    const { html } = await reviewPage();
    const diff = html.slice(html.indexOf('<div class="diff">'));
    for (const name of NAMES) expect(diff, name).toContain(`${marker(name)} v1`);
  });

  it('opens every file from its "view file" link', async () => {
    const { listed } = await reviewPage();
    for (const { link, path } of listed) {
      const { status, html } = await client.page(link);
      expect(status, link).toBe(200);
      expect(textOf(/<h1 class="path">([^<]*)<\/h1>/.exec(html)?.[1] ?? '')).toBe(displayPath(path ?? ''));
      if (NAMES.includes(path ?? '')) expect(html).toContain(`${marker(path ?? '')} v1`);
      expectInert(html);
    }
  });

  it('gives exact paths in the JSON API', async () => {
    const response = await client.api('GET', '/admin/api/revisions/oddnames');
    const body = (await response.json()) as { files: { path: string; status: string }[] };
    expect(body.files.map((file) => file.path).sort()).toEqual([...NAMES, 'PKGBUILD', '.SRCINFO'].sort());
    expect(new Set(body.files.map((file) => file.status))).toEqual(new Set(['added']));
  });

  it('prints non-ASCII names readably from `aurgate diff`, control characters git-quoted', async () => {
    const diff = await aurgate.cli(['diff', 'oddnames']);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('+++ b/ünïcödé ✓.txt');
    expect(diff.stdout).toContain('+++ "b/tab\\there.txt"');
    expect(diff.stdout).toContain('+++ "b/new\\nline.txt"');
    expect(diff.stdout).toContain('+++ b/<img src=x onerror=alert(1)>.sh');
    for (const name of NAMES) expect(diff.stdout, name).toContain(`+${marker(name)} v1`);
    const stat = await aurgate.cli(['diff', 'oddnames', '--stat']);
    expect(stat.stdout).toContain('ünïcödé ✓.txt');
    expect(stat.stdout).toContain(`${NAMES.length + 2} files changed`);
  });
});

describe('a later revision that renames, deletes, changes and adds such files', () => {
  beforeAll(async () => {
    const approved = await client.post('/admin/review/oddnames/approve', { commit: pendingCommit() });
    expect(approved.status).toBe(303);
    await upstream.push('oddnames', {
      'has "quotes".sh': `${marker('has "quotes".sh')} v2\n`,
      'tab\there.txt': null,
      [RENAMED]: `${marker('tab\there.txt')} v1\n`,
      'new\nline.txt': null,
      [ADDED]: `${marker(ADDED)} v2\n`,
    });
    await aurgate.app.sync({ trigger: 'cli' });
  });

  it('lists each change under the exact names and links every file, a deleted one to its last approved version', async () => {
    const page = await reviewPage();
    const byPath = new Map(page.listed.map((entry) => [entry.path, entry]));
    expect([...byPath.keys()].sort()).toEqual([ADDED, 'has "quotes".sh', 'new\nline.txt', RENAMED].sort());
    expect(byPath.get('new\nline.txt')?.rev).toBe('base');
    expect(page.html).toContain('(from tab␉here.txt)');
    expect(page.headers).toEqual(expect.arrayContaining(['tab␉here.txt → tab␉moved ✓.txt', 'added "later"␉<b>.txt']));
    expectInert(page.html);
    for (const { link, path, rev } of page.listed) {
      const { status, html } = await client.page(link);
      expect(status, link).toBe(200);
      const version = rev === 'base' || path === RENAMED ? 'v1' : 'v2';
      expect(html, link).toContain(`${marker(path === RENAMED ? 'tab\there.txt' : (path ?? ''))} ${version}`);
    }
  });

  it('does not open a path that is not in the tree', async () => {
    for (const path of ['tab\there.txt', 'tab', '"tab\\there.txt"', 'has \\"quotes\\".sh']) {
      expect((await client.get(`/admin/review/oddnames/file?path=${encodeURIComponent(path)}`)).status, path).toBe(404);
    }
  });
});
