import { describe, expect, it } from 'vitest';
import { parseSrcinfo, SrcinfoSyntaxError } from './parse.js';
import { rpcFieldsFromSrcinfo, withoutDescription } from './rpc-fields.js';
import type { SrcinfoRpcFields } from './types.js';

/** A split package whose second pkgname overrides depends and clears pkgdesc, as makepkg prints it. */
const SPLIT_PACKAGE = [
  'pkgbase = linux-foo',
  '\tpkgdesc = The Foo kernel and modules',
  '\tpkgver = 6.9.1.foo1',
  '\tpkgrel = 2',
  '\tepoch = 1',
  '\turl = https://example.org/linux-foo',
  '\tarch = x86_64',
  '\tarch = aarch64',
  '\tgroups = foo-kernels',
  '\tlicense = GPL-2.0-only',
  '\tcheckdepends = python',
  '\tmakedepends = bc',
  '\tmakedepends = cpio',
  '\tmakedepends_x86_64 = nasm',
  '\tmakedepends_aarch64 = dtc',
  '\tdepends = coreutils',
  '\tdepends = kmod>=29',
  '\tdepends_x86_64 = intel-ucode',
  '\tdepends_aarch64 = coreutils',
  '\toptdepends = wireless-regdb: to set the correct wireless channels',
  '\toptdepends = linux-firmware>=1:20240101: firmware images',
  '\tconflicts = linux-foo-lts<6',
  '\tsource = https://example.org/linux-6.9.1.tar.xz',
  '\tsource_aarch64 = config.arm64',
  '\tsha256sums = SKIP',
  '\tsha256sums_aarch64 = SKIP',
  '',
  'pkgname = linux-foo',
  '\tprovides = KSMBD-MODULE',
  '\treplaces = linux-foo-old',
  '',
  'pkgname = linux-foo-headers',
  '\tpkgdesc = ',
  '\tdepends = pahole',
  '\tdepends_x86_64 = ',
  '\toptdepends =',
  '\tlicense = GPL-2.0-only',
  '\tlicense = MIT',
  '',
].join('\n');

function rpcOf(text: string): SrcinfoRpcFields[] {
  return rpcFieldsFromSrcinfo(parseSrcinfo(text));
}

function only(text: string): SrcinfoRpcFields {
  const [first] = rpcOf(text);
  if (first === undefined) throw new Error('no pkgname section');
  return first;
}

const single = (...lines: string[]): string => ['pkgbase = a', 'pkgver = 1.0', 'pkgrel = 1', ...lines, 'pkgname = a'].join('\n');

describe('rpcFieldsFromSrcinfo on a split package', () => {
  const [kernel, headers] = rpcOf(SPLIT_PACKAGE);

  it('answers one record per pkgname section, in file order, all under the pkgbase', () => {
    expect(rpcOf(SPLIT_PACKAGE).map((row) => [row.Name, row.PackageBase])).toEqual([
      ['linux-foo', 'linux-foo'],
      ['linux-foo-headers', 'linux-foo'],
    ]);
  });

  it('describes the package that inherits everything', () => {
    expect(kernel).toEqual({
      Name: 'linux-foo',
      PackageBase: 'linux-foo',
      Version: '1:6.9.1.foo1-2',
      Description: 'The Foo kernel and modules',
      URL: 'https://example.org/linux-foo',
      License: ['GPL-2.0-only'],
      Depends: ['coreutils', 'kmod>=29', 'intel-ucode'],
      MakeDepends: ['bc', 'cpio', 'nasm', 'dtc'],
      CheckDepends: ['python'],
      OptDepends: ['wireless-regdb', 'linux-firmware>=1:20240101'],
      Conflicts: ['linux-foo-lts<6'],
      Provides: ['KSMBD-MODULE'],
      Replaces: ['linux-foo-old'],
      Groups: ['foo-kernels'],
    } satisfies SrcinfoRpcFields);
  });

  it('gives every split package the base version', () => {
    expect(headers?.Version).toBe(kernel?.Version);
  });

  it('uses the per-package values where the section overrides or clears them', () => {
    expect(headers?.Description).toBeNull();
    // depends_x86_64 is cleared on its own; the inherited depends_aarch64 still counts.
    expect(headers?.Depends).toEqual(['pahole', 'coreutils']);
    expect(headers?.OptDepends).toEqual([]);
    expect(headers?.License).toEqual(['GPL-2.0-only', 'MIT']);
    expect(headers?.Provides).toEqual([]);
  });

  it('shares the pkgbase make- and checkdepends with every split package', () => {
    expect(headers?.MakeDepends).toEqual(kernel?.MakeDepends);
    expect(headers?.CheckDepends).toEqual(['python']);
  });
});

