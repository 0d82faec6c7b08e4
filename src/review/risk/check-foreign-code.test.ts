import { describe, expect, it } from 'vitest';
import { checkForeignCodeRun } from './check-foreign-code.js';
import { brief, lineOf, riskInput } from './fixtures/helpers.js';
import { PYTHON_PKG, WIDGET_GIT, fancytool, slinkyBin } from './fixtures/packages.js';

const prev = slinkyBin();

/** slinky-bin with an extra source and package() lines, the way the 2025 browser -bin packages were changed. */
function withSource(source: string, ...lines: string[]) {
  const cand = slinkyBin('0.9.2');
  cand.PKGBUILD = cand.PKGBUILD.replace(
    'validpgpkeys=',
    `source+=("${source}")\nsha256sums_x86_64+=('SKIP')\nsha256sums_aarch64+=('SKIP')\nvalidpgpkeys=`,
  ).replace('package() {\n', `package() {\n${lines.map((l) => `  ${l}\n`).join('')}`);
  return cand;
}

describe('foreign-code-run', () => {
  it.each([
    ['patch::git+https://github.com/n3wacct/slinky-patch.git', 'bash "$srcdir/patch/install.sh"'],
    ['git+https://github.com/n3wacct/slinky-fix.git', 'python3 slinky-fix/setup.py --quiet'],
    ['https://gist.githubusercontent.com/n3wacct/abc/raw/tune.sh', 'sh tune.sh'],
    ['helper::git+https://codeberg.org/someone/helper.git', 'cd helper', 'make install'],
  ])('flags a new foreign source %s that the build runs (high), at the line that runs it', (source, ...lines) => {
    const cand = withSource(source, ...lines);
    const flags = checkForeignCodeRun(riskInput(cand, prev));
    expect(brief(flags)).toEqual([{ check: 'foreign-code-run', severity: 'high', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, lines.at(-1)!) }]);
    expect(flags[0]!.reason).toContain('runs code from the new source');
  });

  it('flags a new unpinned VCS source of the project itself that the build runs (medium)', () => {
    const cand = withSource('tools::git+https://github.com/slinky-fm/tools.git', 'bash tools/gen-completions.sh');
    expect(brief(checkForeignCodeRun(riskInput(cand, prev))).map((f) => f.severity)).toEqual(['medium']);
  });

  it('accepts a foreign source that is only installed, an already approved one, and ordinary packages', () => {
    const installed = withSource(
      'https://raw.githubusercontent.com/n3wacct/themes/main/dark.css',
      'install -Dm644 dark.css "$pkgdir/usr/share/slinky/dark.css"',
    );
    expect(checkForeignCodeRun(riskInput(installed, prev))).toEqual([]);
    const approved = withSource('patch::git+https://github.com/n3wacct/slinky-patch.git', 'bash "$srcdir/patch/install.sh"');
    expect(checkForeignCodeRun(riskInput({ ...approved, PKGBUILD: approved.PKGBUILD.replace(/0\.9\.2/g, '0.9.3') }, approved))).toEqual([]);
    for (const files of [fancytool(), slinkyBin(), WIDGET_GIT, PYTHON_PKG]) expect(checkForeignCodeRun(riskInput(files))).toEqual([]);
  });
});
