/**
 * Word-level helpers of the shell model (shell.ts): the effective command name behind wrappers
 * such as sudo and env, file redirections, and the command substitutions inside a word.
 */

import { Scanner } from './bash-scanner.js';
import type { ShellCommand, ShellWord } from './shell.js';

export const ASSIGNMENT_WORD = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=/;

/**
 * The inner spans of the command substitutions (`$(...)`, backticks) in text[from, to): the parts
 * of a word that run even inside double quotes. Single-quoted text and `$'...'` are skipped.
 */
export function substitutionSpans(text: string, from: number, to: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const sc = new Scanner(text);
  sc.pos = from;
  let double = false;
  while (sc.pos < to) {
    const c = sc.peek();
    if (c === '\\') sc.advance(2);
    else if ((c === "'" && !double) || (c === '$' && sc.peek(1) === "'" && !double)) {
      sc.advance(c === '$' ? 2 : 1);
      while (sc.pos < to && sc.peek() !== "'") sc.advance(c === '$' && sc.peek() === '\\' ? 2 : 1);
      sc.advance();
    } else if (c === '"') {
      double = !double;
      sc.advance();
    } else if (c === '$' && sc.peek(1) === '(' && sc.peek(2) !== '(') {
      const start = sc.pos;
      sc.balanced('(', ')', 2);
      spans.push([start + 2, Math.min(sc.pos - 1, to)]);
    } else if (c === '`') {
      const start = sc.pos + 1;
      let end = start;
      while (end < to && text[end] !== '`') end += text[end] === '\\' ? 2 : 1;
      spans.push([start, Math.min(end, to)]);
      sc.pos = end + 1;
    } else sc.advance();
  }
  return spans;
}

/** Wrappers that run their arguments as a command: `sudo curl`, `env X=1 sh`, `exec bash`, `timeout 5 nc`. */
const WRAPPERS = new Set([
  'sudo',
  'doas',
  'env',
  'exec',
  'command',
  'builtin',
  'nohup',
  'time',
  'nice',
  'ionice',
  'setsid',
  'stdbuf',
  'fakeroot',
  'timeout',
  'chronic',
  'xargs',
]);

/** The words of a command from its effective command name on (wrappers, their options and `VAR=x` skipped). */
export function effectiveWords(cmd: ShellCommand): ShellWord[] {
  const words = cmd.words;
  let i = 0;
  let last = 0;
  while (i < words.length && WRAPPERS.has(words[i]!.value)) {
    const wrapper = words[i]!.value;
    last = i;
    i++;
    while (i < words.length && (/^-/.test(words[i]!.value) || ASSIGNMENT_WORD.test(words[i]!.value))) {
      // `sudo -u user`, `timeout -s KILL`: options that take a value.
      const takesValue = /^-[ugCDrtpsk]$/.test(words[i]!.value) && wrapper !== 'env' && wrapper !== 'xargs';
      i += takesValue ? 2 : 1;
    }
    if (wrapper === 'timeout' && i < words.length && /^\d/.test(words[i]!.value)) i++;
  }
  // A bare `env` or `time` is itself the command.
  return i >= words.length && words.length > 0 ? words.slice(last) : words.slice(i);
}

/** The effective command name (see effectiveWords), or null for a bare assignment or redirection. */
export function commandName(cmd: ShellCommand): ShellWord | null {
  return effectiveWords(cmd)[0] ?? null;
}

/** `curl` for `/usr/bin/curl`. */
export function baseCommand(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** Redirections that write to a file (not to a descriptor or /dev/null, stdout, stderr). */
export function fileWrites(cmd: ShellCommand): ShellWord[] {
  return cmd.redirects
    .filter((r) => /^(?:>|>>|>\||&>|&>>)$/.test(r.op) && r.target !== null)
    .map((r) => r.target!)
    .filter((t) => !/^(?:&?\d|-)$/.test(t.value) && !/^\/dev\/(?:null|stdout|stderr|tty|fd\/[12])$/.test(t.value));
}
