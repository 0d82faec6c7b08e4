import { describe, expect, it } from 'vitest';
import { assertPackageFileName, isRepoName, isSafeSegment, packageFileName, parsePackageFileName } from './names.js';

describe('package file names', () => {
  it('takes the pkgname, version, arch and compression apart, dashes in the pkgname included', () => {
    expect(parsePackageFileName('aurgate-test-app-2.0-1-x86_64.pkg.tar.zst')).toEqual({
      pkgname: 'aurgate-test-app',
      version: '2.0-1',
      arch: 'x86_64',
      compression: 'zst',
    });
    expect(parsePackageFileName('yay-bin-1:12.3.5-1.1-any.pkg.tar.xz')).toEqual({
      pkgname: 'yay-bin',
      version: '1:12.3.5-1.1',
      arch: 'any',
      compression: 'xz',
    });
    expect(parsePackageFileName('lib32-foo-1.0~rc1-3-x86_64.pkg.tar.gz')?.version).toBe('1.0~rc1-3');
    expect(packageFileName('yay-bin', '1:12.3.5-1', 'x86_64', 'zst')).toBe('yay-bin-1:12.3.5-1-x86_64.pkg.tar.zst');
  });

  it.each([
    ['a path', '../aurgate-test-app-2.0-1-x86_64.pkg.tar.zst'],
    ['a separator', 'sub/aurgate-test-app-2.0-1-x86_64.pkg.tar.zst'],
    ['a signature', 'aurgate-test-app-2.0-1-x86_64.pkg.tar.zst.sig'],
    ['no pkgrel', 'app-2.0-x86_64.pkg.tar.zst'],
    ['another archive', 'app-2.0-1-x86_64.tar.zst'],
    ['an upper-case pkgname', 'App-2.0-1-x86_64.pkg.tar.zst'],
    ['a leading dot', '.app-2.0-1-x86_64.pkg.tar.zst'],
    ['a space', 'app-2.0 beta-1-x86_64.pkg.tar.zst'],
    ['a bad pkgrel', 'app-2.0-1a-x86_64.pkg.tar.zst'],
    ['an empty name', ''],
  ])('refuses %s', (_what, name) => {
    expect(parsePackageFileName(name)).toBeNull();
    expect(() => assertPackageFileName(name)).toThrow(/is not a package file name: expected <pkgname>-<pkgver>-<pkgrel>-<arch>\.pkg\.tar/);
  });
});

describe('served names', () => {
  it('lets through what the repository serves and nothing that leaves its directory', () => {
    for (const ok of ['aurgate.db', 'aurgate.db.sig', 'x86_64', 'foo-1:2.0-1-x86_64.pkg.tar.zst', 'key.asc'])
      expect(isSafeSegment(ok), ok).toBe(true);
    for (const bad of ['..', '.', '.staging', 'a/b', 'a\\b', 'a..b', '', 'a b', 'a%2fb', 'x'.repeat(256)])
      expect(isSafeSegment(bad), bad).toBe(false);
  });

  it('takes repository names that are pacman.conf sections and file prefixes', () => {
    expect(isRepoName('aurgate')).toBe(true);
    expect(isRepoName('aurgate-testing')).toBe(true);
    for (const bad of ['', 'Aurgate', '-x', 'a.b', 'a/b', 'options x', 'options', 'local', 'a'.repeat(65)]) expect(isRepoName(bad), bad).toBe(false);
  });
});
