import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSrcinfo } from '../src/srcinfo/parse.js';
import { fixtureNames, loadFixture, loadFixtureMeta, makePackage } from './support/fixture-packages.js';
import { runMakepkg } from './support/makepkg.js';
import { until } from './support/until.js';
import { TestUpstream } from './support/upstream.js';

const run = promisify(execFile);
/** The client side gets no user or system git config either, so results do not depend on the host. */
const CLIENT_ENV = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_'))),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
};

let upstream: TestUpstream;
let scratch: string;
let clones = 0;

beforeAll(async () => {
  upstream = await TestUpstream.start();
  scratch = await mkdtemp(join(tmpdir(), 'aurgate-upstream-test-'));
  for (const name of fixtureNames()) await upstream.addPackage(loadFixture(name), loadFixtureMeta(name));
});

afterAll(async () => {
  await upstream.stop();
  await rm(scratch, { recursive: true, force: true });
});

afterEach(() => upstream.fail('none'));

async function git(args: string[], cwd?: string, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run('git', args, { cwd, env: { ...CLIENT_ENV, ...env } });
}

/** The exit code, for commands whose failure is the expected answer. */
async function gitStatus(args: string[], cwd?: string): Promise<number> {
  return git(args, cwd).then(
    () => 0,
    (error: { code?: number }) => error.code ?? -1,
  );
}

async function clone(url: string, version = 2): Promise<string> {
  const dir = join(scratch, `clone-${++clones}`);
  await git(['-c', `protocol.version=${version}`, 'clone', '-q', url, dir]);
  return dir;
}

async function rev(dir: string, ref: string): Promise<string> {
  return (await git(['rev-parse', ref], dir)).stdout.trim();
}

interface Envelope {
  resultcount: number;
  results: Record<string, unknown>[];
  type: string;
  version: number | null;
  error?: string;
}

