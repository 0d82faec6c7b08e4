import { describe, expect, it } from 'vitest';
import { checkChecksums, needsChecksum } from './check-checksums.js';
import { brief, lineOf, riskInput, sha } from './fixtures/helpers.js';
import { WIDGET_GIT, fancySums, fancytool, slinkyBin } from './fixtures/packages.js';

const prev = fancytool();
const run = (cand: Record<string, string>, previous: Record<string, string> | null = prev) => checkChecksums(riskInput(cand, previous));

describe('checksums', () => {
  it('flags a checksum array that was removed (high)', () => {
    const cand = fancytool();
    cand.PKGBUILD = cand.PKGBUILD.replace(/sha256sums=\([^)]*\)\n/, '');
    const flags = run(cand);
    expect(brief(flags)).toEqual([{ check: 'checksums', severity: 'high', file: 'PKGBUILD' }]);
    expect(flags[0]!.reason).toBe('sha256sums was removed, so the downloads of source are no longer verified.');
  });

  it('accepts per-architecture checksum arrays replacing a generic one (info), but not a generic array dropped alone', () => {
    const generic = slinkyBin();
    generic.PKGBUILD = generic.PKGBUILD.replace(/source_x86_64=\(([^)]*)\)\nsource_aarch64=\([^)]*\)/, 'source=($1)').replace(
      /sha256sums_x86_64=\(([^)]*)\)\nsha256sums_aarch64=\([^)]*\)/,
      'sha256sums=($1)',
    );
    expect(generic.PKGBUILD).toContain('\nsha256sums=(');
    const flags = run(slinkyBin(), generic);
    expect(brief(flags)).toEqual([
      { check: 'checksums', severity: 'info', file: 'PKGBUILD', line: lineOf(slinkyBin().PKGBUILD, 'sha256sums_x86_64=(') },
    ]);
    expect(flags[0]!.reason).toBe(
      'sha256sums was replaced by per-architecture arrays (sha256sums_x86_64, sha256sums_aarch64) together with the sources.',
    );
    const dropped = slinkyBin();
    dropped.PKGBUILD = dropped.PKGBUILD.replace(/sha256sums_aarch64=\([^)]*\)\n/, '');
    expect(brief(run(dropped, slinkyBin()))).toEqual([{ check: 'checksums', severity: 'high', file: 'PKGBUILD' }]);
  });

  it('flags a tarball checksum turned to SKIP (high) at the SKIP line', () => {
    const [, b, c] = fancySums('1.4.2');
    const cand = fancytool({ sums: ['SKIP', b, c] });
    const flags = run(cand);
    expect(brief(flags)).toEqual([{ check: 'checksums', severity: 'high', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, "sha256sums=('SKIP'") }]);
    expect(flags[0]!.reason).toContain('SKIP for the non-VCS download fancytool-1.4.2.tar.gz::https://github.com/fancyorg/fancytool/');
  });

  it('flags SKIP in an architecture-specific array of a first revision', () => {
    const files = slinkyBin();
    files.PKGBUILD = files.PKGBUILD.replace(/sha256sums_aarch64=\('[0-9a-f]{64}'/, "sha256sums_aarch64=('SKIP'");
    const flags = run(files, null);
    expect(brief(flags)).toEqual([
      { check: 'checksums', severity: 'high', file: 'PKGBUILD', line: lineOf(files.PKGBUILD, "sha256sums_aarch64=('SKIP'") },
    ]);
    expect(flags[0]!.reason).toContain('aarch64-linux.tar.gz');
  });

  it('flags validpgpkeys removed (high) and a new trusted key (medium)', () => {
    const before = slinkyBin();
    const removed = slinkyBin();
    removed.PKGBUILD = removed.PKGBUILD.replace(/validpgpkeys=.*\n/, '');
    expect(brief(run(removed, before))).toEqual([{ check: 'checksums', severity: 'high', file: 'PKGBUILD' }]);
    const added = slinkyBin();
    added.PKGBUILD = added.PKGBUILD.replace(
      /validpgpkeys=\('(\w+)'\)/,
      "validpgpkeys=('$1'\n              'DEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEF')",
    );
    expect(brief(run(added, before))).toEqual([
      { check: 'checksums', severity: 'medium', file: 'PKGBUILD', line: lineOf(added.PKGBUILD, 'DEADBEEF') },
    ]);
  });

  it('flags a re-rolled upstream file: checksum changed, pkgver and URL unchanged (medium)', () => {
    const [, b, c] = fancySums('1.4.2');
    const cand = fancytool({ pkgrel: '2', sums: [sha('tampered'), b, c] });
    expect(brief(run(cand))).toEqual([{ check: 'checksums', severity: 'medium', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, sha('tampered')) }]);
  });

  it('accepts a switch to a stronger algorithm (info) but not to a weaker one (medium)', () => {
    const b2 = fancytool();
    b2.PKGBUILD = b2.PKGBUILD.replace('sha256sums=(', 'b2sums=(');
    expect(brief(run(b2))).toEqual([{ check: 'checksums', severity: 'info', file: 'PKGBUILD', line: lineOf(b2.PKGBUILD, 'b2sums=(') }]);
    const md5 = fancytool();
    md5.PKGBUILD = md5.PKGBUILD.replace('sha256sums=(', 'md5sums=(');
    expect(run(md5)[0]).toMatchObject({ severity: 'medium', reason: 'sha256sums was replaced by md5sums, a weaker algorithm.' });
  });

  it('accepts SKIP for VCS sources, signatures and local files, and ordinary updates', () => {
    expect(run(WIDGET_GIT, null)).toEqual([]);
    expect(run(slinkyBin(), null)).toEqual([]);
    expect(run(slinkyBin('0.9.2'), slinkyBin())).toEqual([]);
    expect(run(fancytool({ pkgver: '1.5.0' }))).toEqual([]);
    const [a, b] = fancySums('1.4.2');
    expect(run(fancytool({ pkgrel: '2', sums: [a, b, sha('fix-build.patch v2')] }))).toEqual([]); // local patch changed
    expect(run(fancytool({ sums: [a, b, 'SKIP'] }))).toEqual([]); // local file: content is in the diff
  });

  it('does not repeat a SKIP that was already approved', () => {
    const [, b, c] = fancySums('1.4.2');
    const before = fancytool({ sums: ['SKIP', b, c] });
    const [, b2, c2] = fancySums('1.5.0');
    expect(run(fancytool({ pkgver: '1.5.0', sums: ['SKIP', b2, c2] }), before)).toEqual([]);
  });

  it('knows which sources need a checksum', () => {
    expect(needsChecksum('x.tar.gz::https://a.org/x.tar.gz')).toBe(true);
    expect(needsChecksum('git+https://a.org/x.git')).toBe(false);
    expect(needsChecksum('https://a.org/x.tar.gz.asc')).toBe(false);
    expect(needsChecksum('x.patch')).toBe(false);
  });
});
