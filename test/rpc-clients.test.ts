/**
 * The AUR RPC and package lists as the real helpers call them: each request is written byte for
 * byte on a raw socket (yay's sorted, escaped GET; paru's POST form; pikaur's literal `arg[]`;
 * aurutils' form POST with a leading `&` and its path search), and each answer is decoded with
 * the field types that client declares (docs/aur-protocol.md, "Which fields each client decodes").
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpcRoutes } from '../src/serve/rpc/index.js';
import {
  FORM,
  NAMES,
  PACKAGES,
  SEARCH_KEYS,
  byName,
  call,
  decode,
  expectJguer,
  expectKeysSorted,
  expectPikaur,
  expectRaur,
  mutableCatalog,
  names,
  pkg,
  rawExchange,
  startServer,
  type Json,
  type Reply,
} from './support/rpc-clients.js';

let port: number;
let server: Server;
const catalog = mutableCatalog(PACKAGES);

beforeAll(async () => {
  ({ server, port } = await startServer(catalog));
});
afterAll(() => {
  server.close();
});

describe('each helper request form, byte for byte', () => {
  it('yay: sorted escaped GET info and search on /rpc?', async () => {
    const ua: [string, string][] = [
      ['User-Agent', 'Yay/12.4.2'],
      ['Accept-Encoding', 'gzip'],
    ];
    const info = decode(await call(port, 'GET', '/rpc?arg%5B%5D=yay&arg%5B%5D=paru&type=info&v=5', ua));
    expectJguer(info);
    expect(info).toMatchObject({ resultcount: 2, type: 'multiinfo', version: 5 });
    expect('error' in info).toBe(false);
    expect(names(info)).toEqual(['paru', 'yay']);
    const search = decode(await call(port, 'GET', '/rpc?arg=yay&by=name-desc&type=search&v=5', ua));
    expectJguer(search);
    expect(names(search)).toEqual(['yay', 'yay-bin']);
    for (const p of search.results as Json[]) expect(Object.keys(p)).toEqual(SEARCH_KEYS);
  });

  it('paru: POST form to /rpc for info and search', async () => {
    const ua: [string, string] = ['User-Agent', 'paru/2.1.0'];
    const info = decode(await call(port, 'POST', '/rpc', [ua, FORM], 'arg%5B%5D=paru&arg%5B%5D=pipewire-full-alsa&v=5&type=info'));
    expectRaur(info);
    expect(names(info)).toEqual(['paru', 'pipewire-full-alsa']);
    const search = decode(await call(port, 'POST', '/rpc', [ua, FORM], 'v=5&type=search&by=name-desc&arg=pipewire'));
    expectRaur(search);
    expect(names(search)).toEqual(['pipewire-full', 'pipewire-full-alsa']);
  });

  it('pikaur: GET /rpc/? with literal arg[] and urlencoded search', async () => {
    const ua: [string, string] = ['User-Agent', 'Mozilla/5.0'];
    const info = decode(await call(port, 'GET', '/rpc/?v=5&type=info&arg[]=libc%2B%2B&arg[]=cower&arg[]=clion', [ua]));
    expectPikaur(info);
    expect(names(info)).toEqual(['clion', 'cower', 'libc++']);
    const provides = decode(await call(port, 'GET', '/rpc/?v=5&type=search&arg=pipewire&by=provides', [ua]));
    expectPikaur(provides);
    expect(names(provides)).toEqual(['pipewire-full']);
  });

  it('aurutils: form POST with a leading & to /rpc/v5/info, path search with ?by=, suggest', async () => {
    const ua: [string, string] = ['User-Agent', 'aurutils'];
    const reply = await call(port, 'POST', '/rpc/v5/info', [ua, FORM], '&arg[]=aurutils&arg[]=clion&arg[]=libc%2B%2B');
    expect(reply.text).not.toContain('\n'); // Query.pm reads a single line
    const info = decode(reply);
    expect(names(info)).toEqual(['aurutils', 'clion', 'libc++']);
    expectRaur(info);
    const search = decode(await call(port, 'GET', '/rpc/v5/search/yay%2Dbin?by=name', [ua]));
    expect(names(search)).toEqual(['yay-bin']);
    const deps = decode(await call(port, 'GET', '/rpc/v5/search/git?by=depends', [ua]));
    expect(names(deps)).toEqual(['aurutils', 'paru', 'pikaur', 'yay', 'yay-bin']);
    expect(JSON.parse((await call(port, 'GET', '/rpc/v5/suggest/pi', [ua])).text)).toEqual(['pikaur', 'pipewire-full', 'pipewire-full-alsa']);
    expect(JSON.parse((await call(port, 'GET', '/rpc/v5/suggest-pkgbase/pi', [ua])).text)).toEqual(['pikaur', 'pipewire-full']);
  });

  it('old Jguer/aur 1.0 on /rpc.php, and every legacy path answers directly', async () => {
    const info = decode(await call(port, 'GET', '/rpc.php?arg[]=yay&type=info&v=5'));
    expect(names(info)).toEqual(['yay']);
    const search = decode(await call(port, 'GET', '/rpc.php?arg=yay&by=name&type=search&v=5'));
    expect(names(search)).toEqual(['yay', 'yay-bin']);
    for (const path of ['/rpc', '/rpc/', '/rpc.php', '/rpc.php/']) {
      const reply = await call(port, 'GET', `${path}?v=5&type=info&arg=yay`);
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.text)).toEqual(info);
      expect((await call(port, 'POST', path, [FORM], 'v=5&type=info&arg=yay')).text).toBe(reply.text);
    }
    const doc = await call(port, 'GET', '/rpc');
    expect(doc.status).toBe(200);
    expect(doc.headers['content-type']).toMatch(/^text\/html/);
  });

  it('v5 JSON bodies and GET query forms', async () => {
    const json: [string, string] = ['Content-Type', 'application/json'];
    expect(names(decode(await call(port, 'POST', '/rpc/v5/info', [json], '{"arg":["yay","cower"]}')))).toEqual(['cower', 'yay']);
    expect(names(decode(await call(port, 'POST', '/rpc/v5/search', [json], '{"arg":"JetBrains","by":"name-desc"}')))).toEqual(['clion']);
    expect(names(decode(await call(port, 'GET', '/rpc/v5/info?arg[]=paru&arg[]=nope')))).toEqual(['paru']);
    expect(names(decode(await call(port, 'GET', '/rpc/v5/info/libc%2B%2B')))).toEqual(['libc++']);
    expect(names(decode(await call(port, 'GET', '/rpc/v5/search?arg=spot&by=name')))).toEqual(['spotify']);
  });
});

describe('result fields', () => {
  async function info(...args: string[]): Promise<Json[]> {
    const env = decode(await call(port, 'GET', `/rpc?v=5&type=info${args.map((a) => `&arg[]=${encodeURIComponent(a)}`).join('')}`));
    return env.results as Json[];
  }

  it('split package, epoch, orphan, optional and always-present lists', async () => {
    const [main, alsa] = await info('pipewire-full', 'pipewire-full-alsa');
    expect(main).toMatchObject({ PackageBase: 'pipewire-full', Version: '1:1.4.0-2', URLPath: '/cgit/aur.git/snapshot/pipewire-full.tar.gz' });
    expect(alsa).toMatchObject({ PackageBase: 'pipewire-full', PackageBaseID: main!.PackageBaseID, URLPath: main!.URLPath });
    expect(alsa!.ID).not.toBe(main!.ID);
    const [cower] = await info('cower');
    expect(cower).toMatchObject({ Maintainer: null, OutOfDate: 1_500_000_000, Submitter: 'falconindy', PendingRequests: 0 });
    const [clion] = await info('clion');
    expect(clion).toMatchObject({ Version: '1:2026.1-1', License: [], Keywords: [], OptDepends: ['java-runtime', 'gdb'] });
    for (const k of ['Depends', 'MakeDepends', 'CheckDepends', 'Conflicts', 'Provides', 'Replaces', 'Groups', 'CoMaintainers'])
      expect(clion).not.toHaveProperty(k);
    const [spotify] = await info('spotify');
    expect(spotify!.Depends).toEqual(['alsa-lib>=1.0.14', 'gtk3', 'nss', 'libxss', 'openssl']);
    const [downgrade] = await info('downgrade');
    expect(downgrade).toMatchObject({ CoMaintainers: ['atreyasha', 'ShadowKyogre'], Replaces: ['downgrader'], Submitter: 'someone-else' });
    const [neovim] = await info('neovim-git');
    expect(neovim).toMatchObject({ Description: null, URL: null, URLPath: '/cgit/aur.git/snapshot/neovim-git.tar.gz' });
  });

  it('Popularity is integer 0 when zero and a float otherwise; info dedups and omits unknown names', async () => {
    const body = (await call(port, 'GET', '/rpc?v=5&type=info&arg[]=paru&arg[]=yay&arg[]=yay&arg[]=nope')).text;
    expect(body).toContain('"Popularity":0,');
    expect(body).toContain('"Popularity":3.0,');
    expect(JSON.parse(body)).toMatchObject({ resultcount: 2 });
    expect(JSON.parse((await call(port, 'GET', '/rpc?v=5&type=info&arg=nothing-here')).text)).toEqual({
      resultcount: 0,
      results: [],
      type: 'multiinfo',
      version: 5,
    });
  });
});

describe('search by every field', () => {
  const cases: [string, string, string[]][] = [
    ['name-desc', 'PACMAN WRAPPER', ['yay']],
    ['name-desc', 'aur helper', ['paru', 'pikaur', 'yay']],
    ['name', 'YAY', ['yay', 'yay-bin']],
    ['name', 'helper', []],
    ['maintainer', 'jguer', ['yay', 'yay-bin']],
    ['maintainer', '', ['cower']],
    ['submitter', 'someone-else', ['downgrade']],
    ['comaintainers', 'atreyasha', ['downgrade']],
    ['depends', 'pacman', ['cower', 'paru', 'yay', 'yay-bin']],
    ['depends', 'pacman>6.1', []],
    ['makedepends', 'go', ['yay']],
    ['optdepends', 'gdb', ['clion']],
    ['checkdepends', 'python', ['libc++', 'pipewire-full', 'pipewire-full-alsa']],
    ['provides', 'yay', ['yay', 'yay-bin']],
    ['provides', 'neovim', ['neovim-git']],
    ['conflicts', 'pipewire', ['pipewire-full']],
    ['replaces', 'downgrader', ['downgrade']],
    ['groups', 'pipewire-full-group', ['pipewire-full', 'pipewire-full-alsa']],
    ['keywords', 'aur', ['aurutils', 'yay']],
  ];
  it.each(cases)('by=%s arg=%j', async (by, arg, expected) => {
    const env = decode(await call(port, 'GET', `/rpc?v=5&type=search&by=${by}&arg=${encodeURIComponent(arg)}`));
    expect(names(env)).toEqual(expected);
    expect(env.resultcount).toBe(expected.length);
  });

  it('msearch lists a maintainer; with no arg, the orphans', async () => {
    expect(names(decode(await call(port, 'GET', '/rpc?v=5&type=msearch&arg=Alad')))).toEqual(['aurutils']);
    const orphans = decode(await call(port, 'GET', '/rpc?v=5&type=msearch'));
    expect(orphans.type).toBe('msearch');
    expect(names(orphans)).toEqual(['cower']);
  });
});

describe('errors', () => {
  const errors: [string, string, number | null][] = [
    ['/rpc?type=info&arg=yay', 'Please specify an API version.', null],
    ['/rpc?v=4&type=info&arg=yay', 'Invalid version specified.', 4],
    ['/rpc?v=5&type=info&arg=yay&by=bogus', 'Incorrect by field specified.', 5],
    ['/rpc?v=5&arg=yay', 'No request type/data specified.', 5],
    ['/rpc?v=5&type=bogus&arg=yay', 'Incorrect request type specified.', 5],
    ['/rpc?v=5&type=info', 'No request type/data specified.', 5],
    ['/rpc?v=5&type=search&by=name', 'No request type/data specified.', 5],
    ['/rpc?v=5&type=search&arg=y', 'Query arg too small.', 5],
    ['/rpc?v=5&type=info&arg=yay&callback=alert(1);x', 'Invalid callback name.', 5],
    ['/rpc/v4/info/yay', 'Invalid version specified.', 4],
    ['/rpc/v4/search/yay?by=name', 'Invalid version specified.', 4],
  ];
  it.each(errors)('%s → %s', async (path, message, version) => {
    const reply = await call(port, 'GET', path);
    const env = decode(reply);
    expect(env).toEqual({ error: message, resultcount: 0, results: [], type: 'error', version });
    expectRaur(env);
    expectJguer(env);
  });

  it('the v5 JSON type checks are 400s and a non-integer path version is 422', async () => {
    const json: [string, string] = ['Content-Type', 'application/json'];
    const bad = await call(port, 'POST', '/rpc/v5/info', [json], '{"arg":"yay"}');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: "the 'arg' parameter must be of array type", type: 'error' });
    const badBy = await call(port, 'POST', '/rpc/v5/search', [json], '{"arg":"yay","by":1}');
    expect(badBy.status).toBe(400);
    expect(JSON.parse(badBy.text).error).toBe("the 'by' parameter must be of string type");
    expect((await call(port, 'GET', '/rpc/vfive/info/yay')).status).toBe(422);
  });
});

describe('JSONP and caching headers', () => {
  it('wraps in /**/cb(…) as text/javascript with the plain ETag', async () => {
    const plain = await call(port, 'GET', '/rpc?v=5&type=info&arg=yay');
    const jsonp = await call(port, 'GET', '/rpc?v=5&type=info&arg=yay&callback=jQuery_1.cb');
    expect(jsonp.headers['content-type']).toBe('text/javascript');
    expect(jsonp.text).toBe(`/**/jQuery_1.cb(${plain.text})`);
    expect(jsonp.headers.etag).toBe(plain.headers.etag);
  });

  it('ETag is the md5 of the body and If-None-Match gets a bodiless 304', async () => {
    const first = await call(port, 'GET', '/rpc?v=5&type=search&arg=pipewire');
    expect(first.headers.etag).toBe(`"${createHash('md5').update(first.body).digest('hex')}"`);
    const again = await call(port, 'GET', '/rpc?v=5&type=search&arg=pipewire', [['If-None-Match', first.headers.etag!]]);
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const other = await call(port, 'GET', '/rpc?v=5&type=search&arg=pipewire', [['If-None-Match', '"0000"']]);
    expect(other.status).toBe(200);
  });

  it('a new catalog generation is visible immediately', async () => {
    const before = decode(await call(port, 'GET', '/rpc?v=5&type=info&arg=brand-new'));
    expect(before.resultcount).toBe(0);
    catalog.set([...PACKAGES, pkg('brand-new')]);
    try {
      expect(names(decode(await call(port, 'GET', '/rpc?v=5&type=info&arg=brand-new')))).toEqual(['brand-new']);
    } finally {
      catalog.set(PACKAGES);
    }
  });
});

