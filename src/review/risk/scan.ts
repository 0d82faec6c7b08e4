/**
 * Shared machinery of the line-pattern checks (package-managers, download-and-run, obfuscation,
 * persistence): the new logical lines of every scanned candidate file, and a small rule engine.
 */

import { assignmentAt, functionAt, parseBash } from './bash.js';
import { codeView } from './code-view.js';
import { addedLines, logicalLines, maskQuotes, snippet } from './lines.js';
import { scriptletPaths } from './scriptlet.js';
import { PKGBUILD, SRCINFO, fileText, type RevisionFiles, type RiskFlag, type RiskInput, type Severity } from './types.js';

/**
 * What a file is to the build: the PKGBUILD (its functions run inside makepkg, its top level
 * whenever it is sourced), an install scriptlet (runs as root on the user's system at install
 * time), another shell script, or other text (patches, unit files, desktop entries).
 */
export type FileRole = 'pkgbuild' | 'scriptlet' | 'shell' | 'text';

export interface ScanLine {
  file: string;
  /** First physical line of the logical line (1-based, candidate file). */
  line: number;
  /** Logical line text (continuations joined; inert comment lines are not scanned in shell files). */
  text: string;
  /** For PKGBUILD: name of the top-level assignment (array or scalar) the line belongs to, if any. */
  array: string | null;
  role: FileRole;
  /** The function the line is in (PKGBUILD and scriptlets), null at the top level. */
  fn: string | null;
}

/**
 * A line that is only data: part of a top-level assignment (`optdepends=('cronie: crontab
 * support')`, `pkgdesc=...`) with no second command on it (no `;`, `&`, `|` outside quotes) and
 * no command substitution. Such lines never run anything, so command rules skip them.
 */
export function isDataLine(l: ScanLine): boolean {
  return l.array !== null && !/[;&|`]|\$\(/.test(maskQuotes(l.text));
}

/** addedScanLines without data lines: what the command rules look at. */
export function addedCommandLines(input: RiskInput): ScanLine[] {
  return addedScanLines(input).filter((l) => !isDataLine(l));
}

/** Files written in shell: PKGBUILD, install scriptlets and shell scripts. */
export function isShellFile(path: string): boolean {
  const base = path.split('/').pop() ?? path;
  return base === PKGBUILD || /\.(?:install|sh|bash|zsh)$/.test(base);
}

/** The file role of one path of a revision (see FileRole). */
export function fileRole(rev: RevisionFiles, path: string): FileRole {
  if (path === PKGBUILD) return 'pkgbuild';
  if (scriptletPaths(rev).has(path)) return 'scriptlet';
  return isShellFile(path) ? 'shell' : 'text';
}

/**
 * Every text file is scanned (a patch, a helper script or a bundled .service file can carry a
 * payload as well as PKGBUILD can) except .SRCINFO, which only repeats PKGBUILD metadata and
 * checksums. Armored PGP keys under keys/ need no exception: their 64-character lines match
 * nothing, and excluding a directory would give payloads a place to hide.
 */
export function isScannedFile(path: string): boolean {
  return path !== SRCINFO;
}

const cache = new WeakMap<RiskInput, ScanLine[]>();

/**
 * Logical lines of the candidate that contain at least one added physical line (addedLines
 * against the same path in the previous revision), over every scanned text file, in path order.
 */
export function addedScanLines(input: RiskInput): ScanLine[] {
  const cached = cache.get(input);
  if (cached) return cached;
  const out: ScanLine[] = [];
  const scriptlets = scriptletPaths(input.candidate);
  const paths = [...input.candidate.files.keys()].filter(isScannedFile).sort();
  for (const file of paths) {
    const text = fileText(input.candidate, file);
    if (text === null) continue;
    const added = new Set(addedLines(fileText(input.previous, file), text).map((l) => l.line));
    if (added.size === 0) continue;
    const role: FileRole = file === PKGBUILD ? 'pkgbuild' : scriptlets.has(file) ? 'scriptlet' : isShellFile(file) ? 'shell' : 'text';
    const parsed = role === 'pkgbuild' || role === 'scriptlet' ? parseBash(text) : null;
    // Shell files are read through their code view: comments and printed messages are not actions.
    const lines = role === 'text' ? logicalLines(text, false) : logicalLines(codeView(text).code, false);
    for (const l of lines) {
      let isNew = false;
      for (let n = l.line; n <= l.endLine && !isNew; n++) isNew = added.has(n);
      if (!isNew || l.text.trim() === '') continue;
      const assignment = role === 'pkgbuild' && parsed ? assignmentAt(parsed, l.line) : null;
      out.push({
        file,
        line: l.line,
        text: l.text,
        array: assignment && !assignment.commandPrefix ? assignment.name : null,
        role,
        fn: parsed ? (functionAt(parsed, l.line)?.name ?? null) : null,
      });
    }
  }
  cache.set(input, out);
  return out;
}

export interface LineRule {
  severity: Severity;
  /** What the rule found, as the start of a sentence: "pipes a download into a shell". */
  what: string;
  /** A regex, or a function returning the offending fragment (or null when the line is fine). */
  test: RegExp | ((line: ScanLine) => string | null);
}

/** Null when the rule does not match; otherwise how to describe the finding. */
function describe(rule: LineRule, line: ScanLine): string | null {
  if (typeof rule.test !== 'function') return rule.test.test(line.text) ? rule.what : null;
  const fragment = rule.test(line);
  if (fragment === null) return null;
  // Name a short fragment (`'c''u''r''l'`) when the line itself does not make it obvious.
  return fragment.length <= 40 && fragment.trim() !== line.text.trim() ? `${rule.what} (\`${fragment}\`)` : rule.what;
}

/**
 * Applies `rules` (ordered most severe first) to every line; the first matching rule of a line
 * raises the one flag of this check for that line.
 */
export function applyRules(check: string, rules: readonly LineRule[], lines: readonly ScanLine[]): RiskFlag[] {
  const flags: RiskFlag[] = [];
  for (const l of lines) {
    for (const rule of rules) {
      const what = describe(rule, l);
      if (what === null) continue;
      flags.push({
        check,
        severity: rule.severity,
        reason: `${l.file} line ${l.line} ${what}: \`${snippet(l.text)}\`.`,
        file: l.file,
        line: l.line,
      });
      break;
    }
  }
  return flags;
}

/**
 * A regex prefix matching the start of a shell command: line start or a command separator,
 * optionally followed by `sudo`/`env`/`exec`/`command` and `VAR=value` prefixes.
 */
export const CMD = String.raw`(?:^|[;&|({\x60]|\$\(|\b(?:then|do|else|if|while|until)\s|!\s)\s*(?:(?:sudo|env|exec|command|nohup|time)\s+(?:-\S+\s+)*)*(?:[A-Za-z_]\w*=\S*\s+)*`;
