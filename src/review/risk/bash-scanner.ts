/**
 * The character-level cursor behind parseBash (bash.ts): quoting, command and parameter
 * substitution, backslash continuations, comments and here-documents. It only skips and
 * collects text; nothing is ever executed.
 */

import type { BashWord } from './bash.js';

const MAX_NESTING = 64;

/** A here-document body the scanner skipped: positions and lines of its text (delimiter line excluded). */
export interface HeredocBody {
  start: number;
  end: number;
  /** First and last physical line of the body (endLine < line for an empty body). */
  line: number;
  endLine: number;
  /** True when the delimiter was quoted (`<<'EOF'`): the body is literal, nothing in it expands. */
  quoted: boolean;
}

export class Scanner {
  pos = 0;
  line = 1;
  private nesting = 0;
  private heredocs: Array<{ delim: string; strip: boolean; quoted: boolean }> = [];
  /** Every here-document body skipped so far, in the order their `<<` operators were read. */
  readonly bodies: HeredocBody[] = [];
  private registered = 0;

  constructor(private readonly s: string) {}

  eof(): boolean {
    return this.pos >= this.s.length;
  }

  peek(offset = 0): string {
    return this.s[this.pos + offset] ?? '';
  }

  startsWith(str: string): boolean {
    return this.s.startsWith(str, this.pos);
  }

  /** Matches a sticky regex at the cursor without consuming. */
  match(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.pos;
    return re.exec(this.s);
  }

  /** Consumes `n` characters, counting lines and skipping pending here-document bodies. */
  advance(n = 1): void {
    for (let i = 0; i < n && !this.eof(); i++) {
      const c = this.s[this.pos++];
      if (c === '\n') {
        this.line++;
        this.skipHeredocBodies();
      }
    }
  }

  private skipHeredocBodies(): void {
    while (this.heredocs.length > 0) {
      const h = this.heredocs.shift()!;
      const start = this.pos;
      const line = this.line;
      let bodyEnd = this.s.length;
      let endLine = this.line;
      while (!this.eof()) {
        let end = this.s.indexOf('\n', this.pos);
        if (end < 0) end = this.s.length;
        const body = this.s.slice(this.pos, end);
        const lineStart = this.pos;
        const bodyLine = this.line;
        this.pos = Math.min(end + 1, this.s.length);
        if (end < this.s.length) this.line++;
        if ((h.strip ? body.replace(/^\t+/, '') : body) === h.delim) {
          bodyEnd = lineStart;
          endLine = bodyLine - 1;
          break;
        }
        endLine = bodyLine;
      }
      this.bodies.push({ start, end: Math.min(bodyEnd, this.pos), line, endLine, quoted: h.quoted });
    }
  }

  /**
   * At `<<`: registers a here-document whose body starts after the next newline (`<<<` is not one).
   * Returns the index its body will have in `bodies`, or -1 when there is none.
   */
  heredoc(): number {
    if (this.startsWith('<<<')) {
      this.advance(3);
      return -1;
    }
    this.advance(2);
    let strip = false;
    if (this.peek() === '-') {
      strip = true;
      this.advance();
    }
    while (this.peek() === ' ' || this.peek() === '\t') this.advance();
    let delim = '';
    let quoted = false;
    while (!this.eof() && !/[\s;&|<>()]/.test(this.peek())) {
      const c = this.peek();
      if (c === "'" || c === '"' || c === '\\') quoted = true;
      if (c === "'" || c === '"') {
        const close = this.s.indexOf(c, this.pos + 1);
        const end = close < 0 ? this.s.length : close;
        delim += this.s.slice(this.pos + 1, end);
        this.advance(end + 1 - this.pos);
      } else {
        if (c !== '\\') delim += c;
        this.advance();
      }
    }
    if (!delim) return -1;
    this.heredocs.push({ delim, strip, quoted });
    return this.registered++;
  }

  /** True when the character before the cursor ends a word (so `#` here starts a comment). */
  atWordStart(): boolean {
    const prev = this.s[this.pos - 1];
    return prev === undefined || /[\s;&|()]/.test(prev);
  }

  skipToEol(): void {
    while (!this.eof() && this.peek() !== '\n') this.advance();
  }

  /**
   * If the cursor is at a quoting construct ('..', "..", $'..', $"..", $(..), ${..}, `..`, or a
   * backslash escape), consumes it and returns its raw text; otherwise returns null.
   */
  quoted(): string | null {
    // Pathological nesting ("$($($(...") would exhaust the stack: past this depth, characters
    // are taken literally (the enclosing loops still advance one character at a time).
    if (this.nesting >= MAX_NESTING) return null;
    this.nesting++;
    try {
      return this.quotedUnguarded();
    } finally {
      this.nesting--;
    }
  }

