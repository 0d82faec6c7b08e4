import { describe, expect, it } from 'vitest';
import { classifyRevision, type ClassifyInput } from './classify.js';
import { meta, revision, sha } from './risk/fixtures/helpers.js';
import { WIDGET_GIT, fancySums, fancytool, slinkyBin, type PackageFiles } from './risk/fixtures/packages.js';

const classify = (previous: Record<string, string> | null, candidate: Record<string, string>, over: Partial<ClassifyInput> = {}) =>
  classifyRevision({ previous: previous ? revision(previous) : null, candidate: revision(candidate), ...over });
const texts = (c: ReturnType<typeof classify>) => c.changes.map((ch) => ch.text);
const prev = fancytool();

describe('classifyRevision', () => {
  it('classes a first revision as first-revision, with a summary', () => {
    const c = classify(null, prev);
    expect(c.class).toBe('first-revision');
    expect(c.classes).toEqual(['first-revision']);
    expect(texts(c)).toContain('new package at 1.4.2-1');
    expect(texts(c)).toContain('functions: prepare(), build(), check(), package()');
  });

  it('classes version bumps and rebuilds as routine, with the condensed change', () => {
    const bump = classify(prev, fancytool({ pkgver: '1.5.0' }));
    expect(bump).toMatchObject({ class: 'routine', classes: ['routine'] });
    expect(texts(bump)).toEqual(['pkgver 1.4.2 → 1.5.0', 'source[0] URL unchanged modulo version', 'sha256sums[0] changed']);
    expect(bump.changes[0]).toMatchObject({ file: 'PKGBUILD', line: 5 });
    expect(classify(prev, fancytool({ pkgrel: '2' })).class).toBe('routine');
    const bin = classify(slinkyBin(), slinkyBin('1.0.0'));
    expect(bin.class).toBe('routine');
    expect(texts(bin)).toContain('sha256sums_x86_64[0], sha256sums_aarch64[0] changed');
    const git = { ...WIDGET_GIT, PKGBUILD: WIDGET_GIT.PKGBUILD.replace('r14.g3f9c2ab', 'r20.g0c1d2e3') };
    git['.SRCINFO'] = WIDGET_GIT['.SRCINFO'].replace('r14.g3f9c2ab', 'r20.g0c1d2e3');
    expect(classify(WIDGET_GIT, git).class).toBe('routine');
  });

  it('treats a commit id that moves with pkgver as part of the version', () => {
    const pinned = (v: string, commit: string): PackageFiles => {
      const f = fancytool({ pkgver: v });
      f.PKGBUILD = f.PKGBUILD.replace('pkgrel=1\n', `pkgrel=1\n_commit=${commit}\n`).replace('v$pkgver.tar.gz"', '$_commit.tar.gz"');
      f['.SRCINFO'] = f['.SRCINFO'].replace(/v[0-9.]+\.tar\.gz/, `${commit}.tar.gz`);
      return f;
    };
    const c = classify(pinned('1.4.2', 'a'.repeat(40)), pinned('1.5.0', 'b'.repeat(40)));
    expect(c.class).toBe('routine');
    expect(texts(c)).toContain(`_commit ${'a'.repeat(40)} → ${'b'.repeat(40)}`);
    expect(classify(pinned('1.4.2', 'a'.repeat(40)), pinned('1.4.2', 'b'.repeat(40))).class).toBe('sources-changed');
  });

  it('classes dependency, description and maintainer changes as metadata-only', () => {
    const deps = classify(prev, fancytool({ pkgrel: '2', depends: ['glibc', 'openssl', 'zstd'] }));
    expect(deps).toMatchObject({ class: 'metadata-only', classes: ['metadata-only', 'routine'] });
    expect(texts(deps)).toContain('depends += zstd');
    const maint = classify(prev, fancytool({ pkgver: '1.5.0' }), {
      previousMeta: meta(),
      candidateMeta: meta({ Maintainer: 'bob', CoMaintainers: ['eve'] }),
    });
    expect(maint.class).toBe('metadata-only');
    expect(texts(maint)).toEqual(expect.arrayContaining(['maintainer jane → bob', 'co-maintainers += eve']));
    expect(classify(prev, { ...prev, 'README.md': '# fancytool\n' }).class).toBe('metadata-only');
  });

  it('classes changed downloads, a re-rolled tarball and a changed local source as sources-changed', () => {
    const moved = fancytool({ pkgver: '1.5.0' });
    moved.PKGBUILD = moved.PKGBUILD.replace('$url/archive/refs/tags/v$pkgver.tar.gz', 'https://mirror.example.net/fancytool-$pkgver.tgz');
    moved['.SRCINFO'] = moved['.SRCINFO'].replace(
      'https://github.com/fancyorg/fancytool/archive/refs/tags/v1.5.0.tar.gz',
      'https://mirror.example.net/fancytool-1.5.0.tgz',
    );
    const c = classify(prev, moved);
    expect(c.class).toBe('sources-changed');
    expect(texts(c).some((t) => t.startsWith('source[0] changed: '))).toBe(true);
    const [, b, s] = fancySums('1.4.2');
    const reroll = classify(prev, fancytool({ pkgrel: '2', sums: [sha('other'), b, s] }));
    expect(reroll.class).toBe('sources-changed');
    expect(texts(reroll)[0]).toMatch(/sha256sums\[0\] changed while the download and the version stayed the same/);
    const patched = { ...fancytool({ pkgrel: '2' }), 'fix-build.patch': `${prev['fix-build.patch']}+/* more */\n` };
    expect(texts(classify(prev, patched))).toContain('local source fix-build.patch changed (+1 −0 lines)');
  });

  it('classes function, top-level and unlisted file changes as build-logic-changed', () => {
    const c = classify(prev, fancytool({ pkgver: '1.5.0', buildExtra: ['make docs'] }));
    expect(c).toMatchObject({ class: 'build-logic-changed', classes: ['build-logic-changed', 'routine'] });
    expect(texts(c)[0]).toBe('build() changed (+1 −0 lines)');
    expect(classify(prev, fancytool({ topExtra: ['_arch=$(uname -m)'] })).class).toBe('build-logic-changed');
    expect(texts(classify(prev, { ...prev, 'helper.sh': 'echo hi\n' }))).toContain(
      'helper.sh added (not a listed source, but the build can read it)',
    );
  });

  it('classes scriptlet and install= changes as install-time-code-changed, the most demanding class', () => {
    const cand = {
      ...fancytool({ pkgver: '1.5.0', topExtra: ['install=fancytool.install'], buildExtra: ['make docs'] }),
      'fancytool.install': 'post_install() {\n  echo hi\n}\n',
    };
    const c = classify(prev, cand);
    expect(c.class).toBe('install-time-code-changed');
    expect(c.classes).toEqual(['install-time-code-changed', 'build-logic-changed', 'routine']);
    expect(texts(c).slice(0, 2)).toEqual(['install=fancytool.install added', 'install scriptlet fancytool.install added']);
  });

  it('never classes a PKGBUILD change hidden from .SRCINFO as routine', () => {
    const hidden = fancytool({ pkgver: '1.5.0' });
    hidden.PKGBUILD = hidden.PKGBUILD.replace('"fix-build.patch")', '"fix-build.patch"\n        "https://x.y/stage2.sh")');
    const c = classify(prev, hidden);
    expect(c.class).toBe('build-logic-changed');
    expect(texts(c)).toContain('PKGBUILD and .SRCINFO disagree: PKGBUILD source has https://x.y/stage2.sh, which .SRCINFO does not list.');
    const depHidden = fancytool({ pkgver: '1.5.0', depends: ['glibc', 'openssl', 'libevil'] });
    depHidden['.SRCINFO'] = fancytool({ pkgver: '1.5.0' })['.SRCINFO'];
    expect(classify(prev, depHidden).class).not.toBe('routine');
    const srcinfoOnly = { ...prev, '.SRCINFO': prev['.SRCINFO'].replace('\tdepends = openssl\n', '\tdepends = openssl\n\tdepends = zstd\n') };
    expect(texts(classify(prev, srcinfoOnly))).toContain('depends += zstd');
  });
});
