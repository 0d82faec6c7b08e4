import { describe, expect, it } from 'vitest';
import { checkBuildChangedSameVersion } from './check-build-changed.js';
import { brief, lineOf, riskInput, sha } from './fixtures/helpers.js';
import { fancySums, fancytool } from './fixtures/packages.js';

const prev = fancytool();
const run = (cand: Record<string, string>, previous: Record<string, string> | null = prev) => checkBuildChangedSameVersion(riskInput(cand, previous));

describe('build-changed-same-version', () => {
  it('flags a build change without pkgver or pkgrel bump (medium) at the first new line', () => {
    const cand = fancytool({ packageExtra: ['install -Dm755 extra "$pkgdir/usr/bin/extra"'] });
    const flags = run(cand);
    expect(brief(flags)).toEqual([
      { check: 'build-changed-same-version', severity: 'medium', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, 'extra "$pkgdir') },
    ]);
    expect(flags[0]!.reason).toBe('PKGBUILD changed (1 lines added, 0 removed) but the version stayed 1.4.2-1 without a pkgrel bump.');
  });

  it('flags removed lines too (no line number then)', () => {
    const cand = fancytool();
    cand.PKGBUILD = cand.PKGBUILD.replace('  ctest --test-dir build --output-on-failure\n', '');
    expect(brief(run(cand))).toEqual([{ check: 'build-changed-same-version', severity: 'medium', file: 'PKGBUILD' }]);
  });

  it('flags a changed dependency list without bump', () => {
    expect(run(fancytool({ depends: ['glibc', 'openssl', 'libevil'] }))).toHaveLength(1);
  });

  it('accepts a pkgrel bump, a pkgver bump, checksum-only and comment-only changes', () => {
    expect(run(fancytool({ pkgrel: '2', packageExtra: ['install -Dm755 extra "$pkgdir/usr/bin/extra"'] }))).toEqual([]);
    expect(run(fancytool({ pkgver: '1.5.0', buildExtra: ['make docs'] }))).toEqual([]);
    const [a, b] = fancySums('1.4.2');
    expect(run(fancytool({ sums: [a, b, sha('other')] }))).toEqual([]);
    const comment = fancytool();
    comment.PKGBUILD = comment.PKGBUILD.replace('# Maintainer: Jane Doe', '# Maintainer: Bob Roe <bob at example dot org>\n# Contributor: Jane Doe');
    expect(run(comment)).toEqual([]);
    expect(run(fancytool(), null)).toEqual([]);
  });
});