  private quotedUnguarded(): string | null {
    const start = this.pos;
    const c = this.peek();
    const n = this.peek(1);
    if (c === '\\') this.advance(2);
    else if (c === "'") this.until("'", false, 1);
    else if (c === '$' && n === "'") this.until("'", true, 2);
    else if (c === '"' || (c === '$' && n === '"')) this.doubleQuoted(c === '$' ? 2 : 1);
    else if (c === '`') this.until('`', true, 1);
    else if (c === '$' && n === '(') this.balanced('(', ')', 2);
    else if (c === '$' && n === '{') this.balanced('{', '}', 2);
    else return null;
    return this.s.slice(start, this.pos);
  }

  /** Skips `open` characters, then up to and including `close`; with `escapes`, `\x` is skipped. */
  private until(close: string, escapes: boolean, open: number): void {
    this.advance(open);
    while (!this.eof() && this.peek() !== close) this.advance(escapes && this.peek() === '\\' ? 2 : 1);
    this.advance();
  }

  private doubleQuoted(open: number): void {
    this.advance(open);
    while (!this.eof() && this.peek() !== '"') {
      if (this.peek() === '\\') this.advance(2);
      else if (this.quotedInsideDouble() === null) this.advance();
    }
    this.advance();
  }

  /** Inside "...", only $(..), ${..} and `..` nest. */
  private quotedInsideDouble(): string | null {
    const c = this.peek();
    const n = this.peek(1);
    if (c === '`' || (c === '$' && (n === '(' || n === '{'))) return this.quoted();
    return null;
  }

  /** Skips `open` characters, then a balanced region of `o`/`c`, honouring nested quoting. */
  balanced(o: string, c: string, open: number): void {
    this.advance(open);
    let depth = 1;
    while (!this.eof() && depth > 0) {
      if (this.quoted() !== null) continue;
      const ch = this.peek();
      if (ch === o) depth++;
      else if (ch === c) depth--;
      this.advance();
    }
  }

  skipBlanks(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === '\r'))) this.advance();
      else if (c === '\\' && this.peek(1) === '\n') this.advance(2);
      else break;
    }
  }

  /** Reads one shell word, removing quotes. Stops at unquoted blanks and operators. */
  word(): BashWord {
    const line = this.line;
    let value = '';
    while (!this.eof()) {
      const c = this.peek();
      const n = this.peek(1);
      if (/[\s;&|<>()]/.test(c)) break;
      if (c === '\\') {
        if (n !== '\n') value += n;
        this.advance(2);
      } else if (c === "'" || c === '"' || (c === '$' && (n === "'" || n === '"'))) {
        const open = c === '$' ? 2 : 1;
        const quote = c === '$' ? n : c;
        const raw = this.quoted() ?? '';
        const closed = raw.length > open && raw.endsWith(quote);
        const inner = raw.slice(open, closed ? -1 : undefined);
        // In "...", a backslash only escapes $ ` " \ and newline.
        value += quote === '"' ? inner.replace(/\\([$`"\\\n])/g, '$1') : inner;
      } else {
        const raw = this.quoted();
        if (raw !== null) value += raw;
        else {
          value += c;
          this.advance();
        }
      }
    }
    return { value, line };
  }

  /** Skips one simple command up to (not including) a newline, `;`, `&` or `|`. */
  command(): void {
    while (!this.eof()) {
      const c = this.peek();
      if (c === '\n' || c === ';' || c === '&' || c === '|') return;
      if (this.quoted() !== null) continue;
      if (c === '#' && this.atWordStart()) return this.skipToEol();
      if (c === '<' && this.peek(1) === '<') this.heredoc();
      else if (c === '(') this.balanced('(', ')', 1);
      else this.advance();
    }
  }

  /** At `{`: skips a brace group (a function body), honouring quoting, comments and heredocs. */
  block(): void {
    this.advance();
    let depth = 1;
    while (!this.eof() && depth > 0) {
      if (this.quoted() !== null) continue;
      const c = this.peek();
      if (c === '#' && this.atWordStart()) this.skipToEol();
      else if (c === '<' && this.peek(1) === '<') this.heredoc();
      else {
        if (c === '{') depth++;
        else if (c === '}') depth--;
        this.advance();
      }
    }
  }
}
