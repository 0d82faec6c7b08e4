import { describe, expect, it } from 'vitest';
import { checkBinaryOrLargeFile, checkInstallScriptlet, isInstallScriptlet } from './check-files.js';
import { brief, riskInput } from './fixtures/helpers.js';
import { fancytool } from './fixtures/packages.js';

const EVIL_INSTALL = `post_install() {
  systemctl enable --now evil.service
}

post_upgrade() {
  post_install
}
`;

describe('install-scriptlet', () => {
  const prev = fancytool();

  it('flags install= added to PKGBUILD and the new .install file (high)', () => {
    const cand = { ...fancytool({ topExtra: ['install=fancytool.install'] }), 'fancytool.install': EVIL_INSTALL };
    const flags = checkInstallScriptlet(riskInput(cand, prev));
    const installLine = cand.PKGBUILD.split('\n').indexOf('install=fancytool.install') + 1;
    expect(brief(flags)).toEqual([
      { check: 'install-scriptlet', severity: 'high', file: 'PKGBUILD', line: installLine },
      { check: 'install-scriptlet', severity: 'high', file: 'fancytool.install', line: 1 },
    ]);
    expect(flags[0]!.reason).toBe('PKGBUILD sets a new install scriptlet: install=fancytool.install.');
  });

  it('flags a changed scriptlet at its first new line, and dot-prefixed names', () => {
    const before = { ...prev, '.fancy.install': 'post_install() {\n  echo "Run fancytool --init"\n}\n' };
    const after = { ...prev, '.fancy.install': 'post_install() {\n  echo "Run fancytool --init"\n  useradd -r fancy\n}\n' };
    expect(brief(checkInstallScriptlet(riskInput(after, before)))).toEqual([
      { check: 'install-scriptlet', severity: 'high', file: '.fancy.install', line: 3 },
    ]);
  });

  it('flags install= inside a split package function', () => {
    const cand = fancytool({ packageExtra: ['install=other.install'] });
    expect(checkInstallScriptlet(riskInput(cand, prev))).toHaveLength(1);
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
