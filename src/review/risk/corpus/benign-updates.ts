/**
 * Updates of corpus packages beyond plain bumps, as maintainers push them: a message in a
 * scriptlet reworded, a patch added, a dependency added, a unit file hardened, sources split per
 * architecture. Each is (package, description, change applied to the bumped or rebuilt package).
 */

import { bumpRelease, bumpVersion, edit, type Files } from './load.js';

export interface BenignUpdate {
  pkg: string;
  what: string;
  apply: (files: Files) => Files;
}

export const BENIGN_UPDATES: BenignUpdate[] = [
  {
    pkg: 'syncd',
    what: 'scriptlet message reworded, pkgrel bump',
    apply: (f) =>
      edit(bumpRelease(f), {
        'syncd.install': [['==> To run syncd for your user, enable the user service:', '==> syncd runs per user; enable it with:']],
      }),
  },
  {
    pkg: 'hello-classic',
    what: 'a second local patch, pkgrel bump',
    apply: (f) =>
      edit(bumpRelease(f), {
        PKGBUILD: [
          ['        "extra-locales.patch")', '        "extra-locales.patch"\n        "fix-gcc15.patch")'],
          [/(sha256sums=\([\s\S]*?)'\)\nvalidpgpkeys/, `$1'\n            '${'e'.repeat(64)}')\nvalidpgpkeys`],
          ['  patch -Np1 -i ../extra-locales.patch\n', '  patch -Np1 -i ../extra-locales.patch\n  patch -Np1 -i ../fix-gcc15.patch\n'],
        ],
        '.SRCINFO': [
          ['\tsource = extra-locales.patch\n', '\tsource = extra-locales.patch\n\tsource = fix-gcc15.patch\n'],
          [/(\tsha256sums = \w+\n\tsha256sums = SKIP\n\tsha256sums = \w+\n)/, `$1\tsha256sums = ${'e'.repeat(64)}\n`],
        ],
        'fix-gcc15.patch': [['', '--- a/src/hello.c\n+++ b/src/hello.c\n@@ -1 +1 @@\n-int main()\n+int main(void)\n']],
      }),
  },
  {
    pkg: 'ripfind',
    what: 'version bump with a new dependency',
    apply: (f) =>
      edit(bumpVersion(f), {
        PKGBUILD: [["depends=('gcc-libs' 'glibc' 'pcre2')", "depends=('gcc-libs' 'glibc' 'pcre2' 'zstd')"]],
        '.SRCINFO': [['\tdepends = pcre2\n', '\tdepends = pcre2\n\tdepends = zstd\n']],
      }),
  },
  {
    pkg: 'tinyproxy-ng',
    what: 'unit file hardened, pkgrel bump',
    apply: (f) =>
      edit(bumpRelease(f), {
        'tinyproxy-ng.service': [['User=tinyproxy\n', 'User=tinyproxy\nProtectSystem=strict\nPrivateTmp=yes\n']],
        PKGBUILD: [[/(sha256sums=\('\w+'\n\s+)'\w+'/, `$1'${'a'.repeat(64)}'`]],
        '.SRCINFO': [[/(\tsha256sums = \w+\n)\tsha256sums = \w+/, `$1\tsha256sums = ${'a'.repeat(64)}`]],
      }),
  },
  {
    pkg: 'otf-handwrite',
    what: 'scriptlet drops mkfontdir, version bump',
    apply: (f) => edit(bumpVersion(f), { 'otf-handwrite.install': [['  mkfontdir usr/share/fonts/OTF\n', '']] }),
  },
  {
    pkg: 'minidlna-lite',
    what: 'scriptlet creates its cache with systemd-tmpfiles, version bump',
    apply: (f) =>
      edit(bumpVersion(f), {
        'minidlna.install': [['  install -dm750 -o minidlna -g minidlna var/cache/minidlna\n', '  systemd-tmpfiles --create minidlna.conf\n']],
      }),
  },
  {
    pkg: 'pathhelper',
    what: 'profile.d snippet extended, pkgrel bump',
    apply: (f) =>
      edit(bumpRelease(f), {
        PKGBUILD: [
          [
            '> "$pkgdir/etc/profile.d/pathhelper-man.sh"',
            '> "$pkgdir/etc/profile.d/pathhelper-man.sh"\n  echo \'export INFOPATH="$INFOPATH:/opt/pathhelper/info"\' >> "$pkgdir/etc/profile.d/pathhelper-man.sh"',
          ],
        ],
      }),
  },
  {
    pkg: 'platform-tools-bin',
    what: 'aarch64 added: generic source and checksums split per architecture',
    apply: (f) =>
      edit(bumpVersion(f), {
        PKGBUILD: [
          ["arch=('x86_64')", "arch=('x86_64' 'aarch64')"],
          [
            /source=\("(https:[^"]+)-linux\.zip"\n\s+"51-android\.rules"\)\nsha256sums=\('(\w+)'\n\s+'(\w+)'\)/,
            `source=("51-android.rules")\nsource_x86_64=("$1-linux.zip")\nsource_aarch64=("$1-linux-aarch64.zip")\nsha256sums=('$3')\nsha256sums_x86_64=('$2')\nsha256sums_aarch64=('${'c'.repeat(64)}')`,
          ],
        ],
        '.SRCINFO': [
          ['\tarch = x86_64\n', '\tarch = x86_64\n\tarch = aarch64\n'],
          [
            /\tsource = (https:[^\n]+)-linux\.zip\n\tsource = 51-android\.rules\n\tsha256sums = (\w+)\n\tsha256sums = (\w+)\n/,
            `\tsource = 51-android.rules\n\tsha256sums = $3\n\tsource_x86_64 = $1-linux.zip\n\tsha256sums_x86_64 = $2\n\tsource_aarch64 = $1-linux-aarch64.zip\n\tsha256sums_aarch64 = ${'c'.repeat(64)}\n`,
          ],
        ],
      }),
  },
  {
    pkg: 'inkpad',
    what: 'newer electron, pkgrel bump',
    apply: (f) =>
      edit(bumpRelease(f), {
        PKGBUILD: [['_electron=electron31', '_electron=electron32']],
        '.SRCINFO': [['\tdepends = electron31', '\tdepends = electron32']],
      }),
  },
];