describe('suggest', () => {
  it('prefix match, sorted, at most 20, [] without an arg', async () => {
    const many = mutableCatalog(Array.from({ length: 30 }, (_, i) => pkg(`sug-${String(29 - i).padStart(2, '0')}`)).sort(byName));
    const { server: s, port: p } = await startServer(many);
    try {
      const list = JSON.parse((await call(p, 'GET', '/rpc?v=5&type=suggest&arg=SUG-1')).text);
      expect(list).toEqual(Array.from({ length: 10 }, (_, i) => `sug-1${i}`));
      const capped = JSON.parse((await call(p, 'GET', '/rpc/v5/suggest/sug')).text) as string[];
      expect(capped).toHaveLength(20);
      expect(capped[0]).toBe('sug-00');
      expect(JSON.parse((await call(p, 'GET', '/rpc?v=5&type=suggest')).text)).toEqual([]);
    } finally {
      s.close();
    }
  });
});

describe('the 5,000 result cap', () => {
  let big: { server: Server; port: number };
  beforeAll(async () => {
    // 5,000 names start with `bulk-`, and one more contains `bulk`.
    const bulk = [...Array.from({ length: 5000 }, (_, i) => pkg(`bulk-${String(i).padStart(5, '0')}`)), pkg('other-bulk')];
    big = await startServer(mutableCatalog(bulk), { maxBodyBytes: 1 << 20, maxQueryBytes: 1 << 20 });
  });
  afterAll(() => big.server.close());

  it('search: 5,001 matches is "Too many package results.", 5,000 is fine', async () => {
    const over = decode(await call(big.port, 'GET', '/rpc?v=5&type=search&by=name&arg=bulk'));
    expect(over).toEqual({ error: 'Too many package results.', resultcount: 0, results: [], type: 'error', version: 5 });
    const at = decode(await call(big.port, 'GET', '/rpc/v5/search/bulk-?by=name'));
    expect(at.resultcount).toBe(5000);
  });

  it('info: more than 5,000 distinct names is refused; 5,000 are answered', async () => {
    const json: [string, string] = ['Content-Type', 'application/json'];
    const over = Array.from({ length: 5001 }, (_, i) => `x${i}`);
    expect(decode(await call(big.port, 'POST', '/rpc/v5/info', [json], JSON.stringify({ arg: over }))).error).toBe('Too many package results.');
    const at = Array.from({ length: 5000 }, (_, i) => `bulk-${String(i).padStart(5, '0')}`);
    expect(decode(await call(big.port, 'POST', '/rpc/v5/info', [json], JSON.stringify({ arg: at }))).resultcount).toBe(5000);
  });
});

