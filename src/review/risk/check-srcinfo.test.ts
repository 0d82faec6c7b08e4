import { describe, expect, it } from 'vitest';
import { checkSrcinfoMismatch } from './check-srcinfo.js';
import { brief, lineOf, riskInput } from './fixtures/helpers.js';
import { PYTHON_PKG, WIDGET_GIT, fancytool, slinkyBin } from './fixtures/packages.js';

const prev = fancytool();
const run = (cand: Record<string, string>, previous: Record<string, string> | null = prev) => checkSrcinfoMismatch(riskInput(cand, previous));

describe('srcinfo-mismatch', () => {
  it('flags a pkgver that differs (high) at the .SRCINFO line', () => {
    const cand = fancytool({ pkgver: '1.5.0', srcinfoPkgver: '1.4.2' });
    const flags = run(cand);
    expect(brief(flags)).toEqual([{ check: 'srcinfo-mismatch', severity: 'high', file: '.SRCINFO', line: lineOf(cand['.SRCINFO']!, 'pkgver') }]);
    expect(flags[0]!.reason).toBe('.SRCINFO has pkgver 1.4.2 but PKGBUILD has 1.5.0.');
  });

  it('flags an epoch set only in PKGBUILD', () => {
    const cand = fancytool({ topExtra: ['epoch=1'] });
    expect(brief(run(cand))).toEqual([{ check: 'srcinfo-mismatch', severity: 'high', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, 'epoch=1') }]);
  });

  it('flags a source that PKGBUILD downloads but .SRCINFO hides, and the reverse', () => {
    const cand = fancytool();
    cand.PKGBUILD = cand.PKGBUILD.replace('"fix-build.patch")', '"fix-build.patch"\n        "https://x.y/stage2.sh")');
    const flags = run(cand);
    expect(brief(flags)).toEqual([{ check: 'srcinfo-mismatch', severity: 'high', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, 'stage2') }]);
    expect(flags[0]!.reason).toBe('PKGBUILD source has https://x.y/stage2.sh, which .SRCINFO does not list.');

    const decoy = fancytool({
      srcinfoSources: [
        'fancytool-1.4.2.tar.gz::https://github.com/fancyorg/fancytool/archive/refs/tags/v1.4.2.tar.gz',
        'fancytool.service',
        'fix-build.patch',
        'innocent.patch',
      ],
    });
    expect(brief(run(decoy))).toEqual([
      { check: 'srcinfo-mismatch', severity: 'high', file: '.SRCINFO', line: lineOf(decoy['.SRCINFO']!, 'innocent.patch') },
    ]);
  });

  it('flags a missing .SRCINFO, even when the previous revision also lacked it', () => {
    const { '.SRCINFO': _dropped, ...rest } = fancytool();
    expect(brief(run(rest))).toEqual([{ check: 'srcinfo-mismatch', severity: 'high', file: '.SRCINFO' }]);
    expect(brief(run(rest, rest))).toHaveLength(1);
  });

  it('flags a .SRCINFO the parser cannot read (high), at the offending line', () => {
    const cand = fancytool();
    cand['.SRCINFO'] = cand['.SRCINFO'].replace('\tpkgrel = 1\n', '\tpkgrel = 1\n\tthis is not a key value line\n');
    const flags = run(cand);
    expect(brief(flags)).toEqual([{ check: 'srcinfo-mismatch', severity: 'high', file: '.SRCINFO', line: lineOf(cand['.SRCINFO']!, 'this is not') }]);
    expect(flags[0]!.reason).toMatch(/^\.SRCINFO cannot be read/);
  });

  it('resolves variables, braces and arch arrays; skips what cannot be resolved', () => {
    for (const files of [fancytool(), slinkyBin(), WIDGET_GIT, PYTHON_PKG]) expect(run(files, null)).toEqual([]);
    expect(run(fancytool({ pkgver: '1.5.0' }))).toEqual([]);
    const computed = fancytool();
    computed.PKGBUILD = computed.PKGBUILD.replace('source=("$pkgname-$pkgver.tar.gz::', 'source=("$pkgname-$pkgver.tar.gz::$(echo x)');
    expect(run(computed)).toEqual([]);
  });

  it('does not repeat a mismatch that was already approved', () => {
    const before = fancytool({
      srcinfoSources: [
        'fancytool-1.4.2.tar.gz::https://github.com/fancyorg/fancytool/archive/refs/tags/v1.4.2.tar.gz',
        'fancytool.service',
        'fix-build.patch',
        'old.patch',
      ],
    });
    const after = fancytool({
      pkgrel: '2',
      srcinfoSources: [
        'fancytool-1.4.2.tar.gz::https://github.com/fancyorg/fancytool/archive/refs/tags/v1.4.2.tar.gz',
        'fancytool.service',
        'fix-build.patch',
        'old.patch',
      ],
    });
    expect(run(after, before)).toEqual([]);
  });
});
