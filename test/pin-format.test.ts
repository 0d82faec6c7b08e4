import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../src/errors.js';
import { parseLock, parseLockFormat, renderLock, shellWord } from '../src/pin/format.js';
import { normalizeNames, type LockFile } from '../src/app/lock.js';
import { describeResult, isDrift } from '../src/app/verify-lock.js';
import { routeLabel, ROUTE_LABELS } from '../src/http/route-label.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const lock: LockFile = {
  version: 1,
  server: 'https://aur.example.org',
  generatedAt: '2026-01-02T03:04:05.000Z',
  packages: [
    {
      pkgname: 'split-one',
      pkgbase: 'split',
      version: '1.0-1',
      commit: A,
      url: `https://aur.example.org/snapshot/split/${A}.tar.gz`,
      sha256: '1'.repeat(64),
      approvedBy: 'rita',
      approvedAt: '2026-01-01T00:00:00.000Z',
    },
    {
      pkgname: 'split-two',
      pkgbase: 'split',
      version: '1.0-1',
      commit: A,
      url: `https://aur.example.org/snapshot/split/${A}.tar.gz`,
      sha256: '1'.repeat(64),
      approvedBy: 'rita',
      approvedAt: '2026-01-01T00:00:00.000Z',
    },
    {
      pkgname: 'tool',
      pkgbase: 'tool',
      version: '2:3.1-2',
      commit: B,
      url: `https://aur.example.org/snapshot/tool/${B}.tar.gz`,
      sha256: '2'.repeat(64),
      approvedBy: 'sam',
      approvedAt: '2026-01-01T00:00:00.000Z',
    },
  ],
};

describe('lock rendering', () => {
  it('the dockerfile form is one BuildKit ADD --checksum line per pkgbase, in lock order', () => {
    const adds = renderLock(lock, 'dockerfile')
      .split('\n')
      .filter((line) => line.startsWith('ADD '));
    expect(adds).toEqual([
      `ADD --checksum=sha256:${'1'.repeat(64)} https://aur.example.org/snapshot/split/${A}.tar.gz /aur/split.tar.gz`,
      `ADD --checksum=sha256:${'2'.repeat(64)} https://aur.example.org/snapshot/tool/${B}.tar.gz /aur/tool.tar.gz`,
    ]);
    // Comments must never be parser directives (`# key=value`), or the first one could change the Dockerfile's syntax.
    for (const line of renderLock(lock, 'dockerfile')
      .split('\n')
      .filter((l) => l.startsWith('#')))
      expect(line).not.toContain('=');
  });

  it('the git form clones, detaches at the commit and checks HEAD', () => {
    expect(renderLock(lock, 'git').trim().split('\n')).toEqual([
      `git clone https://aur.example.org/split.git /aur/split && git -C /aur/split checkout --detach ${A} && test "$(git -C /aur/split rev-parse HEAD)" = ${A}`,
      `git clone https://aur.example.org/tool.git /aur/tool && git -C /aur/tool checkout --detach ${B} && test "$(git -C /aur/tool rev-parse HEAD)" = ${B}`,
    ]);
  });

  it('the json form round-trips through the parser', () => {
    expect(parseLock(renderLock(lock, 'json'))).toEqual(lock);
  });

  it('shell words are quoted when they are not plain', () => {
    expect(shellWord('https://h.example/x.git')).toBe('https://h.example/x.git');
    expect(shellWord("http://h/$(rm -rf ~)'")).toBe("'http://h/$(rm -rf ~)'\\'''");
  });
});

describe('lock parsing and names', () => {
  it('refuses what is not a version 1 lock, naming the field', () => {
    expect(() => parseLock('nope')).toThrow(InvalidInput);
    expect(() => parseLock(JSON.stringify({ ...lock, version: 2 }))).toThrow(/version/);
    const bad = { ...lock, packages: [{ ...lock.packages[0], sha256: 'xyz' }] };
    expect(() => parseLock(JSON.stringify(bad))).toThrow(/packages\.0\.sha256/);
    const traversal = { ...lock, packages: [{ ...lock.packages[0], pkgbase: '../etc' }] };
    expect(() => parseLock(JSON.stringify(traversal))).toThrow(/pkgbase/);
  });

  it('names split on commas, keep their first-seen order and are validated', () => {
    expect(normalizeNames(['b,a', 'c', 'a'])).toEqual(['b', 'a', 'c']);
    expect(() => normalizeNames([])).toThrow(InvalidInput);
    expect(() => normalizeNames(['Bad Name'])).toThrow(InvalidInput);
    expect(() => parseLockFormat('yaml')).toThrow(/json, dockerfile, git/);
  });

  it('verify lines say OK, or DRIFT with what drifted, or ERROR when nothing could be said', () => {
    const entry = lock.packages[2]!;
    const url = entry.url;
    expect(describeResult({ entry, url, outcome: { kind: 'ok' } })).toMatch(/^OK +tool 2:3\.1-2/);
    expect(describeResult({ entry, url, outcome: { kind: 'revoked', reason: 'malware' } })).toMatch(/^DRIFT .*revoked: malware$/);
    expect(describeResult({ entry, url, outcome: { kind: 'checksum-changed', actual: 'f'.repeat(64) } })).toMatch(/checksum changed/);
    expect(describeResult({ entry, url, outcome: { kind: 'gone', detail: 'x' } })).toMatch(/^DRIFT .*gone/);
    expect(describeResult({ entry, url, outcome: { kind: 'unreachable', detail: 'ECONNREFUSED' } })).toMatch(/^ERROR /);
    expect(isDrift({ kind: 'unreachable', detail: '' })).toBe(false);
  });
});

describe('route labels for metrics', () => {
  it('map every path into a small fixed set, never the path itself', () => {
    const cases: Record<string, string> = {
      '/rpc': 'rpc',
      '/rpc/': 'rpc',
      '/rpc.php': 'rpc',
      '/rpc/v5/info/foo': 'rpc',
      '/foo.git/info/refs': 'git',
      '/foo/git-upload-pack': 'git',
      '/foo/objects/ab/cd': 'git',
      [`/snapshot/foo/${A}.tar.gz`]: 'snapshot',
      '/cgit/aur.git/snapshot/foo.tar.gz': 'snapshot',
      '/cgit/aur.git/plain/PKGBUILD': 'cgit',
      '/cgit/aur.git/log/': 'cgit',
      '/packages.gz': 'lists',
      '/packages-meta-ext-v1.json.gz': 'lists',
      '/pkgbase.gz.sha256': 'lists',
      '/': 'pages',
      '/packages/foo': 'pages',
      '/pkgbase/foo/': 'pages',
      '/rss/modified': 'pages',
      '/admin': 'admin',
      '/admin/queue': 'admin',
      '/api/v1/lock': 'api',
      '/healthz': 'health',
      '/metrics': 'health',
      '/wp-login.php': 'other',
      '/a/b/c/d': 'other',
    };
    for (const [path, label] of Object.entries(cases)) expect(routeLabel(path), path).toBe(label);
    expect(ROUTE_LABELS.length).toBeLessThanOrEqual(10);
  });
});
