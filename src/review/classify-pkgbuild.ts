/**
 * The PKGBUILD half of revision classification: what changed between two PKGBUILDs, statement by
 * statement. Versions are factored out first: every occurrence of the old and new version (pkgver,
 * its common derived spellings, and helper variables such as `_commit` that changed together with
 * it) is replaced by a placeholder, so a source URL or a `cd foo-1.2.3` line that differs only by
 * the version compares equal.
 */

import { arrayValue, assignedNames, assignmentAt, functionAt, parseBash, type ParsedBash } from './risk/bash.js';
import { resolveVars } from './risk/expand.js';
import { isInertComment, splitLines } from './risk/lines.js';
import { CHECKSUM_ARRAY_NAME, SOURCE_ARRAY, versionOf, type PkgbuildInfo } from './risk/pkgbuild.js';
import type { ChangeSink } from './classify-types.js';

/** Descriptive arrays and scalars: changing them changes what the package says, not what it runs. */
export const METADATA_NAME =
  /^(?:pkgdesc|url|license|arch|groups|backup|changelog|(?:make|check|opt)?depends(?:_\w+)?|provides(?:_\w+)?|conflicts(?:_\w+)?|replaces(?:_\w+)?)$/;
const VERSION_NAMES = new Set(['pkgver', 'pkgrel', 'epoch']);
/** A value that is a version or a commit id, for helper variables that move with pkgver. */
const VERSIONISH = /^(?:v?[0-9][0-9A-Za-z._+~-]*|[0-9a-f]{7,64})$/;

export interface Side {
  info: PkgbuildInfo;
  /** Placeholder-substitution tokens, longest first. */
  tokens: string[];
}

function valueOf(info: PkgbuildInfo, name: string): string | null {
  const words = arrayValue(info.parsed, name);
  if (words === null) return null;
  return words.map((w) => resolveVars(w.value, info.vars) ?? w.value).join('\u0000');
}

/** Helper variables (not pkgver) whose version-like value changed: they move with the version. */
function versionHelpers(prev: PkgbuildInfo, cand: PkgbuildInfo): string[] {
  return assignedNames(cand.parsed).filter((name) => {
    if (VERSION_NAMES.has(name) || METADATA_NAME.test(name) || SOURCE_ARRAY.test(name) || CHECKSUM_ARRAY_NAME.test(name)) return false;
    const a = valueOf(prev, name);
    const b = valueOf(cand, name);
    return a !== null && b !== null && a !== b && VERSIONISH.test(a) && VERSIONISH.test(b);
  });
}

function tokensOf(info: PkgbuildInfo, helpers: readonly string[]): string[] {
  const out = new Set<string>();
  const v = versionOf(info).pkgver;
  if (v) {
    out.add(v);
    if (v.includes('.')) {
      for (const sep of ['_', '-', '']) out.add(v.replace(/\./g, sep));
      const parts = v.split('.');
      if (parts.length >= 3) out.add(parts.slice(0, 2).join('.'));
    }
  }
  for (const h of helpers) {
    const value = valueOf(info, h);
    if (value && !value.includes('\u0000')) out.add(value);
  }
  return [...out].filter((t) => t.length > 0).sort((a, b) => b.length - a.length);
}

