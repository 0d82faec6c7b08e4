/**
 * Static expansion of PKGBUILD words: brace expansion (`foo.tar.gz{,.sig}`) and substitution of
 * simple top-level variables (`$pkgname`, `${pkgver}`, `${pkgver//./_}`, `${pkgname%-git}`).
 * Anything that would need running code (command substitution, globs in patterns, unknown or
 * special variables such as $CARCH or $srcdir) makes a value unresolvable (null).
 */

import { arrayValue, assignedNames, type ParsedBash } from './bash.js';

/**
 * Expands the first unquoted-looking `{a,b,...}` group (not `${`), recursively.
 * Quoting was already removed by the parser, so a literal `{a,b}` inside quotes is expanded too;
 * in source arrays that never matters in practice.
 */
export function expandBraces(word: string): string[] {
  const out = expandBracesUncapped(word, { left: MAX_EXPANSIONS });
  return out ?? [word];
}

/** More alternatives than this (`{a,b}{a,b}{a,b}...`) leaves the word unexpanded. */
const MAX_EXPANSIONS = 256;

function expandBracesUncapped(word: string, budget: { left: number }): string[] | null {
  for (let i = 0; i < word.length; i++) {
    if (word[i] !== '{' || word[i - 1] === '$') continue;
    // Find the matching close brace and the top-level commas.
    let depth = 0;
    const commas: number[] = [];
    let close = -1;
    for (let j = i; j < word.length; j++) {
      const c = word[j];
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        close = j;
        break;
      } else if (c === ',' && depth === 1) commas.push(j);
    }
    if (close < 0 || commas.length === 0) continue;
    const prefix = word.slice(0, i);
    const suffix = word.slice(close + 1);
    const bounds = [i, ...commas, close];
    const out: string[] = [];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const alt = word.slice(bounds[k]! + 1, bounds[k + 1]);
      const rests = expandBracesUncapped(alt + suffix, budget);
      if (rests === null) return null;
      for (const rest of rests) out.push(prefix + rest);
      if ((budget.left -= rests.length) < 0) return null;
    }
    return out;
  }
  return [word];
}

/** Variables usable for substitution: every top-level assignment's effective first element. */
export type Vars = Map<string, string>;

export function variablesOf(p: ParsedBash): Vars {
  const vars: Vars = new Map();
  for (const name of assignedNames(p)) {
    const first = arrayValue(p, name)?.[0];
    if (first) vars.set(name, first.value);
  }
  return vars;
}

const GLOB = /[*?[\]]/;
const REFERENCE = /\$\{([^{}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Applies a `${name<op>...}` operator to a resolved value; null when not understood. */
function applyOperator(value: string, op: string): string | null {
  let m: RegExpExecArray | null;
  if (op === '') return value;
  if ((m = /^(%%|%|##|#)(.*)$/s.exec(op))) {
    const pat = m[2]!;
    if (GLOB.test(pat) || pat.includes('$')) return null;
    if (m[1]!.startsWith('%')) return value.endsWith(pat) ? value.slice(0, value.length - pat.length) : value;
    return value.startsWith(pat) ? value.slice(pat.length) : value;
  }
  if ((m = /^(\/\/?)([^/]*)(?:\/(.*))?$/s.exec(op))) {
    const pat = m[2]!;
    const rep = m[3] ?? '';
    if (GLOB.test(pat) || pat.includes('$') || rep.includes('$') || pat === '') return null;
    return m[1] === '//' ? value.split(pat).join(rep) : value.replace(pat, rep);
  }
  if (op === '^^') return value.toUpperCase();
  if (op === ',,') return value.toLowerCase();
  if ((m = /^:?[-=](.*)$/s.exec(op))) return value === '' ? null : value; // ${x:-default}: x is set
  return null;
}

/**
 * Substitutes `$name` / `${name...}` from `vars`, recursively (depth-limited).
 * Returns null when any reference cannot be resolved statically.
 */
export function resolveVars(value: string, vars: Vars, depth = 0): string | null {
  if (depth > 8 || value.length > MAX_RESOLVED_LENGTH) return null;
  if (/\$\(|`/.test(value)) return null; // command substitution: would need running code
  let failed = false;
  const out = value.replace(REFERENCE, (_all, braced: string | undefined, bare: string | undefined) => {
    if (failed) return '';
    let name: string;
    let op = '';
    if (bare !== undefined) name = bare;
    else {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(.*)$/s.exec(braced ?? '');
      if (!m) {
        failed = true;
        return '';
      }
      name = m[1]!;
      op = m[2]!;
    }
    const resolved = resolveName(name, vars, depth + 1);
    const result = resolved === null ? null : applyOperator(resolved, op);
    if (result === null) failed = true;
    return result ?? '';
  });
  if (failed || out.includes('$') || out.length > MAX_RESOLVED_LENGTH) return null;
  return out;
}

/** Longer values are not plausible PKGBUILD values (and would let `a=$b$b$b...` chains explode). */
const MAX_RESOLVED_LENGTH = 4096;

const memo = new WeakMap<Vars, Map<string, string | null>>();

/** The resolved value of one variable, memoized per variable set. */
function resolveName(name: string, vars: Vars, depth: number): string | null {
  let cache = memo.get(vars);
  if (!cache) memo.set(vars, (cache = new Map()));
  if (cache.has(name)) return cache.get(name)!;
  const raw = vars.get(name);
  if (raw === undefined) return null;
  cache.set(name, null); // a self-reference resolves to "unresolvable"
  const resolved = resolveVars(raw, vars, depth);
  cache.set(name, resolved);
  return resolved;
}
