/**
 * A command-level view of a shell file (PKGBUILD, install scriptlet, helper script): simple commands
 * with their words, assignment prefixes, redirections and pipeline position, comments, and
 * here-document bodies. Commands inside `$(...)`, backticks and process substitutions are parsed
 * too (with `parent` set), and so are here-documents fed to a shell (`bash <<EOF`).
 *
 * Hand-written on top of the scanner behind parseBash rather than a full bash grammar (such as
 * mvdan/sh): a PKGBUILD from upstream is hostile input that may be syntactically broken on purpose,
 * and the checks need a reader that never fails, never executes anything, keeps exact positions
 * and runs synchronously. It understands what the checks need and is forgiving about the rest.
 */

import { Scanner, type HeredocBody } from './bash-scanner.js';
import { ASSIGNMENT_WORD, commandName, substitutionSpans } from './shell-words.js';

export { baseCommand, commandName, effectiveWords, fileWrites, substitutionSpans } from './shell-words.js';

export interface ShellWord {
  /** Quotes removed; `$var`, `${...}`, `$(...)` kept as written. */
  value: string;
  /** The word exactly as written. */
  raw: string;
  start: number;
  end: number;
  line: number;
}

export interface Redirect {
  /** `>`, `>>`, `<`, `<<`, `<<<`, `>&`, `&>`, ... */
  op: string;
  /** The file descriptor written before the operator (`2>`), if any. */
  fd: string | null;
  target: ShellWord | null;
  /** For `<<`: index into ShellProgram.heredocs. */
  heredoc?: number;
}

export interface ShellCommand {
  /** Command name and arguments; assignment prefixes are in `assignments`. */
  words: ShellWord[];
  /** `NAME=value` prefixes, or the whole statement for a plain assignment (`local x=1` keeps `local` as a word). */
  assignments: ShellWord[];
  redirects: Redirect[];
  start: number;
  end: number;
  line: number;
  endLine: number;
  /** Commands of one pipeline share the id; `pipeIndex` 0 is the first. */
  pipeline: number;
  pipeIndex: number;
  /** Its output goes into the next command of the pipeline. */
  pipeTo: boolean;
  /** The command whose word contains this one (`$(...)`, backticks, `<(...)`, a shell here-document). */
  parent: ShellCommand | null;
}

export interface ShellProgram {
  /** The text the positions refer to (CR LF normalised to LF). */
  text: string;
  commands: ShellCommand[];
  comments: Array<{ start: number; end: number; line: number }>;
  heredocs: HeredocBody[];
}

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', '{', '}', 'esac', 'time', 'coproc']);
const REDIRECT_OP = /&>>|&>|>>|>\||>&|<&|<>|<<<|<<-?|<|>/y;
const CASE_PATTERN = /\(?[^\s;&|()]+(?:[ \t]*\|[ \t]*[^\s;&|()]+)*[ \t]*\)/y;
const INTERPRETER_SHELL = /^(?:.*\/)?(?:ba|z|da|k|mk|fi)?sh$/;
/** Deeper nesting of substitutions than this is not parsed (the outer words still are). */
const MAX_DEPTH = 16;