export function sides(prev: PkgbuildInfo, cand: PkgbuildInfo): { prev: Side; cand: Side; helpers: string[]; versionChanged: boolean } {
  const pv = versionOf(prev);
  const cv = versionOf(cand);
  const versionChanged = pv.pkgver !== cv.pkgver || pv.pkgrel !== cv.pkgrel || (pv.epoch ?? '0') !== (cv.epoch ?? '0');
  // Helper variables move with the version only when the version moves: a new `_commit` under the same pkgver is new code.
  const helpers = pv.pkgver !== cv.pkgver || (pv.epoch ?? '0') !== (cv.epoch ?? '0') ? versionHelpers(prev, cand) : [];
  return { prev: { info: prev, tokens: tokensOf(prev, helpers) }, cand: { info: cand, tokens: tokensOf(cand, helpers) }, helpers, versionChanged };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const compiled = new WeakMap<readonly string[], RegExp[]>();

/** `s` with every version token replaced by `{v}` (not inside a longer number). */
export function normalize(s: string, tokens: readonly string[]): string {
  let res = compiled.get(tokens);
  if (!res) compiled.set(tokens, (res = tokens.map((t) => new RegExp(`(?<![0-9.])${escape(t)}(?![0-9])`, 'g'))));
  let out = s;
  for (const re of res) out = out.replace(re, '{v}');
  return out;
}

/** Lines of a PKGBUILD grouped by where they are: functions, assignments, other top-level code, comments. */
interface Layout {
  functions: Map<string, string[]>;
  /** Per function, the names of assignments made inside it (split-package metadata). */
  functionAssignments: Map<string, Map<string, string[]>>;
  topLevel: string[];
  comments: string[];
}

function layoutOf(info: PkgbuildInfo, tokens: readonly string[]): Layout {
  const layout: Layout = { functions: new Map(), functionAssignments: new Map(), topLevel: [], comments: [] };
  const lines = splitLines(info.text);
  const bodies = new Map(info.parsed.functions.map((f) => [f.name, parseBash(lines.slice(f.line, f.endLine - 1).join('\n'))]));
  lines.forEach((raw, i) => {
    const n = i + 1;
    const text = normalize(raw.trim(), tokens);
    if (text === '') return;
    if (isInertComment(raw)) {
      if (functionAt(info.parsed, n) === null) layout.comments.push(text);
      return;
    }
    const fn = functionAt(info.parsed, n);
    if (fn) {
      const inner = assignmentAt(bodies.get(fn.name) as ParsedBash, n - fn.line);
      if (inner && (METADATA_NAME.test(inner.name) || inner.name === 'install')) {
        const byName = layout.functionAssignments.get(fn.name) ?? new Map<string, string[]>();
        layout.functionAssignments.set(fn.name, byName);
        const list = byName.get(inner.name);
        if (list) list.push(text);
        else byName.set(inner.name, [text]);
        return;
      }
      const body = layout.functions.get(fn.name);
      if (body) body.push(text);
      else layout.functions.set(fn.name, [text]);
      return;
    }
    if (assignmentAt(info.parsed, n)) return; // compared by value, not by line
    layout.topLevel.push(text);
  });
  return layout;
}

/** Multiset difference sizes: lines only in `a`, lines only in `b`. */
export function lineDelta(a: readonly string[], b: readonly string[]): { added: number; removed: number } {
  const counts = new Map<string, number>();
  for (const l of a) counts.set(l, (counts.get(l) ?? 0) + 1);
  let added = 0;
  for (const l of b) {
    const n = counts.get(l) ?? 0;
    if (n > 0) counts.set(l, n - 1);
    else added++;
  }
  let removed = 0;
  for (const n of counts.values()) removed += n;
  return { added, removed };
}

const delta = (d: { added: number; removed: number }) => `+${d.added} −${d.removed} lines`;

/** Functions, top-level code and comments. */
export function diffLayout(prev: Side, cand: Side, sink: ChangeSink): void {
  const a = layoutOf(prev.info, prev.tokens);
  const b = layoutOf(cand.info, cand.tokens);
  const names = [...new Set([...a.functions.keys(), ...b.functions.keys(), ...a.functionAssignments.keys(), ...b.functionAssignments.keys()])];
  for (const name of names) {
    const line = cand.info.parsed.functions.find((f) => f.name === name)?.line;
    const at = line === undefined ? {} : { file: 'PKGBUILD', line };
    const before = a.functions.get(name);
    const after = b.functions.get(name);
    const existedBefore = prev.info.parsed.functions.some((f) => f.name === name);
    const existsNow = cand.info.parsed.functions.some((f) => f.name === name);
    if (!existedBefore && existsNow) sink.add('build-logic-changed', 'function', `${name}() added (${(after ?? []).length} lines)`, at);
    else if (existedBefore && !existsNow) sink.add('build-logic-changed', 'function', `${name}() removed`);
    else {
      const d = lineDelta(before ?? [], after ?? []);
      if (d.added + d.removed > 0) sink.add('build-logic-changed', 'function', `${name}() changed (${delta(d)})`, at);
    }
    const fa = a.functionAssignments.get(name) ?? new Map<string, string[]>();
    const fb = b.functionAssignments.get(name) ?? new Map<string, string[]>();
    for (const key of new Set([...fa.keys(), ...fb.keys()])) {
      const d = lineDelta(fa.get(key) ?? [], fb.get(key) ?? []);
      if (d.added + d.removed === 0) continue;
      const cls = key === 'install' ? 'install-time-code-changed' : 'metadata-only';
      sink.add(cls, key === 'install' ? 'install' : 'metadata', `${key} changed inside ${name}()`, at);
    }
  }
  const top = lineDelta(a.topLevel, b.topLevel);
  if (top.added + top.removed > 0) {
    sink.add('build-logic-changed', 'top-level', `top-level code changed (${delta(top)}); it runs whenever makepkg reads the PKGBUILD`, {
      file: 'PKGBUILD',
    });
  }
  const comments = lineDelta(a.comments, b.comments);
  if (comments.added + comments.removed > 0) sink.add('metadata-only', 'comment', `comments changed (${delta(comments)})`);
}
