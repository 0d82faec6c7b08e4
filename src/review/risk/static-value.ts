/**
 * Static evaluation of shell words, to see through the usual ways of hiding a command name:
 * quoting (`'c''u''r''l'`), ANSI-C escapes (`$'\x63\x75\x72\x6c'`), variables assigned literal
 * values (`c=cu; r=rl; $c$r`), defaults (`${X:-sh}`), and command substitutions whose output is
 * fixed (`$(printf '\x63\x75\x72\x6c')`, `$(echo Y3VybA== | base64 -d)`, `$(echo lruc | rev)`).
 * Nothing is executed: only these pure built-ins are emulated, with bounded output. Anything else
 * makes the value unknown (null).
 */

import { parseShell, type ShellProgram } from './shell.js';

const MAX_LENGTH = 4096;
const MAX_DEPTH = 6;

/** Variable values by name: a literal, or null when assigned more than one value or a computed one. */
export interface StaticVars {
  get(name: string): string | null | undefined;
  has(name: string): boolean;
}

export const NO_VARS: StaticVars = { get: () => undefined, has: () => false };

/** The variables a shell file assigns literal values to (top level and inside functions). */
export function staticVars(program: ShellProgram): StaticVars {
  const raw = new Map<string, string[]>();
  for (const cmd of program.commands) {
    const declares = cmd.words.length === 0 || /^(?:local|declare|typeset|export|readonly)$/.test(cmd.words[0]!.value);
    const words = cmd.words.length === 0 ? cmd.assignments : [...cmd.assignments, ...cmd.words.slice(1)];
    if (!declares) continue;
    for (const w of words) {
      const m = /^([A-Za-z_]\w*)=(.*)$/s.exec(w.raw);
      if (!m) continue;
      const list = raw.get(m[1]!);
      if (list) list.push(m[2]!);
      else raw.set(m[1]!, [m[2]!]);
    }
  }
  const known = new Map<string, string | null>();
  const resolving = new Set<string>();
  const lookup: StaticVars = {
    has: (name) => raw.has(name),
    get: (name) => {
      if (known.has(name)) return known.get(name)!;
      const values = raw.get(name);
      if (!values) return undefined;
      if (resolving.has(name)) return null;
      resolving.add(name);
      const out = values.map((v) => (v.startsWith('(') ? null : evaluateWord(v, lookup, 1)));
      resolving.delete(name);
      const value = out.every((v) => v !== null && v === out[0]) ? out[0]! : null;
      known.set(name, value);
      return value;
    },
  };
  return lookup;
}

function decodeEscapes(s: string, octalNeedsZero: boolean): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|0?[0-7]{1,3}|.)/gs, (all, e: string) => {
    if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) {
      if (octalNeedsZero && e[0] !== '0') return all;
      return String.fromCharCode(parseInt(e, 8));
    }
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      a: '\x07',
      b: '\b',
      e: '\x1b',
      E: '\x1b',
      f: '\f',
      v: '\v',
      '\\': '\\',
      "'": "'",
      '"': '"',
    };
    return simple[e] ?? all;
  });
}

function parameter(expr: string, vars: StaticVars, depth: number): string | null {
  const m = /^([A-Za-z_]\w*)(?:(:?[-=])(.*))?$/s.exec(expr);
  if (!m) return null; // indirection (${!x}), lengths, pattern operators: unknown
  const value = vars.get(m[1]!) ?? null;
  if (m[2] === undefined) return value;
  if (value !== null && value !== '') return value;
  return vars.has(m[1]!) && vars.get(m[1]!) === null ? null : evaluateWord(m[3]!, vars, depth + 1);
}

