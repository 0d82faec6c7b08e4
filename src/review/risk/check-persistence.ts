/**
 * persistence: new lines that make code run again later or with more privileges: enabling
 * systemd units, cron, shell start-up files, SSH keys, setuid bits, preload and sudoers files.
 *
 * Packaging is told apart from changing the live system. A path written under `$pkgdir` only
 * becomes a file of the package (a unit in /etc/systemd, a PATH snippet in /etc/profile.d), which
 * pacman tracks and the reviewer sees; the same path written by an install scriptlet, or by a
 * build step without `$pkgdir`, changes the machine itself. Each rule has a severity for both.
 */

import { snippet } from './lines.js';
import { addedCommandLines, type ScanLine } from './scan.js';
import type { RiskFlag, RiskInput, Severity } from './types.js';

interface PersistenceRule {
  what: string;
  test: RegExp;
  /** Severity on the live system (scriptlets, build steps outside $pkgdir). */
  live: Severity;
  /** Severity when every match is a path under $pkgdir; null: not reported then. */
  packaged: Severity | null;
}

/** Start-up files of login and interactive shells (preceded by `/`, `~`, a quote or a blank). */
const RC_FILE =
  /(?:^|[/~\s"'])\.(?:bashrc|bash_profile|bash_login|bash_logout|zshrc|zshenv|zprofile|zlogin|profile|xinitrc|xprofile|xsessionrc)\b|\/etc\/profile\b|\/etc\/profile\.d\b|\/etc\/bash\.bashrc\b|\/etc\/zsh\//;

export const PERSISTENCE_RULES: readonly PersistenceRule[] = [
  {
    what: 'enables or starts a systemd unit',
    test: /\bsystemctl\b[^;&|]{0,400}\s(?:enable|start|restart|reenable|link|preset|preset-all|unmask|add-wants|add-requires)\b/,
    live: 'high',
    packaged: 'high',
  },
  {
    what: 'enables a systemd unit at boot (a .wants/.requires link)',
    test: /\/etc\/systemd\/\S*\.(?:wants|requires)\b/,
    live: 'high',
    packaged: 'medium',
  },
  { what: 'writes under /etc/systemd (units there are enabled or override shipped ones)', test: /\/etc\/systemd\//, live: 'high', packaged: 'info' },
  { what: 'writes a per-user systemd unit', test: /\.config\/systemd\b/, live: 'high', packaged: 'low' },
  { what: 'touches cron', test: /\bcrontab\b/, live: 'high', packaged: 'high' },
  { what: 'installs a cron job', test: /\/etc\/cron|\/var\/spool\/cron|\/etc\/anacrontab/, live: 'high', packaged: 'low' },
  { what: 'touches a shell start-up file', test: RC_FILE, live: 'high', packaged: 'info' },
  { what: 'adds an authorized SSH key', test: /\bauthorized_keys\b/, live: 'high', packaged: 'high' },
  { what: 'changes the SSH server configuration', test: /\/etc\/ssh\/sshd_config/, live: 'high', packaged: 'medium' },
  { what: 'writes into an SSH directory', test: /(?:>>?|\btee\s+(?:-a\s+)?)\s*\S*\.ssh\//, live: 'high', packaged: 'high' },
  {
    what: 'sets a setuid/setgid bit',
    test: /\bchmod\b[^;&|]{0,400}\s(?:[ugoa]*[+=][rwxXt]*s|0?[2-7][0-7]{3})\b|\binstall\b[^;&|]{0,400}\s(?:-[A-Za-z]*m\s*|--mode=)0?[2-7][0-7]{3}\b/,
    live: 'high',
    packaged: 'high',
  },
  { what: 'touches the dynamic loader preload list', test: /\/etc\/ld\.so\.preload\b/, live: 'high', packaged: 'high' },
  { what: 'grants passwordless sudo', test: /\bNOPASSWD\b/, live: 'high', packaged: 'high' },
  { what: 'touches sudoers', test: /\/etc\/sudoers\b|\/etc\/sudoers\.d\b/, live: 'high', packaged: 'medium' },
  { what: 'touches rc.local', test: /\/etc\/rc\.local\b/, live: 'high', packaged: 'medium' },
  { what: 'installs a pacman hook (runs as root on every transaction)', test: /\blibalpm\/hooks\b/, live: 'medium', packaged: 'medium' },
  { what: 'installs an autostart entry', test: /\/etc\/xdg\/autostart\b|\.config\/autostart\b/, live: 'medium', packaged: 'low' },
  { what: 'grants file capabilities', test: /\bsetcap\b/, live: 'medium', packaged: 'medium' },
  { what: 'installs a systemd unit into the package', test: /\busr\/lib\/systemd\/(?:system|user)\b/, live: 'medium', packaged: 'info' },
];

/** True when the match at `index` sits in a word that starts with `$pkgdir` (or `${pkgdir}`). */
function underPkgdir(text: string, index: number): boolean {
  let start = index;
  while (start > 0 && !/[\s;&|()<>=]/.test(text[start - 1]!)) start--;
  return /\$\{?pkgdir\b/.test(text.slice(start, index));
}

/** All matches of the rule on the line are paths under $pkgdir. */
function packagedOnly(rule: PersistenceRule, l: ScanLine): boolean {
  if (l.role !== 'pkgbuild') return false; // scriptlets and helper scripts act on the live system
  const re = new RegExp(rule.test.source, rule.test.flags.includes('g') ? rule.test.flags : `${rule.test.flags}g`);
  let any = false;
  for (const m of l.text.matchAll(re)) {
    any = true;
    if (!underPkgdir(l.text, m.index)) return false;
  }
  return any;
}

export function checkPersistence(input: RiskInput): RiskFlag[] {
  const flags: RiskFlag[] = [];
  for (const l of addedCommandLines(input)) {
    if (l.role === 'text') continue; // patches and data files are read by the other checks
    for (const rule of PERSISTENCE_RULES) {
      if (!rule.test.test(l.text)) continue;
      const packaged = packagedOnly(rule, l);
      // Removing a file the package would otherwise ship (`rm -rf "$pkgdir/etc/cron.daily"`) persists nothing.
      if (packaged && /^\s*(?:rm|rmdir|unlink)\s/.test(l.text)) break;
      const severity = packaged ? rule.packaged : rule.live;
      if (severity === null) break;
      const where = packaged ? ' (a file of the package)' : l.role === 'scriptlet' ? ' at install time' : '';
      flags.push({
        check: 'persistence',
        severity,
        reason: `${l.file} line ${l.line} ${rule.what}${where}: \`${snippet(l.text)}\`.`,
        file: l.file,
        line: l.line,
      });
      break;
    }
  }
  return flags;
}
