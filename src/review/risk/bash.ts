/**
 * A small, forgiving reader for the top level of a PKGBUILD. It never executes anything: it walks
 * the text once, understands quoting ('...', "...", $'...'), command and parameter substitution,
 * backslash continuations, comments and here-documents well enough to find
 *   - top-level assignments `name=value`, `name=(a b c)`, `name+=(...)` (arrays may span lines;
 *     `export`/`declare` prefixes are skipped; assignments inside `if` blocks count as top level),
 *   - function definitions `name() { ... }` / `function name { ... }` and their line spans.
 * Function bodies are skipped, so `pkgver=` inside package() is not a top-level assignment.
 * Word values have quotes removed but `$var` references kept (see expand.ts to resolve them).
 */

import { Scanner } from './bash-scanner.js';

export interface BashWord {
  /** The word with quotes removed; `$var`, `${...}` and `$(...)` are kept as written. */
  value: string;
  /** 1-based line where the word starts. */
  line: number;
}

export interface BashAssignment {
  kind: 'scalar' | 'array';
  name: string;
  /** `+=` */
  append: boolean;
  /** A scalar has exactly one word (possibly ''). */
  words: BashWord[];
  line: number;
  endLine: number;
  /** `FOO=bar cmd`: a scalar assignment followed by a command on the same line. */
  commandPrefix?: boolean;
}

export interface BashFunction {
  name: string;
  line: number;
  endLine: number;
}

export interface ParsedBash {
  assignments: BashAssignment[];
  functions: BashFunction[];
}

const ASSIGNMENT = /([A-Za-z_][A-Za-z0-9_]*)(\+?)=/y;
const DECLARE_PREFIX = /(?:export|declare|typeset|readonly|local)(?:\s+-[A-Za-z]+)*[ \t]+/y;
const FUNCTION_DEF = /(?:function[ \t]+([^\s(){};|&]+)(?:[ \t]*\([ \t]*\))?|([A-Za-z_][\w.:+@-]*)[ \t]*\([ \t]*\))\s*/y;
/** Reserved words and grouping tokens that may start a statement and are followed by another one. */
const STATEMENT_PREFIX = /(?:then|do|else|elif|if|while|until|fi|done|esac|!|\{|\}|\(|\))(?=[\s;]|$)/y;
/** A `case` pattern such as `x86_64|aarch64)`, followed by the commands of that branch. */
const CASE_PATTERN = /\(?[^\s;&|()=]+(?:\|[^\s;&|()=]+)*\)/y;

/** Parses the top level of a PKGBUILD (see the file comment). Never throws. */
export function parseBash(text: string): ParsedBash {
  const sc = new Scanner(text.replace(/\r\n?/g, '\n'));
  const assignments: BashAssignment[] = [];
  const functions: BashFunction[] = [];
  while (!sc.eof()) {
    const before = sc.pos;
    sc.skipBlanks(true);
    const c = sc.peek();
    if (c === ';' || c === '&' || c === '|') {
      sc.advance();
      continue;
    }
    if (c === '#') {
      sc.skipToEol();
      continue;
    }
    const prefix = sc.match(STATEMENT_PREFIX) ?? sc.match(DECLARE_PREFIX) ?? sc.match(CASE_PATTERN);
    if (prefix) {
      sc.advance(prefix[0].length);
      continue;
    }
    const assign = sc.match(ASSIGNMENT);
    if (assign) {
      const line = sc.line;
      sc.advance(assign[0].length);
      const base = { name: assign[1]!, append: assign[2] === '+', line };
      if (sc.peek() === '(') {
        sc.advance();
        const words: BashWord[] = [];
        for (;;) {
          sc.skipBlanks(true);
          if (sc.eof()) break;
          if (sc.peek() === ')') {
            sc.advance();
            break;
          }
          if (sc.peek() === '#' && sc.atWordStart()) {
            sc.skipToEol();
            continue;
          }
          const at = sc.pos;
          const w = sc.word();
          if (sc.pos === at)
            sc.advance(); // an operator character inside an array: skip it
          else words.push(w);
        }
        assignments.push({ ...base, kind: 'array', words, endLine: sc.line });
      } else {
        const w = sc.word();
        const endLine = sc.line;
        sc.skipBlanks(false);
        // `FOO=bar cmd args`: the assignment only prefixes a command's environment.
        const commandPrefix = !sc.eof() && !/[\n;&|)#]/.test(sc.peek());
        assignments.push({ ...base, kind: 'scalar', words: [w], endLine, ...(commandPrefix ? { commandPrefix } : {}) });
      }
      continue;
    }
    const fn = sc.match(FUNCTION_DEF);
    if (fn) {
      const line = sc.line;
      sc.advance(fn[0].length);
      sc.skipBlanks(true);
      if (sc.peek() === '{') sc.block();
      else if (sc.peek() === '(') sc.balanced('(', ')', 1);
      functions.push({ name: (fn[1] ?? fn[2])!, line, endLine: sc.line });
      continue;
    }
    sc.command();
    if (sc.pos === before) sc.advance(); // never loop without progress
  }
  return { assignments, functions };
}

/**
 * The effective value of a top-level array after all assignments (`=` replaces, `+=` appends).
 * A scalar assignment to the name sets element 0 (as in bash). Null when never assigned.
 */
export function arrayValue(p: ParsedBash, name: string): BashWord[] | null {
  let assigned = false;
  let words: BashWord[] = [];
  for (const a of p.assignments) {
    if (a.name !== name) continue;
    const first: BashWord | undefined = words[0];
    if (a.kind === 'array') words = a.append ? [...words, ...a.words] : [...a.words];
    else if (a.append && first) words = [{ line: first.line, value: first.value + a.words[0]!.value }, ...words.slice(1)];
    else words = [a.words[0]!, ...words.slice(1)];
    assigned = true;
  }
  return assigned ? words : null;
}

/** The effective value of a top-level scalar (for an array: its first element, like `$name`). */
export function scalarValue(p: ParsedBash, name: string): BashWord | null {
  return arrayValue(p, name)?.[0] ?? null;
}

/** Names of every top-level assignment, in first-seen order. */
export function assignedNames(p: ParsedBash): string[] {
  return [...new Set(p.assignments.map((a) => a.name))];
}

const lineIndex = new WeakMap<ParsedBash, Map<number, BashAssignment>>();

/** The top-level assignment whose line span contains `line`, if any. */
export function assignmentAt(p: ParsedBash, line: number): BashAssignment | null {
  let index = lineIndex.get(p);
  if (!index) {
    index = new Map();
    for (const a of p.assignments) for (let n = a.line; n <= a.endLine; n++) if (!index.has(n)) index.set(n, a);
    lineIndex.set(p, index);
  }
  return index.get(line) ?? null;
}

/** The function whose body contains `line`, if any. */
export function functionAt(p: ParsedBash, line: number): BashFunction | null {
  return p.functions.find((f) => f.line <= line && line <= f.endLine) ?? null;
}