describe('list fields', () => {
  it('merge the generic entries with every listed architecture, generic first, without duplicates', () => {
    const row = only(
      single('arch = x86_64', 'arch = aarch64', 'depends_aarch64 = c', 'depends = a', 'depends_x86_64 = b', 'depends_x86_64 = a', 'depends = a'),
    );
    expect(row.Depends).toEqual(['a', 'b', 'c']);
  });

  it('apply to provides, conflicts, replaces and checkdepends too', () => {
    const row = only(
      single('arch = i686', 'provides_i686 = p', 'conflicts_i686 = c', 'replaces_i686 = r', 'checkdepends_i686 = t', 'optdepends_i686 = o: why'),
    );
    expect([row.Provides, row.Conflicts, row.Replaces, row.CheckDepends, row.OptDepends]).toEqual([['p'], ['c'], ['r'], ['t'], ['o']]);
  });

  it('leave out variants for architectures the package does not list, as aurweb never stores them', () => {
    expect(only(single('arch = x86_64', 'depends_aarch64 = x')).Depends).toEqual([]);
    expect(only(single('depends_x86_64 = x')).Depends).toEqual([]);
  });

  it("follow a pkgname section's own arch list", () => {
    const text = ['pkgbase = a', 'pkgver = 1', 'pkgrel = 1', 'arch = x86_64', 'depends_aarch64 = arm', 'pkgname = a', 'arch = aarch64'].join('\n');
    expect(only(text).Depends).toEqual(['arm']);
  });

  it('keep the version condition of a dependency', () => {
    expect(only(single('depends = foo>=1.2', 'depends = bar=2:3.0-1', 'depends = baz<4')).Depends).toEqual(['foo>=1.2', 'bar=2:3.0-1', 'baz<4']);
  });

  it('are empty lists, never absent, when the .SRCINFO has no such key', () => {
    const row = only(single());
    for (const list of [row.License, row.Depends, row.MakeDepends, row.CheckDepends, row.OptDepends, row.Groups]) {
      expect(list).toEqual([]);
    }
  });

  it('remove duplicate licenses and groups', () => {
    const row = only(single('license = MIT', 'license = MIT', 'groups = g', 'groups = g'));
    expect([row.License, row.Groups]).toEqual([['MIT'], ['g']]);
  });
});

describe('OptDepends', () => {
  it('drop the ": description" but keep an epoch colon in the version', () => {
    const row = only(
      single('optdepends = foo>=1:2.0: the foo backend', 'optdepends = bar: bar support', 'optdepends = baz=1:2', 'optdepends = qux:'),
    );
    expect(row.OptDepends).toEqual(['foo>=1:2.0', 'bar', 'baz=1:2', 'qux']);
  });

  it('collapse entries that differ only in their description', () => {
    expect(only(single('optdepends = foo: one', 'optdepends = foo: two')).OptDepends).toEqual(['foo']);
  });
});

describe('withoutDescription', () => {
  it.each([
    ['python: for the scripts', 'python'],
    ['python>=1:3.12: scripts: and more', 'python>=1:3.12'],
    ['python>=1:3.12', 'python>=1:3.12'],
    ['python:', 'python'],
    ['python', 'python'],
  ])('%s → %s', (input, expected) => {
    expect(withoutDescription(input)).toBe(expected);
  });
});

describe('Description, URL and Version', () => {
  it('are null when the .SRCINFO has no pkgdesc or url', () => {
    const row = only(single());
    expect([row.Description, row.URL]).toEqual([null, null]);
  });

  it('take the last value of a repeated single-valued key, as aurweb does', () => {
    expect(only(single('pkgdesc = first', 'pkgdesc = second')).Description).toBe('second');
  });

  it('put the epoch before the version only when it is above zero', () => {
    expect(only(single('epoch = 1')).Version).toBe('1:1.0-1');
    expect(only(single('epoch = 0')).Version).toBe('1.0-1');
  });

  it('fail as a syntax error when the pkgbase has no pkgver', () => {
    expect(() => rpcOf('pkgbase = a\npkgrel = 1\npkgname = a')).toThrow(SrcinfoSyntaxError);
  });
});
