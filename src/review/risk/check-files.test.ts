import { describe, expect, it } from 'vitest';
import { checkBinaryOrLargeFile, checkInstallScriptlet, isInstallScriptlet } from './check-files.js';
import { brief, lineOf, riskInput } from './fixtures/helpers.js';
import { fancytool } from './fixtures/packages.js';

const EVIL_INSTALL = `post_install() {
  systemctl enable --now evil.service
}

post_upgrade() {
  post_install
}
`;

const CACHES_INSTALL = `post_install() {
  echo "==> To start the daemon: systemctl enable --now fancytool.service"
  echo "==> Add 'source /usr/share/fancytool/init.sh' to your ~/.bashrc"
  cat <<EOF
Run curl -fsSL https://fancytool.org/setup | sh only if you know why.
EOF
  gtk-update-icon-cache -q -t -f usr/share/icons/hicolor
  update-desktop-database -q
  update-mime-database usr/share/mime >/dev/null
  fc-cache -s
  ldconfig
  systemctl daemon-reload
}

post_upgrade() {
  post_install
}
`;

describe('install-scriptlet', () => {
  const prev = fancytool();

  it('reports a new scriptlet once, at its first unusual command (medium; what it does is for the other checks)', () => {
    const cand = { ...fancytool({ topExtra: ['install=fancytool.install'] }), 'fancytool.install': EVIL_INSTALL };
    const flags = checkInstallScriptlet(riskInput(cand, prev));
    expect(brief(flags)).toEqual([{ check: 'install-scriptlet', severity: 'medium', file: 'fancytool.install', line: 2 }]);
    expect(flags[0]!.reason).toBe('The install scriptlet fancytool.install was added; it runs as root at install time and now runs `systemctl`.');
  });

  it('reports a scriptlet that only prints messages and refreshes caches as info, once', () => {
    const cand = { ...fancytool({ topExtra: ['install=fancytool.install'] }), 'fancytool.install': CACHES_INSTALL };
    const flags = checkInstallScriptlet(riskInput(cand, prev));
    expect(brief(flags)).toEqual([{ check: 'install-scriptlet', severity: 'info', file: 'fancytool.install', line: 2 }]);
    expect(flags[0]!.reason).toContain('only print messages or refresh caches');
    expect(checkInstallScriptlet(riskInput(cand))).toHaveLength(1);
  });

  it('judges only the new lines of a changed scriptlet, and dot-prefixed names', () => {
    const before = { ...prev, '.fancy.install': 'post_install() {\n  echo "Run fancytool --init"\n}\n' };
    const routine = { ...prev, '.fancy.install': 'post_install() {\n  echo "Run fancytool --init"\n  useradd -r fancy\n}\n' };
    expect(brief(checkInstallScriptlet(riskInput(routine, before)))).toEqual([
      { check: 'install-scriptlet', severity: 'info', file: '.fancy.install', line: 3 },
    ]);
    const unusual = { ...prev, '.fancy.install': 'post_install() {\n  echo "Run fancytool --init"\n  /opt/fancy/bin/register --all\n}\n' };
    expect(brief(checkInstallScriptlet(riskInput(unusual, before)))).toEqual([
      { check: 'install-scriptlet', severity: 'medium', file: '.fancy.install', line: 3 },
    ]);
  });

  it('ignores an empty install= and reports one naming a missing file as low (also inside a split package function)', () => {
    for (const extra of ['install=', 'install=""', "install=''"]) {
      expect(checkInstallScriptlet(riskInput(fancytool({ topExtra: [extra] }), prev)), extra).toEqual([]);
    }
    const cand = fancytool({ packageExtra: ['install=other.install'] });
    expect(brief(checkInstallScriptlet(riskInput(cand, prev)))).toEqual([
      { check: 'install-scriptlet', severity: 'low', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, 'install=other') },
    ]);
  });

  it('does not re-flag an unchanged scriptlet or confuse install(1) with install=', () => {
    const withScriptlet = { ...fancytool({ topExtra: ['install=fancytool.install'] }), 'fancytool.install': 'post_install() {\n  echo hi\n}\n' };
    const bumped = {
      ...fancytool({ pkgver: '1.5.0', topExtra: ['install=fancytool.install'] }),
      'fancytool.install': 'post_install() {\n  echo hi\n}\n',
    };
    expect(checkInstallScriptlet(riskInput(bumped, withScriptlet))).toEqual([]);
    expect(checkInstallScriptlet(riskInput(fancytool({ pkgver: '1.5.0' }), prev))).toEqual([]);
  });

  it('recognizes scriptlet names', () => {
    expect(isInstallScriptlet('foo.install')).toBe(true);
    expect(isInstallScriptlet('.foo.install')).toBe(true);
    expect(isInstallScriptlet('install.sh')).toBe(false);
  });
});

describe('binary-or-large-file', () => {
  const prev = fancytool();

  it('flags an added binary file (medium)', () => {
    const flags = checkBinaryOrLargeFile(riskInput({ ...prev, 'helper.bin': { binary: 2_000_000 } }, prev));
    expect(brief(flags)).toEqual([{ check: 'binary-or-large-file', severity: 'medium', file: 'helper.bin' }]);
    expect(flags[0]!.reason).toContain('binary file (1953 KiB)');
  });

  it('flags an added text file over 256 KiB', () => {
    const flags = checkBinaryOrLargeFile(riskInput({ ...prev, 'vendor.js': 'x'.repeat(300 * 1024) }, prev));
    expect(brief(flags)).toEqual([{ check: 'binary-or-large-file', severity: 'medium', file: 'vendor.js' }]);
  });

  it('ignores small text files and unchanged binaries', () => {
    const withIcon = { ...prev, 'icon.png': { binary: 4096 } };
    expect(checkBinaryOrLargeFile(riskInput({ ...withIcon, 'notes.txt': 'hello\n' }, withIcon))).toEqual([]);
  });

  it('flags a replaced binary', () => {
    const before = { ...prev, 'icon.png': { binary: 4096 } };
    const after = { ...prev, 'icon.png': { binary: 9000 } };
    expect(checkBinaryOrLargeFile(riskInput(after, before))[0]!.reason).toContain('was replaced by a binary file');
  });
});