/** The value of one shell word, or null when it depends on anything not statically known. */
export function evaluateWord(raw: string, vars: StaticVars, depth = 0): string | null {
  if (depth > MAX_DEPTH) return null;
  let out = '';
  let i = 0;
  let double = false;
  while (i < raw.length) {
    const c = raw[i]!;
    if (out.length > MAX_LENGTH) return null;
    if (c === '"') {
      double = !double;
      i++;
    } else if (c === '\\') {
      out += raw[i + 1] ?? '';
      i += 2;
    } else if (c === "'" && !double) {
      const end = raw.indexOf("'", i + 1);
      if (end < 0) return null;
      out += raw.slice(i + 1, end);
      i = end + 1;
    } else if (c === '$' && raw[i + 1] === "'" && !double) {
      let end = i + 2;
      while (end < raw.length && raw[end] !== "'") end += raw[end] === '\\' ? 2 : 1;
      out += decodeEscapes(raw.slice(i + 2, end), false);
      i = end + 1;
    } else if (c === '$' && raw[i + 1] === '{') {
      const end = raw.indexOf('}', i);
      if (end < 0) return null;
      const v = parameter(raw.slice(i + 2, end), vars, depth);
      if (v === null) return null;
      out += v;
      i = end + 1;
    } else if (c === '$' && /[A-Za-z_]/.test(raw[i + 1] ?? '')) {
      const name = /^[A-Za-z_]\w*/.exec(raw.slice(i + 1))![0];
      const v = vars.get(name) ?? null;
      if (v === null) return null;
      out += v;
      i += 1 + name.length;
    } else if ((c === '$' && raw[i + 1] === '(') || c === '`') {
      const open = c === '`' ? 1 : 2;
      let end = i + open;
      let level = 1;
      while (end < raw.length && level > 0) {
        if (c === '`' && raw[end] === '`') level = 0;
        else if (c !== '`' && raw[end] === '(') level++;
        else if (c !== '`' && raw[end] === ')') level--;
        if (level > 0) end += raw[end] === '\\' ? 2 : 1;
      }
      const v = commandOutput(raw.slice(i + open, end), vars, depth + 1);
      if (v === null) return null;
      out += v;
      i = end + 1;
    } else if (c === '$')
      return null; // $1, $@, $$ ...
    else {
      out += c;
      i++;
    }
  }
  return out.length > MAX_LENGTH ? null : out;
}

function printf(args: string[]): string {
  const [format = '', ...rest] = args;
  let out = '';
  let k = 0;
  do {
    out += decodeEscapes(format, true).replace(/%([%sbcdq])/g, (_a, f: string) => {
      if (f === '%') return '%';
      const arg = rest[k++] ?? '';
      return f === 'b' ? decodeEscapes(arg, true) : f === 'c' ? arg.slice(0, 1) : arg;
    });
  } while (k < rest.length && /%[sbcdq]/.test(format) && out.length < MAX_LENGTH);
  return out;
}

/** The output of a command substitution made only of printing and decoding built-ins, or null. */
export function commandOutput(inner: string, vars: StaticVars, depth: number): string | null {
  if (depth > MAX_DEPTH) return null;
  const program = parseShell(inner);
  const cmds = program.commands.filter((c) => c.parent === null);
  if (cmds.length === 0 || cmds.some((c) => c.pipeline !== cmds[0]!.pipeline)) return null;
  let data: string | null = null;
  for (const cmd of cmds) {
    const words = cmd.words.map((w) => evaluateWord(w.raw, vars, depth + 1));
    if (words.some((w) => w === null)) return null;
    const [name, ...args] = words as string[];
    const here = cmd.redirects.find((r) => r.op === '<<<');
    const input: string | null = here?.target ? evaluateWord(here.target.raw, vars, depth + 1) : data;
    if (name === 'echo') {
      const flags = args.filter((a) => /^-[neE]+$/.test(a)).join('');
      const text = args.filter((a) => !/^-[neE]+$/.test(a)).join(' ');
      data = (flags.includes('e') ? decodeEscapes(text, true) : text) + (flags.includes('n') ? '' : '\n');
    } else if (name === 'printf') data = printf(args);
    else if (name === 'base64' && args.some((a) => /^-\w*d|^--decode$/.test(a)) && input !== null) {
      const clean: string = input.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return null;
      data = Buffer.from(clean, 'base64').toString('latin1');
    } else if (name === 'xxd' && args.some((a) => /^-\w*r/.test(a)) && input !== null) {
      const clean: string = input.replace(/\s+/g, '');
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) return null;
      data = Buffer.from(clean, 'hex').toString('latin1');
    } else if (name === 'rev' && input !== null) {
      data = input
        .split('\n')
        .map((l: string) => [...l].reverse().join(''))
        .join('\n');
    } else if (name === 'tr' && input !== null && args.length === 2 && /^A-Za-z$/.test(args[0]!) && /^N-ZA-Mn-za-m$/.test(args[1]!)) {
      data = input.replace(/[A-Za-z]/g, (ch: string) => {
        const base = ch <= 'Z' ? 65 : 97;
        return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
      });
    } else return null;
    if (data !== null && data.length > MAX_LENGTH) return null;
  }
  return data === null ? null : data.replace(/\n+$/, '');
}
