/**
 * Install scriptlets: which files of a revision are scriptlets (`*.install`, or named by an
 * `install=` line at the top level or inside a split package's package_*() function), and what
 * their commands do. Most scriptlets only print messages or refresh system caches; those are
 * told apart from scriptlets that run anything else as root.
 */

import { codeView } from './code-view.js';
import { resolveVars } from './expand.js';
import { pkgbuildOf } from './pkgbuild.js';
import { baseCommand, effectiveWords, type ShellCommand } from './shell.js';
import { PKGBUILD, fileText, type RevisionFiles } from './types.js';

export interface InstallDirective {
  /** The value as written (quotes removed), '' for `install=` or `install=""`. */
  value: string;
  /** The value with variables substituted, or null when that needs running code. */
  resolved: string | null;
  line: number;
}

const cache = new WeakMap<RevisionFiles, { directives: InstallDirective[]; paths: Set<string> }>();

function analyse(rev: RevisionFiles): { directives: InstallDirective[]; paths: Set<string> } {
  const hit = cache.get(rev);
  if (hit) return hit;
  const directives: InstallDirective[] = [];
  const text = fileText(rev, PKGBUILD);
  const info = pkgbuildOf(rev);
  if (text !== null && info) {
    for (const cmd of codeView(text).program.commands) {
      if (cmd.words.length > 0 || cmd.parent !== null) continue;
      for (const a of cmd.assignments) {
        const m = /^install\+?=(.*)$/s.exec(a.value);
        if (!m) continue;
        const value = m[1]!.replace(/^\((.*)\)$/s, '$1').trim();
        directives.push({ value, resolved: value === '' ? '' : resolveVars(value, info.vars), line: a.line });
      }
    }
  }
  const paths = new Set<string>([...rev.files.keys()].filter((p) => (p.split('/').pop() ?? p).endsWith('.install')));
  for (const d of directives) if (d.resolved && rev.files.has(d.resolved)) paths.add(d.resolved);
  const result = { directives, paths };
  cache.set(rev, result);
  return result;
}

/** The `install=` lines of the PKGBUILD (top level and inside functions), in file order. */
export function installDirectives(rev: RevisionFiles): InstallDirective[] {
  return analyse(rev).directives;
}

/** Paths of the revision's install scriptlets: every `*.install` file and every file named by `install=`. */
export function scriptletPaths(rev: RevisionFiles | null): Set<string> {
  return rev ? analyse(rev).paths : new Set();
}

/**
 * Commands a scriptlet runs routinely: printing, tests and small shell built-ins, cache and
 * database refreshes after files changed (icons, desktop entries, MIME, fonts, linker cache,
 * schemas, man pages, info, TeX, kernel modules, udev, systemd's own daemon-reload, sysusers and
 * tmpfiles), creating system users, and ownership or directory fix-ups.
 */
const ROUTINE = new Set([
  // printing and shell plumbing
  'echo',
  'printf',
  'cat',
  'msg',
  'msg2',
  'warning',
  'error',
  'plain',
  'true',
  'false',
  ':',
  'return',
  'exit',
  'local',
  'export',
  'unset',
  'shift',
  'read',
  'set',
  '[',
  '[[',
  'test',
  'vercmp',
  'sleep',
  'basename',
  'dirname',
  'grep',
  'sed',
  'awk',
  'cut',
  'sort',
  'head',
  'tail',
  'tr',
  'wc',
  'uname',
  'date',
  'tput',
  'which',
  'type',
  'command',
  'hash',
  'id',
  'getent',
  'pacman',
  'printenv',
  // caches and databases
  'gtk-update-icon-cache',
  'gtk4-update-icon-cache',
  'update-desktop-database',
  'update-mime-database',
  'xdg-icon-resource',
  'xdg-desktop-menu',
  'xdg-mime',
  'fc-cache',
  'mkfontscale',
  'mkfontdir',
  'ldconfig',
  'glib-compile-schemas',
  'gio-querymodules',
  'gdk-pixbuf-query-loaders',
  'gtk-query-immodules-2.0',
  'gtk-query-immodules-3.0',
  'update-ca-trust',
  'trust',
  'depmod',
  'dkms',
  'install-info',
  'mandb',
  'texhash',
  'mktexlsr',
  'fmtutil-sys',
  'updmap-sys',
  'dconf',
  'udevadm',
  'systemd-hwdb',
  'systemd-sysusers',
  'systemd-tmpfiles',
  'kbuildsycoca5',
  'kbuildsycoca6',
  'update-pciids',
  'mkinitcpio',
  'sysctl',
  'setfacl',
  // users, ownership, directories
  'useradd',
  'groupadd',
  'usermod',
  'userdel',
  'groupdel',
  'gpasswd',
  'chown',
  'chgrp',
  'chmod',
  'mkdir',
  'rmdir',
  'rm',
  'ln',
  'touch',
  'install',
  'mv',
  'cp',
]);

/** systemctl sub-commands that only reload what is installed or ask for state. */
const ROUTINE_SYSTEMCTL =
  /^(?:daemon-reload|daemon-reexec|try-restart|try-reload-or-restart|is-active|is-enabled|is-system-running|status|--system|--user|--global|-q|--quiet|--no-reload)$/;

/**
 * Whether one scriptlet command is routine (see ROUTINE). Functions of the same file that only
 * print (`note "..."`) count as printing. `systemctl` is routine only for daemon-reload and queries.
 */
export function isRoutineScriptletCommand(cmd: ShellCommand, printers: ReadonlySet<string>): boolean {
  const words = effectiveWords(cmd);
  const name = words[0];
  if (!name) return true; // a bare assignment or redirection
  if (printers.has(name.value)) return true;
  const base = baseCommand(name.value);
  if (base === 'systemctl') return words.slice(1).every((w) => ROUTINE_SYSTEMCTL.test(w.value));
  if (/^(?:post|pre)_(?:install|upgrade|remove)$/.test(name.value)) return true; // post_upgrade() { post_install; }
  return ROUTINE.has(base) && !/[$`]/.test(name.raw);
}
