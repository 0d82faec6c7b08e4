/**
 * Checks on whole files: install-scriptlet and binary-or-large-file.
 */

import { codeView } from './code-view.js';
import { addedLines, snippet } from './lines.js';
import { installDirectives, isRoutineScriptletCommand, scriptletPaths } from './scriptlet.js';
import { parseBash } from './bash.js';
import { effectiveWords, type ShellCommand } from './shell.js';
import { PKGBUILD, fileText, type RiskFlag, type RiskInput } from './types.js';

/** `foo.install`, `.foo.install`. */
export function isInstallScriptlet(path: string): boolean {
  return (path.split('/').pop() ?? path).endsWith('.install');
}

/** Functions of the scriptlet whose every command is routine (`_update() { gtk-update-icon-cache ...; }`); calls to them are routine too. */
function routineFunctions(text: string, commands: readonly ShellCommand[], printers: ReadonlySet<string>): Set<string> {
  const routine = new Set(printers);
  const functions = parseBash(text).functions;
  for (let changed = true; changed;) {
    changed = false;
    for (const fn of functions) {
      if (routine.has(fn.name)) continue;
      const body = commands.filter((c) => c.parent === null && c.line >= fn.line && c.endLine <= fn.endLine);
      if (body.every((c) => isRoutineScriptletCommand(c, routine))) {
        routine.add(fn.name);
        changed = true;
      }
    }
  }
  return routine;
}

/** Newly run lines of a scriptlet: lines added to it, or all of it when it only now became the scriptlet. */
function newScriptletLines(input: RiskInput, path: string, text: string): Set<number> {
  const wasScriptlet = scriptletPaths(input.previous).has(path);
  const before = wasScriptlet ? fileText(input.previous, path) : null;
  return new Set(addedLines(before, text).map((l) => l.line));
}

function describeScriptlet(input: RiskInput, path: string): RiskFlag | null {
  const file = input.candidate.files.get(path)!;
  const before = input.previous?.files.get(path);
  const wasScriptlet = scriptletPaths(input.previous).has(path);
  if (wasScriptlet && before && before.text === file.text && before.size === file.size) return null;
  const verb = wasScriptlet ? 'changed' : before ? 'became the install scriptlet' : 'was added';
  if (file.text === null) {
    return {
      check: 'install-scriptlet',
      severity: 'medium',
      reason: `The install scriptlet ${path} ${verb} and is binary, so it cannot be reviewed.`,
      file: path,
    };
  }
  const fresh = newScriptletLines(input, path, file.text);
  const view = codeView(file.text);
  const commands = view.program.commands.filter((c) => c.parent === null && fresh.has(c.line));
  const routine = routineFunctions(file.text, view.program.commands, view.printers);
  const unusual = commands.filter((c) => !isRoutineScriptletCommand(c, routine));
  const first = unusual[0];
  if (first) {
    const shown = [...new Set(unusual.map((c) => effectiveWords(c)[0]?.value ?? snippet(view.program.text.slice(c.start, c.end), 30)))].slice(0, 4);
    return {
      check: 'install-scriptlet',
      severity: 'medium',
      reason: `The install scriptlet ${path} ${verb}; it runs as root at install time and now runs ${shown.map((s) => `\`${snippet(s, 40)}\``).join(', ')}.`,
      file: path,
      line: first.line,
    };
  }
  const line = commands[0]?.line ?? [...fresh][0];
  return {
    check: 'install-scriptlet',
    severity: 'info',
    reason: `The install scriptlet ${path} ${verb}; its new lines only print messages or refresh caches.`,
    file: path,
    ...(line === undefined ? {} : { line }),
  };
}

/**
 * install-scriptlet: a scriptlet (a `*.install` file or the file `install=` names) that was added
 * or changed, reported once, at its first unusual command. Scriptlets run as root on the user's
 * system at install time, outside makepkg's fakeroot. One that only prints messages or refreshes
 * caches (icons, desktop files, MIME, fonts, ldconfig, daemon-reload, sysusers) is info; one that
 * runs anything else is medium; what the commands do (downloads, persistence, ...) is judged by
 * the other checks at their own lines. An empty `install=` names no scriptlet; one naming a file
 * the repository lacks is low (makepkg refuses to build then).
 */
export function checkInstallScriptlet(input: RiskInput): RiskFlag[] {
  const flags: RiskFlag[] = [];
  const known = new Set(installDirectives(input.previous ?? { files: new Map() }).map((d) => d.resolved ?? d.value));
  for (const d of installDirectives(input.candidate)) {
    const target = d.resolved ?? d.value;
    if (target === '' || known.has(target) || input.candidate.files.has(target)) continue;
    flags.push({
      check: 'install-scriptlet',
      severity: 'low',
      reason: `PKGBUILD sets install=${snippet(d.value, 60)}, which is not a file of the repository, so makepkg will refuse to build.`,
      file: PKGBUILD,
      line: d.line,
    });
  }
  for (const path of [...scriptletPaths(input.candidate)].sort()) {
    const flag = describeScriptlet(input, path);
    if (flag) flags.push(flag);
  }
  return flags;
}

export const LARGE_FILE_BYTES = 256 * 1024;

/**
 * binary-or-large-file (medium): a file added (or replaced) that is binary or larger than
 * 256 KiB. Neither can be reviewed as a diff; AUR repositories normally hold only small text.
 */
export function checkBinaryOrLargeFile(input: RiskInput): RiskFlag[] {
  const flags: RiskFlag[] = [];
  for (const [path, file] of input.candidate.files) {
    const before = input.previous?.files.get(path);
    if (before && before.text === file.text && before.size === file.size) continue;
    const verb = before ? 'was replaced by' : 'was added as';
    const kb = Math.round(file.size / 1024);
    if (file.text === null) {
      flags.push({
        check: 'binary-or-large-file',
        severity: 'medium',
        reason: `${path} ${verb} a binary file (${kb} KiB) that cannot be reviewed as text.`,
        file: path,
      });
    } else if (file.size > LARGE_FILE_BYTES) {
      flags.push({
        check: 'binary-or-large-file',
        severity: 'medium',
        reason: `${path} ${verb} a large file (${kb} KiB, over 256 KiB).`,
        file: path,
      });
    }
  }
  return flags;
}
