/**
 * The code view of a shell file: the same text with everything that is only shown to a person
 * blanked out, so that line rules do not read messages as actions. Blanked (line breaks kept):
 *   - comments;
 *   - the arguments of commands that print to the terminal (`echo`, `printf`, makepkg's `msg`,
 *     and functions of the same file that only print), except the command substitutions in them,
 *     which run;
 *   - here-documents printed to the terminal (`cat <<EOF ... EOF`).
 * A printing command whose output goes into a file or a pipe keeps its text: then the text is data
 * that something uses (`echo 'curl x | sh' >> ~/.bashrc`, `echo "$blob" | base64 -d`).
 */

import { LRUCache } from 'lru-cache';
import { parseBash } from './bash.js';
import { baseCommand, commandName, fileWrites, parseShell, substitutionSpans, type ShellCommand, type ShellProgram } from './shell.js';

/** Commands that only print their arguments. */
const PRINTERS = new Set(['echo', 'printf', 'msg', 'msg2', 'warning', 'error', 'plain', 'notice', 'stat_busy', 'stat_done', 'true', ':']);
/** Commands that print a here-document given to them. */
const HEREDOC_PRINTERS = new Set(['cat', 'echo', 'printf', 'more', 'less', ':', 'true']);

export interface CodeView {
  program: ShellProgram;
  /** The text with shown-only parts blanked. */
  code: string;
  /** Names of the functions of this file that only print (`note() { printf ... }`). */
  printers: Set<string>;
}

/** Bounded in bytes: a view holds its source twice (text and code) plus the parsed commands. */
const cache = new LRUCache<string, CodeView>({ maxSize: 32 * 1024 * 1024, sizeCalculation: (_v, key) => Math.max(1, key.length * 8) });

/** The command only prints to the terminal (its arguments are a message, not an action). */
export function printsOnly(cmd: ShellCommand, printers: ReadonlySet<string>): boolean {
  if (cmd.parent !== null) return false; // inside $(...) the output is data for the outer command
  const name = commandName(cmd);
  if (name === null) return cmd.assignments.length > 0 && cmd.redirects.length === 0;
  return (PRINTERS.has(baseCommand(name.value)) || printers.has(name.value)) && !cmd.pipeTo && fileWrites(cmd).length === 0;
}

/** Functions whose every command prints (msg helpers of scriptlets). */
function printerFunctions(text: string, program: ShellProgram): Set<string> {
  const out = new Set<string>();
  for (const fn of parseBash(text).functions) {
    const body = program.commands.filter((c) => c.line >= fn.line && c.endLine <= fn.endLine && c.parent === null);
    if (body.length > 0 && body.every((c) => printsOnly(c, out))) out.add(fn.name);
  }
  return out;
}

function blank(chars: string[], from: number, to: number): void {
  for (let i = from; i < to; i++) if (chars[i] !== '\n') chars[i] = ' ';
}

/** The code view of a shell file (memoised by content: the checks ask for the same files repeatedly). */
export function codeView(source: string): CodeView {
  const hit = cache.get(source);
  if (hit) return hit;
  const program = parseShell(source);
  const { text } = program;
  const printers = printerFunctions(text, program);
  // Positions are UTF-16 offsets, so the text is edited per code unit.
  const units = text.split('');
  for (const c of program.comments) blank(units, c.start, c.end);
  for (const cmd of program.commands) {
    const name = commandName(cmd);
    if (name === null) continue;
    const toTerminal = cmd.parent === null && !cmd.pipeTo && fileWrites(cmd).length === 0;
    if (toTerminal && (HEREDOC_PRINTERS.has(baseCommand(name.value)) || printers.has(name.value))) {
      for (const r of cmd.redirects) {
        const body = r.heredoc === undefined ? undefined : program.heredocs[r.heredoc];
        if (body) blank(units, body.start, body.end);
      }
    }
    if (!printsOnly(cmd, printers)) continue;
    const args = cmd.words.slice(cmd.words.indexOf(name) + 1);
    for (const w of args) {
      let at = w.start;
      for (const [s, e] of substitutionSpans(text, w.start, w.end)) {
        blank(units, at, s);
        at = e;
      }
      blank(units, at, w.end);
    }
  }
  const view = { program, code: units.join(''), printers };
  cache.set(source, view);
  return view;
}
