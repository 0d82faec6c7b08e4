/**
 * Command sites: every simple command of the shell files of a revision (PKGBUILD, scriptlets,
 * shell scripts) with its file, role, enclosing function, and its command name as far as it can be
 * known statically (see static-value.ts). The command-level checks (assembled-command,
 * exfiltration, network-fetch, foreign-code-run) read these.
 */

import { functionAt, parseBash } from './bash.js';
import { codeView } from './code-view.js';
import { addedLines } from './lines.js';
import { fileRole, isScannedFile, type FileRole } from './scan.js';
import { baseCommand, effectiveWords, type ShellCommand, type ShellProgram, type ShellWord } from './shell.js';
import { staticVars, evaluateWord, type StaticVars } from './static-value.js';
import { fileText, type RevisionFiles, type RiskInput } from './types.js';

export interface CommandSite {
  file: string;
  role: FileRole;
  /** Enclosing function (PKGBUILD, scriptlets), null at the top level. */
  fn: string | null;
  cmd: ShellCommand;
  program: ShellProgram;
  vars: StaticVars;
  /** Functions of the file that only print. */
  printers: ReadonlySet<string>;
  /** The words from the command name on (wrappers such as sudo and env skipped). */
  words: ShellWord[];
  /** The command name with quotes, escapes, literal variables and fixed substitutions resolved; null when unknown. */
  name: string | null;
}

const cache = new WeakMap<RevisionFiles, Map<string, CommandSite[]>>();

/** Every command of one shell file of a revision (empty for other files). */
export function commandSites(rev: RevisionFiles, path: string): CommandSite[] {
  let perFile = cache.get(rev);
  if (!perFile) cache.set(rev, (perFile = new Map()));
  const hit = perFile.get(path);
  if (hit) return hit;
  const text = fileText(rev, path);
  const role = fileRole(rev, path);
  let sites: CommandSite[] = [];
  if (text !== null && role !== 'text' && isScannedFile(path)) {
    const { program, printers } = codeView(text);
    const vars = staticVars(program);
    const functions = parseBash(text);
    sites = program.commands.map((cmd) => {
      const words = effectiveWords(cmd);
      const value = words[0] ? evaluateWord(words[0].raw, vars) : null;
      return {
        file: path,
        role,
        fn: role === 'pkgbuild' || role === 'scriptlet' ? (functionAt(functions, cmd.line)?.name ?? null) : null,
        cmd,
        program,
        vars,
        printers,
        words,
        name: value === null ? null : baseCommand(value),
      };
    });
  }
  perFile.set(path, sites);
  return sites;
}

const addedCache = new WeakMap<RiskInput, CommandSite[]>();

/** Commands of the candidate that sit on at least one added line (every command for a new file). */
export function addedCommandSites(input: RiskInput): CommandSite[] {
  const hit = addedCache.get(input);
  if (hit) return hit;
  const out: CommandSite[] = [];
  for (const path of [...input.candidate.files.keys()].sort()) {
    const text = fileText(input.candidate, path);
    if (text === null) continue;
    const added = new Set(addedLines(fileText(input.previous, path), text).map((l) => l.line));
    if (added.size === 0) continue;
    for (const site of commandSites(input.candidate, path)) {
      for (let n = site.cmd.line; n <= site.cmd.endLine; n++) {
        if (added.has(n)) {
          out.push(site);
          break;
        }
      }
    }
  }
  addedCache.set(input, out);
  return out;
}

/** The source text of a command, for reasons. */
export function commandText(site: CommandSite): string {
  return site.program.text.slice(site.cmd.start, site.cmd.end);
}

/** The whole pipeline a command belongs to. */
export function pipelineOf(site: CommandSite, all: readonly CommandSite[]): CommandSite[] {
  return all.filter((s) => s.program === site.program && s.cmd.pipeline === site.cmd.pipeline);
}
