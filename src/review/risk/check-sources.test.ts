import { describe, expect, it } from 'vitest';
import { checkSources } from './check-sources.js';
import { brief, lineOf, riskInput, sha } from './fixtures/helpers.js';
import { PYTHON_PKG, WIDGET_GIT, fancytool, slinkyBin } from './fixtures/packages.js';

/** A small but complete PKGBUILD with the given url= and source lines. */
function pkg(url: string | null, sourceLines: string): string {
  return `# Maintainer: Jane Doe <jane at example dot org>
pkgname=hello
pkgver=2.12.1
pkgrel=1
pkgdesc='Prints a friendly greeting'
arch=('x86_64')
${url === null ? '' : `url='${url}'`}
license=('GPL-3.0-or-later')
depends=('glibc')
${sourceLines}
sha256sums=('${sha('a')}' '${sha('b')}')

build() {
  cd "$pkgname-$pkgver"
  ./configure --prefix=/usr
  make
}

package() {
  cd "$pkgname-$pkgver"
  make DESTDIR="$pkgdir" install
}
`;
}

const HOME = 'https://www.gnu.org/software/hello/';
const run = (candidate: string, previous: string | null = null) =>
  checkSources(riskInput({ PKGBUILD: candidate }, previous === null ? null : { PKGBUILD: previous }));

describe('sources', () => {
  it('flags plain http (medium)', () => {
    const text = pkg(HOME, 'source=("http://ftp.gnu.org/gnu/hello/hello-$pkgver.tar.gz")');
    const flags = run(text);
    expect(brief(flags)).toEqual([{ check: 'sources', severity: 'medium', file: 'PKGBUILD', line: lineOf(text, 'source=') }]);
    expect(flags[0]!.reason).toBe('Source http://ftp.gnu.org/gnu/hello/hello-2.12.1.tar.gz uses unencrypted http://.');
  });

  it('flags a bare IP address (high) in a multi-line array, at the entry line', () => {
    const text = pkg(HOME, 'source=("https://ftp.gnu.org/gnu/hello/hello-$pkgver.tar.gz"\n        "http://203.0.113.7/x.sh")');
    const flags = run(text);
    expect(brief(flags)).toEqual([{ check: 'sources', severity: 'high', file: 'PKGBUILD', line: lineOf(text, '203.0.113.7') }]);
    expect(flags[0]!.reason).toContain('unencrypted http:// and a bare IP address (203.0.113.7)');
  });

  it.each([
    ['https://pastebin.com/raw/Xy12Ab', 'paste/file-drop host'],
    ['helper.sh::https://transfer.sh/abc/helper.sh', 'paste/file-drop host'],
    ['https://gist.githubusercontent.com/mallory/0123/raw/fix.sh', 'paste/file-drop host'],
    ['https://cdn.discordapp.com/attachments/1/2/setup.sh', 'paste/file-drop host'],
    ['https://bit.ly/3xYz', 'URL shortener'],
  ])('flags %s as high', (src, what) => {
    const flags = run(pkg(HOME, `source=("$pkgname-$pkgver.tar.gz::https://ftp.gnu.org/gnu/hello/hello-$pkgver.tar.gz" "${src}")`));
    expect(brief(flags)).toEqual([{ check: 'sources', severity: 'high', file: 'PKGBUILD', line: 10 }]);
    expect(flags[0]!.reason).toContain(what);
  });

  it('flags a host unrelated to url= (medium)', () => {
    const flags = run(pkg(HOME, 'source=("https://downloads.hello-mirror.xyz/hello-$pkgver.tar.gz")'));
    expect(brief(flags)).toEqual([{ check: 'sources', severity: 'medium', file: 'PKGBUILD', line: 10 }]);
    expect(flags[0]!.reason).toContain('host downloads.hello-mirror.xyz, which does not match url= (www.gnu.org)');
  });

  it('flags raw.githubusercontent.com of another user, and a fork on the same forge (medium)', () => {
    const url = 'https://github.com/fancyorg/fancytool';
    const raw = run(pkg(url, 'source=("https://raw.githubusercontent.com/mallory/tools/main/fix.sh")'));
    expect(brief(raw)).toEqual([{ check: 'sources', severity: 'medium', file: 'PKGBUILD', line: 10 }]);
    expect(raw[0]!.reason).toContain('user "mallory"');
    const fork = run(pkg(url, 'source=("https://github.com/fancy0rg/fancytool/archive/v1.tar.gz")'));
    expect(fork[0]!.reason).toContain('github.com account "fancy0rg" while url= points to "fancyorg"');
    const same = run(pkg(url, 'source=("https://raw.githubusercontent.com/FancyOrg/fancytool/v1/contrib/fancy.desktop")'));
    expect(same).toEqual([]);
  });

  it('understands git+https, name:: prefixes and unencrypted git://', () => {
    const flags = run(pkg(HOME, 'source=("hello::git+https://git.savannah.gnu.org/git/hello.git#tag=v$pkgver" "git://git.sv.gnu.org/hello.git")'));
    expect(brief(flags)).toEqual([{ check: 'sources', severity: 'medium', file: 'PKGBUILD', line: 10 }]);
    expect(flags[0]!.reason).toContain('git://');
  });

  it('flags every non-release host when url= is missing', () => {
    const flags = run(pkg(null, 'source=("https://hello.example.net/hello.tar.gz")'));
    expect(flags[0]!.reason).toContain('no url=');
  });

  it('does not repeat a problem the previous revision already had', () => {
    const before = pkg(HOME, 'source=("http://ftp.gnu.org/gnu/hello/hello-2.12.tar.gz")');
    const after = pkg(HOME, 'source=("http://ftp.gnu.org/gnu/hello/hello-2.12.1.tar.gz")');
    expect(run(after, before)).toEqual([]);
    // ...but a new problem on the same entry is reported
    const ip = pkg(HOME, 'source=("http://198.51.100.4/hello-2.12.1.tar.gz")');
    expect(brief(run(ip, before))).toEqual([{ check: 'sources', severity: 'high', file: 'PKGBUILD', line: 10 }]);
  });

  it('accepts ordinary packages', () => {
    for (const files of [fancytool(), slinkyBin(), WIDGET_GIT, PYTHON_PKG]) expect(checkSources(riskInput(files))).toEqual([]);
    expect(run(pkg(HOME, 'source=("https://ftpmirror.gnu.org/hello/hello-$pkgver.tar.gz"{,.sig} "local.patch")'))).toEqual([]);
    expect(
      run(pkg('https://hello.example.org', 'source=("https://dl.example.org/hello-$pkgver.tar.gz" "https://codeload.github.com/x/y/tar.gz/v1")')),
    ).toEqual([]);
  });
});
