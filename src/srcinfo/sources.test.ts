import { describe, expect, it } from 'vitest';
import { parseSrcinfo } from './parse.js';
import { fragmentOf, isSafeFilename, parseSource, sourceEntries, strongestChecksum, vcsRemote } from './sources.js';

const SHA256 = 'a'.repeat(64);
const SHA512 = 'b'.repeat(128);
const MD5 = 'c'.repeat(32);

const srcinfo = (lines: string[]) => parseSrcinfo(['pkgbase = demo', '\tpkgver = 1', '\tpkgrel = 1', ...lines, '', 'pkgname = demo', ''].join('\n'));

describe('parseSource', () => {
  it('takes the file name from the URL, or from a name:: prefix', () => {
    expect(parseSource('https://example.org/dl/demo-1.tar.gz')).toMatchObject({
      filename: 'demo-1.tar.gz',
      url: 'https://example.org/dl/demo-1.tar.gz',
      kind: 'remote',
      protocol: 'https',
    });
    expect(parseSource('demo-1.tar.gz::https://example.org/archive/v1.tar.gz')).toMatchObject({
      filename: 'demo-1.tar.gz',
      url: 'https://example.org/archive/v1.tar.gz',
    });
  });

  it('treats an entry without :// as a file of the package repo', () => {
    expect(parseSource('demo.patch')).toMatchObject({ kind: 'local', filename: 'demo.patch', protocol: 'local' });
    expect(parseSource('fix.patch::demo.patch')).toMatchObject({ kind: 'local', filename: 'fix.patch' });
  });

  it('names VCS sources as makepkg does and reads their fragment', () => {
    expect(parseSource('git+https://github.com/o/demo.git#tag=v1.2')).toMatchObject({
      kind: 'vcs',
      protocol: 'git',
      filename: 'demo',
      fragment: { kind: 'tag', value: 'v1.2' },
    });
    expect(parseSource('src::git+https://example.org/demo.git')).toMatchObject({ kind: 'vcs', filename: 'src', fragment: null });
    expect(parseSource('git://example.org/demo.git#branch=main?signed').fragment).toEqual({ kind: 'branch', value: 'main' });
    expect(parseSource('svn+https://example.org/trunk/')).toMatchObject({ kind: 'vcs', protocol: 'svn', filename: 'trunk' });
    expect(fragmentOf('https://x/y#nothing')).toBeNull();
    expect(vcsRemote('git+https://example.org/demo.git?signed#commit=abc')).toBe('https://example.org/demo.git');
  });
});

describe('sourceEntries', () => {
  it('pairs each source with its checksums per architecture, strongest first', () => {
    const entries = sourceEntries(
      srcinfo([
        '\tarch = x86_64',
        '\tarch = aarch64',
        '\tsource = https://example.org/a.tar.gz',
        '\tsource = local.patch',
        `\tsha256sums = ${SHA256.toUpperCase()}`,
        '\tsha256sums = SKIP',
        `\tsha512sums = ${SHA512}`,
        '\tsha512sums = SKIP',
        '\tsource_x86_64 = https://example.org/bin-x86_64',
        `\tmd5sums_x86_64 = ${MD5}`,
        '\tsource_aarch64 = https://example.org/bin-aarch64',
        '\tsha256sums_aarch64 = SKIP',
      ]),
    );
    expect(entries.map((entry) => [entry.arch, entry.index, entry.filename, entry.kind])).toEqual([
      ['any', 0, 'a.tar.gz', 'remote'],
      ['any', 1, 'local.patch', 'local'],
      ['x86_64', 0, 'bin-x86_64', 'remote'],
      ['aarch64', 0, 'bin-aarch64', 'remote'],
    ]);
    expect(strongestChecksum(entries[0]!)).toEqual({ algorithm: 'sha512', value: SHA512 });
    expect(entries[0]!.checksums.map((sum) => sum.algorithm)).toEqual(['sha512', 'sha256']);
    expect(entries[0]!.checksums[1]!.value).toBe(SHA256);
    expect(strongestChecksum(entries[2]!)).toEqual({ algorithm: 'md5', value: MD5 });
    expect(strongestChecksum(entries[3]!)).toBeNull();
  });

  it('pins nothing with a malformed or missing checksum', () => {
    const [entry] = sourceEntries(srcinfo(['\tarch = any', '\tsource = https://example.org/a', '\tsha256sums = 1234']));
    expect(entry?.checksums).toEqual([]);
    const [bare] = sourceEntries(srcinfo(['\tarch = any', '\tsource = https://example.org/b']));
    expect(bare?.checksums).toEqual([]);
  });
});

describe('isSafeFilename', () => {
  it('accepts release file names and refuses paths, dot names and options', () => {
    for (const name of ['demo-1.0.tar.gz', 'v1.2:3.zip', 'a+b~c.deb']) expect(isSafeFilename(name), name).toBe(true);
    for (const name of ['', '.', '..', '../x', 'a/b', '-rf', 'a b', 'x?raw=true', 'a\nb', 'x'.repeat(256)])
      expect(isSafeFilename(name), JSON.stringify(name)).toBe(false);
  });
});
