/**
 * persistence: new lines that make code run again later or with more privileges: enabling
 * systemd units, cron, shell start-up files, SSH keys, setuid bits, preload and sudoers files.
 */

import { addedCommandLines, applyRules, type LineRule } from './scan.js';
import type { RiskFlag, RiskInput } from './types.js';

/** Start-up files of login and interactive shells (preceded by `/`, `~`, a quote or a blank). */
const RC_FILE =
  /(?:^|[/~\s"'])\.(?:bashrc|bash_profile|bash_login|bash_logout|zshrc|zshenv|zprofile|zlogin|profile|xinitrc|xprofile|xsessionrc)\b|\/etc\/profile\b|\/etc\/profile\.d\b|\/etc\/bash\.bashrc\b|\/etc\/zsh\//;

export const PERSISTENCE_RULES: readonly LineRule[] = [
  {
    severity: 'high',
    what: 'enables or starts a systemd unit',
    test: /\bsystemctl\b[^;&|]{0,400}\s(?:enable|start|restart|reenable|link|preset|preset-all|unmask|add-wants|add-requires)\b/,
  },
  { severity: 'high', what: 'writes under /etc/systemd (units there are enabled or override shipped ones)', test: /\/etc\/systemd\// },
  { severity: 'high', what: 'writes a per-user systemd unit', test: /\.config\/systemd\b/ },
  { severity: 'high', what: 'touches cron', test: /\bcrontab\b|\/etc\/cron|\/var\/spool\/cron|\/etc\/anacrontab/ },
  { severity: 'high', what: 'touches a shell start-up file', test: RC_FILE },
  { severity: 'high', what: 'touches SSH keys or configuration', test: /\.ssh\/|\bauthorized_keys\b|\/etc\/ssh\/sshd_config/ },
  {
    severity: 'high',
    what: 'sets a setuid/setgid bit',
    test: /\bchmod\b[^;&|]{0,400}\s(?:[ugoa]*[+=][rwxXt]*s|0?[2-7][0-7]{3})\b|\binstall\b[^;&|]{0,400}\s(?:-[A-Za-z]*m\s*|--mode=)0?[2-7][0-7]{3}\b/,
  },
  { severity: 'high', what: 'touches the dynamic loader preload list', test: /\/etc\/ld\.so\.preload\b/ },
  { severity: 'high', what: 'touches sudoers', test: /\/etc\/sudoers\b|\/etc\/sudoers\.d\b/ },
  { severity: 'high', what: 'touches rc.local', test: /\/etc\/rc\.local\b/ },
  { severity: 'medium', what: 'installs a pacman hook (runs as root on every transaction)', test: /\blibalpm\/hooks\b/ },
  { severity: 'medium', what: 'installs an autostart entry', test: /\/etc\/xdg\/autostart\b|\.config\/autostart\b/ },
  { severity: 'medium', what: 'grants file capabilities', test: /\bsetcap\b/ },
  { severity: 'info', what: 'installs a systemd unit into the package', test: /\busr\/lib\/systemd\/(?:system|user)\b/ },
];

export function checkPersistence(input: RiskInput): RiskFlag[] {
  return applyRules('persistence', PERSISTENCE_RULES, addedCommandLines(input));
}