class ShellParser {
  readonly commands: ShellCommand[] = [];
  readonly comments: ShellProgram['comments'] = [];
  private pipelines = 0;
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  lineAt(pos: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** Parses text[from, to) as a list of commands; returns the scanner (for its here-document bodies). */
  parse(from: number, to: number, depth: number, parent: ShellCommand | null): Scanner {
    const sc = new Scanner(this.text);
    sc.pos = from;
    sc.line = this.lineAt(from);
    let cur: ShellCommand | null = null;
    let pipeIndex = 0;
    let pipeline = this.pipelines++;
    let caseDepth = 0;
    let skipWords = false; // inside `for x in ...` / `case x in` headers
    const finish = (pipeTo: boolean) => {
      if (cur && (cur.words.length > 0 || cur.assignments.length > 0 || cur.redirects.length > 0)) {
        cur.pipeTo = pipeTo;
        cur.endLine = this.lineAt(Math.max(cur.start, cur.end - 1));
        this.commands.push(cur);
      }
      cur = null;
      if (pipeTo) pipeIndex++;
      else {
        pipeline = this.pipelines++;
        pipeIndex = 0;
        skipWords = false;
      }
    };
    const open = (start = sc.pos, line = sc.line): ShellCommand =>
      (cur ??= {
        words: [],
        assignments: [],
        redirects: [],
        start,
        end: start,
        line,
        endLine: line,
        pipeline,
        pipeIndex,
        pipeTo: false,
        parent,
      });
    while (sc.pos < to) {
      sc.skipBlanks(false);
      if (sc.pos >= to) break;
      const c = sc.peek();
      const n = sc.peek(1);
      if (c === '\n') {
        finish(false);
        sc.advance();
        continue;
      }
      if (c === '#' && sc.atWordStart()) {
        const start = sc.pos;
        const line = sc.line;
        sc.skipToEol();
        this.comments.push({ start, end: sc.pos, line });
        continue;
      }
      if (c === '|' || c === '&' || c === ';') {
        if (c === '&' && n === '>') {
          this.redirect(sc, open(), depth);
          continue;
        }
        const pipe = c === '|' && n !== '|';
        finish(pipe);
        sc.advance(c === n || (c === '|' && n === '&') ? 2 : 1);
        continue;
      }
      if ((c === '<' || c === '>') && n === '(') {
        const cmd = open();
        const start = sc.pos;
        sc.balanced('(', ')', 2);
        cmd.words.push(this.wordAt(start, sc.pos, sc.line));
        cmd.end = sc.pos;
        if (depth < MAX_DEPTH) this.parse(start + 2, sc.pos - 1, depth + 1, cmd);
        continue;
      }
      if (c === '<' || c === '>') {
        this.redirect(sc, open(), depth);
        continue;
      }
      if (c === '(' || c === ')') {
        // `name() {`: a function definition, not a command.
        if (c === '(' && cur !== null && (cur as ShellCommand).words.length === 1 && /^\(\s*\)/.test(this.text.slice(sc.pos, sc.pos + 8))) {
          cur = null;
          sc.advance(this.text.slice(sc.pos).indexOf(')') + 1);
          continue;
        }
        finish(false);
        sc.advance(c === '(' && n === '(' ? 2 : 1);
        continue;
      }
      if (cur === null && caseDepth > 0) {
        const pattern = sc.match(CASE_PATTERN);
        if (pattern && !/^(?:esac)\b/.test(pattern[0])) {
          sc.advance(pattern[0].length);
          continue;
        }
      }
      const start = sc.pos;
      const line = sc.line;
      sc.word();
      if (sc.pos === start) {
        sc.advance();
        continue;
      }
      // `x=(a b)`: an array assignment continues with its parenthesised list.
      if (/^[A-Za-z_]\w*\+?=$/.test(this.text.slice(start, sc.pos)) && sc.peek() === '(') sc.balanced('(', ')', 1);
      const word = this.wordAt(start, sc.pos, line);
      if (/^\d+$/.test(word.raw) && (sc.peek() === '<' || sc.peek() === '>')) {
        this.redirect(sc, open(start, line), depth, word.raw);
        continue;
      }
      const atStart = cur === null || (cur as ShellCommand).words.length === 0;
      if (atStart && !skipWords && cur === null && KEYWORDS.has(word.value) && word.raw === word.value) {
        if (word.value === 'esac') caseDepth = Math.max(0, caseDepth - 1);
        continue;
      }
      if (atStart && cur === null && (word.raw === 'for' || word.raw === 'select' || word.raw === 'case' || word.raw === 'function')) {
        if (word.raw === 'case') caseDepth++;
        skipWords = true;
        continue;
      }
      if (skipWords) {
        if (word.raw === 'in' && caseDepth > 0) finish(false);
        this.substitutions(word, depth, null);
        continue;
      }
      const cmd = open(start, line);
      if (cmd.words.length === 0 && ASSIGNMENT_WORD.test(word.raw)) cmd.assignments.push(word);
      else cmd.words.push(word);
      cmd.end = sc.pos;
      this.substitutions(word, depth, cmd);
    }
    finish(false);
    return sc;
  }

  private wordAt(start: number, end: number, line: number): ShellWord {
    const raw = this.text.slice(start, end);
    const sc = new Scanner(raw);
    let value = '';
    while (!sc.eof()) {
      const w = sc.word();
      value += w.value;
      if (!sc.eof()) {
        value += sc.peek();
        sc.advance();
      }
    }
    return { value, raw, start, end, line };
  }

  private redirect(sc: Scanner, cmd: ShellCommand, depth: number, fd: string | null = null): void {
    const op = sc.match(REDIRECT_OP)?.[0] ?? sc.peek();
    const redirect: Redirect = { op, fd, target: null };
    if (op === '<<' || op === '<<-') {
      const index = sc.heredoc();
      if (index >= 0) redirect.heredoc = index;
      redirect.op = '<<';
    } else {
      sc.advance(op.length);
      sc.skipBlanks(false);
      const start = sc.pos;
      const line = sc.line;
      sc.word();
      if (sc.pos > start) {
        redirect.target = this.wordAt(start, sc.pos, line);
        this.substitutions(redirect.target, depth, cmd);
      }
    }
    cmd.redirects.push(redirect);
    cmd.end = sc.pos;
  }

  /** Parses the `$(...)` and backtick substitutions of a word as commands of their own. */
  private substitutions(word: ShellWord, depth: number, parent: ShellCommand | null): void {
    if (depth >= MAX_DEPTH || !/\$\(|`/.test(word.raw)) return;
    for (const [start, end] of substitutionSpans(this.text, word.start, word.end)) this.parse(start, end, depth + 1, parent);
  }
}

/** Parses a shell file into commands, comments and here-documents. Never throws. */
export function parseShell(source: string): ShellProgram {
  const text = source.replace(/\r\n?/g, '\n');
  const parser = new ShellParser(text);
  const sc = parser.parse(0, text.length, 0, null);
  const heredocs = sc.bodies;
  // A here-document fed to a shell is code: parse its body as commands of that shell.
  for (const cmd of [...parser.commands]) {
    const name = commandName(cmd);
    if (name === null || !INTERPRETER_SHELL.test(name.value)) continue;
    for (const r of cmd.redirects) {
      const body = r.heredoc === undefined ? undefined : heredocs[r.heredoc];
      if (body && body.end > body.start) parser.parse(body.start, body.end, 1, cmd);
    }
  }
  parser.commands.sort((a, b) => a.start - b.start);
  return { text, commands: parser.commands, comments: parser.comments, heredocs };
}