describe('package lists', () => {
  const gz = (reply: Reply) => gunzipSync(reply.body).toString('utf8');
  const newest = new Date(Math.max(...PACKAGES.map((p) => p.approvedAt)) * 1000).toUTCString();

  it('packages.gz and pkgbase.gz: one name per line, sorted, no header', async () => {
    const reply = await call(port, 'GET', '/packages.gz', [['User-Agent', 'paru/2.1.0']]);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/gzip');
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(gz(reply)).toBe(NAMES.map((n) => `${n}\n`).join(''));
    const bases = gz(await call(port, 'GET', '/pkgbase.gz')).split('\n');
    expect(bases.filter((b) => b === 'pipewire-full')).toHaveLength(1);
    expect(bases).not.toContain('pipewire-full-alsa');
    expect(bases.at(-1)).toBe('');
  });

  it('users.gz: every maintainer, co-maintainer and submitter of a served package, once, sorted, no header', async () => {
    const reply = await call(port, 'GET', '/users.gz', [['User-Agent', 'aurutils']]);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/gzip');
    expect(reply.headers['content-encoding']).toBeUndefined();
    const people = PACKAGES.flatMap((p) => [p.Maintainer, p.Submitter, ...p.CoMaintainers]).filter((name): name is string => name !== null);
    const expected = [...new Set(people)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(expected).toEqual(expect.arrayContaining(['Alad', 'ShadowKyogre', 'atreyasha', 'falconindy', 'someone-else']));
    expect(gz(reply)).toBe(expected.map((name) => `${name}\n`).join(''));
    const head = await call(port, 'HEAD', '/users.gz', [['User-Agent', 'aurutils']]);
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['last-modified']).toBe(newest);
    expect(head.headers['content-length']).toBe(String(reply.body.length));
    const yay = await call(port, 'GET', '/users.gz', [['User-Agent', 'Yay/12.4.2']]);
    expect(yay.headers['content-encoding']).toBe('gzip');
    expect(yay.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(gz(yay)).toBe(gz(reply));
  });

  it('meta files: [\\n, one object per line, \\n], documented field order, ext adds non-empty lists', async () => {
    const meta = gz(await call(port, 'GET', '/packages-meta-v1.json.gz'));
    expect(meta.startsWith('[\n{')).toBe(true);
    expect(meta.endsWith('}\n]')).toBe(true);
    const lines = meta.split('\n');
    expect(lines).toHaveLength(PACKAGES.length + 2);
    const objects = JSON.parse(meta) as Json[];
    expect(objects.map((o) => o.Name)).toEqual(NAMES);
    expect(Object.keys(objects[0]!)).toEqual([
      'ID',
      'Name',
      'PackageBaseID',
      'PackageBase',
      'Version',
      'Description',
      'URL',
      'NumVotes',
      'Popularity',
      'OutOfDate',
      'Maintainer',
      'Submitter',
      'FirstSubmitted',
      'LastModified',
      'URLPath',
    ]);
    expect(meta).toContain('"Name":"paru","PackageBaseID"');
    expect(meta).toMatch(/"Name":"paru".*"Popularity":0\.0,/);
    expect(meta).not.toMatch(/"(commit|approvedAt|Depends)"/);
    const ext = JSON.parse(gz(await call(port, 'GET', '/packages-meta-ext-v1.json.gz'))) as Json[];
    const clion = ext.find((o) => o.Name === 'clion')!;
    expect(clion.OptDepends).toEqual(['java-runtime', 'gdb']);
    expect(clion).not.toHaveProperty('Depends');
    expect(clion).not.toHaveProperty('License');
    expect(ext.find((o) => o.Name === 'yay')!.Keywords).toEqual(['aur', 'helper', 'go']);
  });

  it('HEAD carries Last-Modified (newest approval) and Content-Length; conditional GETs get 304', async () => {
    const get = await call(port, 'GET', '/packages.gz');
    const head = await call(port, 'HEAD', '/packages.gz');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['last-modified']).toBe(newest);
    expect(head.headers['content-length']).toBe(String(get.body.length));
    expect((await call(port, 'GET', '/packages.gz', [['If-Modified-Since', newest]])).status).toBe(304);
    expect((await call(port, 'GET', '/packages.gz', [['If-Modified-Since', 'Thu, 01 Jan 2015 00:00:00 GMT']])).status).toBe(200);
    expect((await call(port, 'GET', '/packages.gz', [['If-None-Match', get.headers.etag!]])).status).toBe(304);
  });

  it.each(['packages.gz', 'pkgbase.gz', 'users.gz', 'packages-meta-v1.json.gz', 'packages-meta-ext-v1.json.gz'])(
    '%s.sha256 verifies the body',
    async (file) => {
      const body = await call(port, 'GET', `/${file}`, [['User-Agent', 'aurutils']]);
      const sum = await call(port, 'GET', `/${file}.sha256`);
      expect(sum.text).toBe(`SHA256 (${file}) = ${createHash('sha256').update(body.body).digest('hex')}`);
      expect((await call(port, 'HEAD', `/${file}.sha256`)).headers['last-modified']).toBe(newest);
    },
  );

  it('Content-Encoding: gzip only for Yay/', async () => {
    const yay = await call(port, 'GET', '/packages-meta-ext-v1.json.gz', [['User-Agent', 'Yay/12.4.2']]);
    expect(yay.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gz(yay))).toHaveLength(PACKAGES.length);
    for (const ua of [[['User-Agent', 'paru/2.1.0']], [['User-Agent', 'Mozilla/5.0']], []] as [string, string][][]) {
      const reply = await call(port, 'GET', '/packages.gz', ua);
      expect(reply.headers['content-encoding']).toBeUndefined();
      expect(reply.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    }
  });

  it('follows the catalog generation', async () => {
    catalog.set([...PACKAGES, pkg('aaa-first', { approvedAt: 1_790_000_000, Maintainer: 'AAA-maintainer' })]);
    try {
      const reply = await call(port, 'GET', '/packages.gz');
      expect(gz(reply).split('\n')[0]).toBe('aaa-first');
      expect(reply.headers['last-modified']).toBe(new Date(1_790_000_000_000).toUTCString());
      expect(gz(await call(port, 'GET', '/users.gz')).split('\n')[0]).toBe('AAA-maintainer');
    } finally {
      catalog.set(PACKAGES);
    }
  });
});

