/**
 * Line-level helpers: which lines of a candidate file are new, and how physical lines join into
 * logical (shell) lines.
 */

export interface NumberedLine {
  /** 1-based line number in the file the text comes from. */
  line: number;
  text: string;
}

/** Splits on \n, \r\n or \r. A trailing newline does not produce an extra empty line. */
export function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Lines are compared with surrounding whitespace trimmed, so re-indenting a block does not make
 * every line of it "new" (indentation does not change what a shell line does).
 */
function lineKey(text: string): string {
  return text.trim();
}

function countLines(text: string | null | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  if (text == null) return counts;
  for (const l of splitLines(text)) {
    const k = lineKey(l);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/**
 * Lines of `candidate` that are not present in `previous`, counting multiplicity: if a line occurs
 * twice in the previous file and three times in the candidate, its third occurrence is added.
 * This is a multiset difference, not an LCS diff: moving a line does not make it new.
 * With `previous` null (new file, first revision) every line is added.
 */
export function addedLines(previous: string | null | undefined, candidate: string): NumberedLine[] {
  const remaining = countLines(previous);
  const out: NumberedLine[] = [];
  splitLines(candidate).forEach((text, i) => {
    const k = lineKey(text);
    const n = remaining.get(k) ?? 0;
    if (n > 0) remaining.set(k, n - 1);
    else out.push({ line: i + 1, text });
  });
  return out;
}

/** Lines of `previous` that are gone from `candidate` (the mirror image of addedLines). */
export function removedLines(previous: string | null | undefined, candidate: string | null | undefined): NumberedLine[] {
  if (previous == null) return [];
  return addedLines(candidate ?? null, previous);
}

/**
 * A comment line that can be ignored safely: it starts with `#` and contains no quote, `$` or
 * backtick. The restriction matters: if the "comment" were really inside a multi-line string, a
 * quote on it could end the string and `$(...)` on it would run, so such lines are scanned anyway.
 */
export function isInertComment(text: string): boolean {
  return /^\s*#/.test(text) && !/['"`$]/.test(text);
}

export interface LogicalLine {
  /** First physical line (1-based). */
  line: number;
  /** Last physical line (1-based). */
  endLine: number;
  /** The physical lines joined with a space (continuation backslashes removed). */
  text: string;
}

/**
 * Joins physical lines into logical shell lines: a line ending in an (unescaped) backslash, or in
 * `|`, `&&` or `||`, continues on the next line. With `skipComments`, inert comment lines
 * (isInertComment) are dropped; they never continue a line.
 */
export function logicalLines(text: string, skipComments: boolean): LogicalLine[] {
  const out: LogicalLine[] = [];
  let current: LogicalLine | null = null;
  splitLines(text).forEach((raw, i) => {
    const n = i + 1;
    if (current === null && skipComments && isInertComment(raw)) return;
    let piece = raw;
    // An odd number of trailing backslashes is a continuation; `\\` at the end is a literal backslash.
    const backslashes = /\\*$/.exec(piece)?.[0].length ?? 0;
    const continued = backslashes % 2 === 1 || /(?:\||&&)\s*$/.test(piece);
    if (backslashes % 2 === 1) piece = piece.slice(0, -1);
    if (current === null) current = { line: n, endLine: n, text: piece };
    else {
      current.endLine = n;
      current.text += ` ${piece.trim()}`;
    }
    if (!continued) {
      out.push(current);
      current = null;
    }
  });
  if (current !== null) out.push(current);
  return out;
}

/**
 * Blanks out the contents of literal strings so that `|`, `;` or `sh` inside them do not look
 * like shell syntax: '...' always, "..." only when it holds no `$(` or backtick (command
 * substitution inside double quotes runs). Quote characters stay; an unclosed quote masks to the
 * end of the text. Positions are preserved.
 */
export function maskQuotes(text: string): string {
  let out = '';
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    if (c === '\\') {
      out += text.slice(i, i + 2);
      i += 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += c === '"' && text[j] === '\\' ? 2 : 1;
      const inner = text.slice(i + 1, Math.min(j, text.length));
      const live = c === '"' && /\$\(|`/.test(inner);
      out += c + (live ? inner : ' '.repeat(inner.length)) + (j < text.length ? c : '');
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Shortens a snippet for a reason sentence, keeping its start and end (where file names are). */
export function snippet(text: string, max = 100): string {
  const s = text.trim().replace(/\s+/g, ' ');
  if (s.length <= max) return s;
  const head = Math.ceil((max - 1) * 0.6);
  return `${s.slice(0, head)}…${s.slice(s.length - (max - 1 - head))}`;
}