async function rpcText(path: string, init?: RequestInit): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${upstream.url}${path}`, init);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

async function rpc(path: string, init?: RequestInit): Promise<Envelope> {
  const { status, type, text } = await rpcText(path, init);
  expect([status, type]).toEqual([200, 'application/json']);
  return JSON.parse(text) as Envelope;
}

const names = (envelope: Envelope): unknown[] => envelope.results.map((result) => result.Name).sort();
const gitRequests = (): number => upstream.requests.filter((request) => request.kind === 'git').length;

describe('git smart HTTP', () => {
  it.each([
    [0, '.git'],
    [0, ''],
    [2, '.git'],
    [2, ''],
  ])('clones over protocol v%i with URL suffix "%s", HEAD on master', async (version, suffix) => {
    const dir = join(scratch, `clone-v${version}${suffix}`);
    const { stderr } = await git(['-c', `protocol.version=${version}`, 'clone', `${upstream.url}/hello-aurgate${suffix}`, dir], undefined, {
      GIT_TRACE_PACKET: '1',
    });
    // v2 is negotiated through the Git-Protocol header, which only reaches upload-pack via the CGI env.
    expect(stderr.includes('command=ls-refs')).toBe(version === 2);
    expect(await rev(dir, 'HEAD')).toBe(await upstream.head('hello-aurgate'));
    expect((await git(['symbolic-ref', 'refs/remotes/origin/HEAD'], dir)).stdout.trim()).toBe('refs/remotes/origin/master');
    expect(await readFile(join(dir, 'PKGBUILD'), 'utf8')).toBe(loadFixture('hello-aurgate').PKGBUILD);
    const { stdout } = await git(['log', '-1', '--format=%an <%ae>|%cn <%ce>'], dir);
    expect(stdout.trim()).toBe('Test Packager <packager@example.org>|Test Packager <packager@example.org>');
  });

  it('a push shows up on fetch as a fast-forward and bumps LastModified', async () => {
    await upstream.addPackage(makePackage({ pkgbase: 'pushed-pkg' }), { LastModified: 1000 });
    const dir = await clone(upstream.cloneUrl('pushed-pkg'));
    const before = await rev(dir, 'HEAD');
    const sha = await upstream.push('pushed-pkg', makePackage({ pkgbase: 'pushed-pkg', pkgver: '1.1.0' }), 'Bump to 1.1.0');
    expect(upstream.meta('pushed-pkg').LastModified).toBeGreaterThan(1000);
    await git(['fetch', '-q'], dir);
    expect(await rev(dir, 'origin/master')).toBe(sha);
    expect(await gitStatus(['merge-base', '--is-ancestor', before, sha], dir)).toBe(0);
    await upstream.push('pushed-pkg', { '.gitignore': '*.pkg.tar.*\n' }, 'Quiet', { bumpLastModified: false });
    upstream.setMeta('pushed-pkg', { LastModified: 5 });
    await upstream.push('pushed-pkg', { '.gitignore': null }, 'Quiet again', { bumpLastModified: false });
    expect(upstream.meta('pushed-pkg').LastModified).toBe(5);
  });

  it.each(['parent', 'orphan'] as const)('rewriteHistory (%s) forces a non-fast-forward update', async (base) => {
    const pkgbase = `rewritten-${base}`;
    await upstream.addPackage(makePackage({ pkgbase }));
    await upstream.push(pkgbase, makePackage({ pkgbase, pkgver: '2.0.0' }));
    const dir = await clone(upstream.cloneUrl(pkgbase));
    const before = await rev(dir, 'HEAD');
    const sha = await upstream.rewriteHistory(pkgbase, makePackage({ pkgbase, pkgver: '2.0.1' }), 'Amended', { base });
    expect(await upstream.head(pkgbase)).toBe(sha);
    const { stderr } = await git(['fetch'], dir);
    expect(stderr).toContain('(forced update)');
    expect(await rev(dir, 'origin/master')).toBe(sha);
    expect(await gitStatus(['merge-base', '--is-ancestor', before, sha], dir)).toBe(1);
    const parents = (await git(['rev-list', '--parents', '-n', '1', sha], dir)).stdout.trim().split(' ').slice(1);
    expect(parents).toEqual(base === 'orphan' ? [] : [await rev(dir, `${before}~1`)]);
  });

  it('answers an unknown or deleted pkgbase with an empty repository, like the AUR', async () => {
    const { stderr } = await git(['clone', `${upstream.url}/no-such-package.git`, join(scratch, 'unknown')]);
    expect(stderr).toContain('empty repository');
    expect(await gitStatus(['ls-remote', '--exit-code', `${upstream.url}/no-such-package`])).toBe(2);
    await upstream.addPackage(makePackage({ pkgbase: 'doomed' }));
    expect(await gitStatus(['ls-remote', '--exit-code', upstream.cloneUrl('doomed')])).toBe(0);
    await upstream.deletePackage('doomed');
    expect(await gitStatus(['ls-remote', '--exit-code', upstream.cloneUrl('doomed')])).toBe(2);
    expect((await rpc('/rpc?v=5&type=info&arg=doomed')).resultcount).toBe(0);
  });

  it('accepts gzip-encoded upload-pack requests (long have lists)', async () => {
    await upstream.addPackage(makePackage({ pkgbase: 'many-haves' }));
    const dir = await clone(upstream.cloneUrl('many-haves'), 0);
    // git gzips a request body over 1 KiB; 64 local commits, newer than the common one so the
    // negotiator offers them first, make the third have-batch that big.
    const now = Math.floor(Date.now() / 1000);
    const stream = Array.from(
      { length: 64 },
      (_, i) =>
        `commit refs/heads/master\ncommitter Local <local@example.org> ${now + i} +0000\ndata 0\n` +
        `${i === 0 ? 'from refs/heads/master^0\n' : ''}\n`,
    ).join('');
    await new Promise<void>((done, fail) => {
      const child = execFile('git', ['fast-import', '--quiet'], { cwd: dir, env: CLIENT_ENV }, (error) => (error ? fail(error) : done()));
      child.stdin?.end(stream);
    });
    const sha = await upstream.push('many-haves', { 'extra.txt': 'more' });
    const { stderr } = await git(['-c', 'protocol.version=0', 'fetch'], dir, { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' });
    expect(stderr).toContain('Content-Encoding: gzip');
    expect(await rev(dir, 'origin/master')).toBe(sha);
  });

  it('refuses receive-pack over HTTP', async () => {
    const { status } = await rpcText('/hello-aurgate.git/info/refs?service=git-receive-pack');
    expect(status).toBe(403);
    const dir = await clone(upstream.cloneUrl('hello-aurgate'));
    expect(await gitStatus(['push', 'origin', 'HEAD:refs/heads/other'], dir)).not.toBe(0);
  });

  it('logs each request with its kind', async () => {
    upstream.resetRequests();
    await clone(upstream.cloneUrl('hello-aurgate'), 0);
    await rpc('/rpc?v=5&type=info&arg=hello-aurgate');
    await rpcText('/packages.gz');
    const seen = upstream.requests.map(({ method, path, query, kind }) => `${kind} ${method} ${path}${query}`);
    expect(seen).toEqual([
      'git GET /hello-aurgate.git/info/refs?service=git-upload-pack',
      'git POST /hello-aurgate.git/git-upload-pack',
      'rpc GET /rpc?v=5&type=info&arg=hello-aurgate',
      'other GET /packages.gz',
    ]);
  });
});

describe('RPC v5', () => {
  it('answers info with the exact envelope: compact JSON, keys sorted, AUR types', async () => {
    const { text } = await rpcText('/rpc?v=5&type=info&arg[]=hello-aurgate');
    const envelope = JSON.parse(text) as Envelope;
    const resort = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(resort)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(
              Object.entries(value)
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([k, v]) => [k, resort(v)]),
            )
          : value;
    expect(text).toBe(JSON.stringify(resort(envelope)));
    const { IDs, PackageBaseID } = upstream.meta('hello-aurgate');
    expect(envelope).toEqual({
      resultcount: 1,
      type: 'multiinfo',
      version: 5,
      results: [
        {
          ID: IDs['hello-aurgate'],
          Name: 'hello-aurgate',
          PackageBaseID,
          PackageBase: 'hello-aurgate',
          Version: '1.2.0-1',
          Description: "A friendly greeting, packaged for aurgate's tests",
          URL: 'https://example.org/hello-aurgate',
          URLPath: '/cgit/aur.git/snapshot/hello-aurgate.tar.gz',
          NumVotes: 42,
          Popularity: 1.234567,
          OutOfDate: null,
          Maintainer: 'alice',
          Submitter: 'alice',
          FirstSubmitted: 1700000000,
          LastModified: 1710000000,
          License: ['MIT'],
          Keywords: ['greeting', 'hello'],
          PendingRequests: 0,
          Depends: ['bash'],
          OptDepends: ['cowsay'],
        },
      ],
    });
  });

  it('gives one result per pkgname of a split package, sharing pkgbase data', async () => {
    const { results } = await rpc('/rpc?v=5&type=info&arg[]=split-aurgate-a&arg[]=split-aurgate-b&arg[]=nope');
    const [a, b] = [...results].sort((x, y) => String(x.Name).localeCompare(String(y.Name)));
    expect(a).toMatchObject({
      Name: 'split-aurgate-a',
      Depends: ['bash'],
      MakeDepends: ['coreutils'],
      Description: "A split package for aurgate's tests",
      CoMaintainers: ['dave'],
      Submitter: 'carol',
    });
    expect(b).toMatchObject({
      Name: 'split-aurgate-b',
      Depends: ['bash', 'split-aurgate-a'],
      MakeDepends: ['coreutils'],
      Description: 'The second half of split-aurgate',
      Provides: ['split-aurgate-extra=0.3.1'],
    });
    expect(a?.PackageBaseID).toBe(b?.PackageBaseID);
    expect(a?.ID).not.toBe(b?.ID);
    expect(a).not.toHaveProperty('Provides');
  });

  it('unions arch-specific depends, prints the epoch, omits empty lists', async () => {
    const { results } = await rpc('/rpc/v5/info?arg[]=archdeps-aurgate&arg[]=epoch-aurgate');
    const byName = Object.fromEntries(results.map((result) => [result.Name, result]));
    expect(byName['archdeps-aurgate']).toMatchObject({
      Depends: ['bash', 'glibc>=2.36', 'zlib'],
      MakeDepends: ['nasm'],
      Maintainer: null,
      OutOfDate: 1712000000,
      Popularity: 0,
    });
    expect(byName['epoch-aurgate']).toMatchObject({ Version: '1:1.4.2-3', Conflicts: ['epoch-aurgate-legacy'] });
    expect(Object.keys(byName['epoch-aurgate'] ?? {})).not.toContain('MakeDepends');
  });

  it('accepts every request form the helpers send', async () => {
    const form = { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
    const answers = await Promise.all([
      rpc('/rpc/?v=5&type=info&arg[]=hello-aurgate'),
      rpc('/rpc.php?arg[]=hello-aurgate&type=info&v=5'),
      rpc('/rpc', { ...form, body: 'v=5&type=info&arg[]=hello-aurgate' }),
      rpc('/rpc/v5/info/hello-aurgate'),
      rpc('/rpc/v5/info', { ...form, body: '&arg[]=hello-aurgate' }),
      rpc('/rpc/v5/info', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"arg":["hello-aurgate"]}' }),
    ]);
    for (const answer of answers) expect(names(answer)).toEqual(['hello-aurgate']);
  });

  it('searches by name and name-desc with search-shaped results', async () => {
    const byName = await rpc('/rpc/?v=5&type=search&by=name&arg=aurgate');
    expect(byName.type).toBe('search');
    expect(names(byName)).toEqual(['archdeps-aurgate', 'epoch-aurgate', 'hello-aurgate', 'split-aurgate-a', 'split-aurgate-b']);
    for (const key of ['Submitter', 'License', 'Keywords', 'Depends']) expect(byName.results[0]).not.toHaveProperty(key);
    expect(names(await rpc('/rpc/v5/search/FRIENDLY?by=name-desc'))).toEqual(['hello-aurgate']);
    expect(names(await rpc('/rpc/v5/search/friendly?by=name'))).toEqual([]);
    expect(names(await rpc('/rpc?v=5&type=search&by=maintainer&arg=bob'))).toEqual(['split-aurgate-a', 'split-aurgate-b']);
  });

  it('follows setMeta, pushes and new packages', async () => {
    await upstream.addPackage(makePackage({ pkgbase: 'meta-pkg', pkgnames: ['meta-one', 'meta-two'] }));
    expect(names(await rpc('/rpc?v=5&type=info&arg[]=meta-one&arg[]=meta-two'))).toEqual(['meta-one', 'meta-two']);
    upstream.setMeta('meta-pkg', { Maintainer: 'mallory', NumVotes: 9 });
    expect((await rpc('/rpc/v5/info/meta-one')).results[0]).toMatchObject({ Maintainer: 'mallory', NumVotes: 9 });
    upstream.setMeta('meta-pkg', { Maintainer: null });
    expect((await rpc('/rpc/v5/info/meta-one')).results[0]).toMatchObject({ Maintainer: null });
    await upstream.push('meta-pkg', makePackage({ pkgbase: 'meta-pkg', pkgnames: ['meta-one'], pkgver: '3.0' }));
    const after = await rpc('/rpc?v=5&type=info&arg[]=meta-one&arg[]=meta-two');
    expect(after.results.map((result) => [result.Name, result.Version])).toEqual([['meta-one', '3.0-1']]);
  });

  it.each([
    ['/rpc?type=info&arg=x', 'Please specify an API version.', null],
    ['/rpc?v=4&type=info&arg=x', 'Invalid version specified.', 4],
    ['/rpc?v=5&type=search&by=colour&arg=xx', 'Incorrect by field specified.', 5],
    ['/rpc?v=5&arg=x', 'No request type/data specified.', 5],
    ['/rpc?v=5&type=dance&arg=x', 'Incorrect request type specified.', 5],
    ['/rpc?v=5&type=info', 'No request type/data specified.', 5],
    ['/rpc?v=5&type=search&arg=x', 'Query arg too small.', 5],
  ])('%s answers the AUR error %s', async (path, message, version) => {
    const { status, text } = await rpcText(path);
    expect(status).toBe(200);
    expect(text).toBe(JSON.stringify({ error: message, resultcount: 0, results: [], type: 'error', version }));
  });

  it('answers an unknown package with no results', async () => {
    expect(await rpc('/rpc?v=5&type=info&arg[]=no-such-package')).toEqual({ resultcount: 0, results: [], type: 'multiinfo', version: 5 });
  });
});

describe('failure modes', () => {
  const info = '/rpc?v=5&type=info&arg=hello-aurgate';

  it("'down' resets connections for RPC and git alike", async () => {
    upstream.fail('down');
    await expect(fetch(`${upstream.url}${info}`)).rejects.toThrow();
    expect(await gitStatus(['ls-remote', upstream.cloneUrl('hello-aurgate')])).not.toBe(0);
    upstream.fail('none');
    expect((await rpc(info)).resultcount).toBe(1);
  });

  it("'down' with only: 'git' leaves RPC up, and failed attempts are still logged", async () => {
    upstream.fail('down', { only: 'git' });
    upstream.resetRequests();
    expect((await rpc(info)).resultcount).toBe(1);
    expect(await gitStatus(['ls-remote', upstream.cloneUrl('hello-aurgate')])).not.toBe(0);
    expect(gitRequests()).toBeGreaterThan(0);
  });

  it("'slow' delays responses by delayMs", async () => {
    upstream.fail('slow', { delayMs: 400 });
    await expect(fetch(`${upstream.url}${info}`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    const started = Date.now();
    expect((await rpc(info)).resultcount).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it("'html' answers RPC with a 200 Cloudflare page while git keeps working", async () => {
    upstream.fail('html');
    const { status, type, text } = await rpcText(info);
    expect([status, type]).toEqual([200, 'text/html; charset=UTF-8']);
    expect(text).toContain('Just a moment...');
    expect(await gitStatus(['ls-remote', '--exit-code', upstream.cloneUrl('hello-aurgate')])).toBe(0);
  });

  it("'truncated' cuts the JSON in half", async () => {
    const whole = (await rpcText(info)).text;
    upstream.fail('truncated');
    const { status, text } = await rpcText(info);
    expect(status).toBe(200);
    expect(text).toBe(whole.slice(0, Math.floor(whole.length / 2)));
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
  });

  it("'wrong-types' stringifies numbers and turns empty results into an object", async () => {
    upstream.fail('wrong-types');
    const hit = JSON.parse((await rpcText(info)).text) as Record<string, unknown>;
    expect(hit.resultcount).toBe('1');
    expect((hit.results as Record<string, unknown>[])[0]).toMatchObject({ NumVotes: '42', ID: expect.any(String) });
    const miss = JSON.parse((await rpcText('/rpc?v=5&type=info&arg=nope')).text) as Record<string, unknown>;
    expect(miss.results).toEqual({});
  });

  it('stop() ends pending slow requests at once and removes the temp dir', async () => {
    const other = await TestUpstream.start({ dir: scratch });
    await other.addPackage(makePackage({ pkgbase: 'short-lived' }));
    // Held far longer than any test runs: only stop() can end these requests.
    other.fail('slow', { delayMs: 3_600_000 });
    // Settled into a value right away: the rejection arrives during stop(), before any await on it.
    const pending = fetch(`${other.url}/rpc/v5/info/short-lived`).then(
      () => 'answered',
      () => 'failed',
    );
    const lsRemote = gitStatus(['ls-remote', other.cloneUrl('short-lived')]);
    await until(() => ['rpc', 'git'].every((kind) => other.requests.some((request) => request.kind === kind)));
    await other.stop();
    await other.stop();
    expect(await pending).toBe('failed');
    expect(await lsRemote).not.toBe(0);
    await expect(readFile(join(other.root, 'repos', 'short-lived.git', 'HEAD'))).rejects.toThrow(/ENOENT/);
  });

  it("'rpc-500' answers 500", async () => {
    upstream.fail('rpc-500');
    expect((await rpcText(info)).status).toBe(500);
  });
});

describe('fixture packages', () => {
  it('makePackage writes a .SRCINFO that matches its arguments', () => {
    const files = makePackage({ pkgbase: 'gen', pkgnames: ['gen-a', 'gen-b'], epoch: '2', depends: ['a b', 'c'], extraFiles: { 'x.patch': '' } });
    expect(Object.keys(files).sort()).toEqual(['.SRCINFO', 'PKGBUILD', 'x.patch']);
    const info = parseSrcinfo(files['.SRCINFO'] ?? '');
    expect(info.packages.map((section) => section.pkgname)).toEqual(['gen-a', 'gen-b']);
    expect(info.base).toMatchObject({ epoch: ['2'], depends: ['a b', 'c'], arch: ['any'], license: ['MIT'] });
    expect(files.PKGBUILD).toContain('package_gen-b() {');
  });

  it('every fixture parses, with meta.json kept out of the repo files', () => {
    for (const name of fixtureNames()) {
      const files = loadFixture(name);
      expect(parseSrcinfo(files['.SRCINFO'] ?? '').pkgbase).toBe(name);
      expect(Object.keys(files)).not.toContain('meta.json');
    }
  });
});

// One makepkg at a time: run concurrently, each test's timeout also covered the others' runs. The
// fixtures themselves are checked against makepkg in makepkg.test.ts (cloned through aurgate).
describe('makePackage .SRCINFO against makepkg --printsrcinfo', () => {
  async function printSrcinfo(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'aurgate-makepkg-'));
    try {
      for (const [path, content] of Object.entries(files)) await writeFile(join(dir, path), content);
      return (await runMakepkg(dir, ['--printsrcinfo'])).stdout;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  // One spec with what makePackage renders beyond the defaults (split, epoch, dependencies, quoting);
  // one architecture, as makepkg lints every architecture of every package function, seconds of CPU
  // each. Architecture-specific fields are checked on the archdeps fixture in makepkg.test.ts.
  it.each([
    {
      pkgbase: 'gen',
      pkgnames: ['gen-x', 'gen-y'],
      epoch: '3',
      depends: ['a>=1', 'b'],
      makedepends: ['m'],
      pkgdesc: "Tabs\tand  'quotes' ",
      url: 'https://example.org/$x',
    },
  ])('makePackage($pkgbase)', async (spec) => {
    const files = makePackage(spec);
    expect(await printSrcinfo(files)).toBe(files['.SRCINFO']);
  });
});