describe('absurd input never gets a 500', () => {
  it('10,000 arg[] and a 100 KiB query: 414 with a JSON error', async () => {
    for (const path of [`/rpc?v=5&type=info${'&arg[]=x'.repeat(10_000)}`, `/rpc?v=5&type=search&arg=${'a'.repeat(100 * 1024)}`]) {
      const reply = await call(port, 'GET', path);
      expect(reply.status).toBe(414);
      expect(JSON.parse(reply.text)).toMatchObject({ type: 'error', results: [] });
    }
  });

  it('oversized bodies: 413, declared or chunked', async () => {
    const big = `v=5&type=info${'&arg%5B%5D=x'.repeat(10_000)}`;
    expect((await call(port, 'POST', '/rpc', [FORM], big)).status).toBe(413);
    const chunk = 'a'.repeat(16 * 1024);
    const chunked = [
      `POST /rpc/v5/info HTTP/1.1`,
      `Host: x`,
      `Content-Type: application/json`,
      `Transfer-Encoding: chunked`,
      `Connection: close`,
      '',
      '',
    ].join('\r\n');
    const body = `${`${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(6)}0\r\n\r\n`;
    expect((await rawExchange(port, Buffer.from(chunked + body))).status).toBe(413);
  });

  it('option-like, traversal and non-UTF-8 names match nothing', async () => {
    const hostile = ['--help', '-Syu', '..', '../../etc/passwd', ';rm%20-rf%20/', '%00', '%ff%fe', '%E2%82', '%', '%zz', '%C0%AE%C0%AE', 'yay%00'];
    for (const arg of hostile) {
      for (const path of [`/rpc?v=5&type=info&arg[]=${arg}`, `/rpc/v5/info/${arg}`, `/rpc/v5/search/${arg}${arg}?by=name`]) {
        const reply = await call(port, 'GET', path);
        expect(reply.status, path).toBeLessThan(500);
        if (reply.status === 200) expect(JSON.parse(reply.text).resultcount, path).toBe(0);
      }
    }
    const form = await call(port, 'POST', '/rpc/v5/info', [FORM], '&arg[]=%ff&arg[]=--version&arg[]=..');
    expect(decode(form).resultcount).toBe(0);
    const garbage = await call(port, 'GET', '/rpc?v=%ff&type=%00&by=%&arg=%');
    expect(decode(garbage).type).toBe('error');
  });

  it('malformed JSON bodies are 400s', async () => {
    const json: [string, string] = ['Content-Type', 'application/json'];
    for (const body of ['{"arg":', '[1,2]', 'null', '{"arg":[1,null,{}]}']) {
      const reply = await call(port, 'POST', '/rpc/v5/info', [json], body);
      expect(reply.status === 400 || (reply.status === 200 && JSON.parse(reply.text).resultcount === 0), body).toBe(true);
    }
  });

  it('property: random query strings never produce a 5xx or a non-JSON body', async () => {
    const app = rpcRoutes(catalog);
    const key = fc.constantFrom('v', 'type', 'by', 'arg', 'arg[]', 'arg%5B%5D', 'callback', 'x', '');
    const value = fc.oneof(fc.constantFrom('5', 'info', 'search', 'suggest', 'maintainer', 'yay'), fc.string({ unit: 'grapheme', maxLength: 12 }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value, fc.boolean()), { minLength: 1, maxLength: 8 }), async (pairs) => {
        const query = pairs.map(([k, v, raw]) => `${k}=${raw ? v.replace(/[#?&\s]/g, '') : encodeURIComponent(v)}`).join('&');
        const res = await app.request(`/rpc?${query}`);
        expect(res.status).toBeLessThan(500);
        const text = await res.text();
        const json = text.startsWith('/**/') ? text.slice(text.indexOf('(') + 1, -1) : text;
        expect(() => JSON.parse(json)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: info', () => {
  it('resultcount equals the distinct existing names requested, and every result has sorted keys', async () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9+._-]{0,5}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(name, { maxLength: 25 }),
        fc.array(fc.oneof(name, fc.string({ unit: 'grapheme', maxLength: 8 })), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.constantFrom('get', 'form', 'json'),
        async (catalogNames, randomArgs, picks, form) => {
          const packages = [...catalogNames].sort().map((n) => pkg(n));
          const app = rpcRoutes({ generation: () => 1, packages: () => packages });
          const args = [...randomArgs, ...picks.flatMap((i) => (catalogNames.length ? [catalogNames[i % catalogNames.length]!] : []))];
          fc.pre(args.length > 0);
          const encoded = args.map((a) => `arg%5B%5D=${encodeURIComponent(a)}`).join('&');
          const res =
            form === 'get'
              ? await app.request(`/rpc?v=5&type=info&${encoded}`)
              : form === 'form'
                ? await app.request('/rpc', {
                    method: 'POST',
                    body: `v=5&type=info&${encoded}`,
                    headers: { 'content-type': 'application/x-www-form-urlencoded' },
                  })
                : await app.request('/rpc/v5/info', {
                    method: 'POST',
                    body: JSON.stringify({ arg: args }),
                    headers: { 'content-type': 'application/json' },
                  });
          const env = (await res.json()) as Json;
          const expected = new Set(args.filter((a) => catalogNames.includes(a)));
          expect(env.resultcount).toBe(expected.size);
          expect(new Set((env.results as Json[]).map((p) => p.Name))).toEqual(expected);
          expectKeysSorted(env);
        },
      ),
      { numRuns: 150 },
    );
  });
});
