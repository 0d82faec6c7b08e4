/**
 * Top-level PKGBUILD assignments in revision classification: versions, sources and checksums
 * (paired by position, compared modulo the version), descriptive metadata, `install=`, and helper
 * variables.
 */

import { arrayValue, assignedNames } from './risk/bash.js';
import { resolveVars } from './risk/expand.js';
import { snippet } from './risk/lines.js';
import { CHECKSUM_ARRAY_NAME, SOURCE_ARRAY, expandedArray, versionOf, type ArrayItem, type PkgbuildInfo } from './risk/pkgbuild.js';
import { parseSourceEntry } from './risk/url.js';
import { METADATA_NAME, normalize, type Side } from './classify-pkgbuild.js';
import type { ChangeClass, ChangeSink } from './classify-types.js';

const PB = { file: 'PKGBUILD' };
const at = (line: number | undefined) => (line === undefined ? PB : { ...PB, line });

function values(info: PkgbuildInfo, name: string): string[] | null {
  const words = arrayValue(info.parsed, name);
  return words === null ? null : words.map((w) => resolveVars(w.value, info.vars) ?? w.value);
}

function lineOf(info: PkgbuildInfo, name: string): number | undefined {
  return info.parsed.assignments.filter((a) => a.name === name).at(-1)?.line;
}

export interface ListChange {
  name: string;
  before: string[];
  after: string[];
  /** Values compared modulo the version: normalised old and new values. */
  normBefore: string[];
  normAfter: string[];
}

/** `+= a, b` / `-= c` of a list-valued field; `a → b` of a single value. Values equal modulo the version are not changes. */
export function describeList(c: ListChange, sink: ChangeSink, cls: ChangeClass, kind: string, where: { file?: string; line?: number }): void {
  const { name } = c;
  const added = c.after.filter((_v, i) => !c.normBefore.includes(c.normAfter[i]!));
  const removed = c.before.filter((_v, i) => !c.normAfter.includes(c.normBefore[i]!));
  const line = where.line;
  if (added.length === 0 && removed.length === 0) {
    if (c.normBefore.join('\u0000') !== c.normAfter.join('\u0000')) sink.add(cls, kind, `${name} reordered`, where);
    return;
  }
  if (c.before.length <= 1 && c.after.length <= 1 && added.length === 1 && removed.length === 1) {
    sink.add(cls, kind, `${name} ${snippet(removed[0]!, 60)} → ${snippet(added[0]!, 60)}`, where);
    return;
  }
  if (added.length > 0) sink.add(cls, kind, `${name} += ${added.map((v) => snippet(v, 60)).join(', ')}`, where);
  if (removed.length > 0)
    sink.add(cls, kind, `${name} -= ${removed.map((v) => snippet(v, 60)).join(', ')}`, line === undefined ? where : { file: where.file });
}

function isLocal(item: ArrayItem | undefined): boolean {
  return item !== undefined && parseSourceEntry(item.resolved ?? item.raw).scheme === null;
}

function diffSources(name: string, prev: Side, cand: Side, sink: ChangeSink): void {
  const a = expandedArray(prev.info, name)?.items ?? [];
  const b = expandedArray(cand.info, name)?.items ?? [];
  const template = (item: ArrayItem, side: Side) => normalize(item.resolved ?? item.raw, side.tokens);
  const show = (item: ArrayItem) => snippet(item.resolved ?? item.raw, 80);
  if (a.length === b.length) {
    b.forEach((item, i) => {
      const old = a[i]!;
      if ((old.resolved ?? old.raw) === (item.resolved ?? item.raw)) return;
      if (template(old, prev) === template(item, cand)) sink.add('routine', 'source', `${name}[${i}] URL unchanged modulo version`, at(item.line));
      else sink.add('sources-changed', 'source', `${name}[${i}] changed: ${show(old)} → ${show(item)}`, at(item.line));
    });
    return;
  }
  const remaining = a.map((item) => template(item, prev));
  for (const item of b) {
    const k = remaining.indexOf(template(item, cand));
    if (k >= 0) remaining.splice(k, 1);
    else sink.add('sources-changed', 'source', `${name} += ${show(item)}`, at(item.line));
  }
  const gone = a.filter((item) => remaining.includes(template(item, prev)));
  for (const item of gone) sink.add('sources-changed', 'source', `${name} -= ${show(item)}`, PB);
}

function diffChecksums(name: string, prev: Side, cand: Side, versionMoved: boolean, sink: ChangeSink): void {
  const suffix = CHECKSUM_ARRAY_NAME.exec(name)?.[2] ?? '';
  const a = expandedArray(prev.info, name)?.items;
  const b = expandedArray(cand.info, name)?.items;
  if (!a || !b) {
    sink.add('sources-changed', 'checksum', `${name} ${a ? 'removed' : 'added'}`, at(lineOf(cand.info, name)));
    return;
  }
  const sources = expandedArray(cand.info, `source${suffix}`)?.items ?? [];
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const old = a[i]?.raw.toLowerCase();
    const now = b[i]?.raw.toLowerCase();
    if (old === now) continue;
    const line = b[i]?.line ?? lineOf(cand.info, name);
    const label = `${name}[${i}]`;
    if (old === undefined || now === undefined)
      sink.add('sources-changed', 'checksum', `${label} ${old === undefined ? 'added' : 'removed'}`, at(line));
    else if (old === 'skip' || now === 'skip')
      sink.add('sources-changed', 'checksum', `${label} ${now === 'skip' ? 'changed to SKIP' : 'SKIP replaced by a checksum'}`, at(line));
    else if (isLocal(sources[i]) || versionMoved) sink.add('routine', 'checksum', `${label} changed`, at(line));
    else
      sink.add(
        'sources-changed',
        'checksum',
        `${label} changed while the download and the version stayed the same (upstream replaced the file)`,
        at(line),
      );
  }
}

/** Where a helper variable is used: only in sources/url, or also in code. */
function usedOnlyInSources(info: PkgbuildInfo, name: string): boolean {
  const ref = new RegExp(`\\$\\{?${name}\\b`);
  const inSources = info.parsed.assignments.some((a) => (SOURCE_ARRAY.test(a.name) || a.name === 'url') && a.words.some((w) => ref.test(w.value)));
  const lines = info.text.split('\n');
  const inCode = info.parsed.functions.some((f) => lines.slice(f.line - 1, f.endLine).some((l) => ref.test(l)));
  return inSources && !inCode;
}

/** Compares every top-level assignment of the two PKGBUILDs. */
export function diffAssignments(prev: Side, cand: Side, helpers: readonly string[], sink: ChangeSink): void {
  const pv = versionOf(prev.info);
  const cv = versionOf(cand.info);
  for (const field of ['epoch', 'pkgver', 'pkgrel'] as const) {
    if ((pv[field] ?? '') !== (cv[field] ?? ''))
      sink.add('routine', 'version', `${field} ${pv[field] ?? '(none)'} → ${cv[field] ?? '(none)'}`, at(lineOf(cand.info, field)));
  }
  const versionMoved = pv.pkgver !== cv.pkgver || (pv.epoch ?? '0') !== (cv.epoch ?? '0');
  const names = [...new Set([...assignedNames(prev.info.parsed), ...assignedNames(cand.info.parsed)])];
  for (const name of names) {
    if (name === 'pkgver' || name === 'pkgrel' || name === 'epoch') continue;
    if (SOURCE_ARRAY.test(name)) {
      diffSources(name, prev, cand, sink);
      continue;
    }
    if (CHECKSUM_ARRAY_NAME.test(name)) {
      diffChecksums(name, prev, cand, versionMoved, sink);
      continue;
    }
    const before = values(prev.info, name);
    const after = values(cand.info, name);
    const list: ListChange = {
      name,
      before: before ?? [],
      after: after ?? [],
      normBefore: (before ?? []).map((v) => normalize(v, prev.tokens)),
      normAfter: (after ?? []).map((v) => normalize(v, cand.tokens)),
    };
    const line = lineOf(cand.info, name);
    if (helpers.includes(name) && versionMoved) {
      sink.add('routine', 'version', `${name} ${before?.[0]} → ${after?.[0]}`, at(line));
      continue;
    }
    if (list.normBefore.join('\u0000') === list.normAfter.join('\u0000') && (before === null) === (after === null)) continue;
    if (METADATA_NAME.test(name)) describeList(list, sink, 'metadata-only', 'metadata', at(line));
    else if (name === 'install') {
      const [x, y] = [before?.[0] ?? '', after?.[0] ?? ''];
      if (x !== y)
        sink.add(
          'install-time-code-changed',
          'install',
          x === '' ? `install=${y} added` : y === '' ? `install=${x} removed` : `install=${x} → ${y}`,
          at(line),
        );
    } else if (name === 'validpgpkeys') describeList(list, sink, 'sources-changed', 'source', at(line));
    else {
      const cls: ChangeClass = usedOnlyInSources(cand.info, name) && usedOnlyInSources(prev.info, name) ? 'sources-changed' : 'build-logic-changed';
      describeList(list, sink, cls, name === 'pkgname' || name === 'pkgbase' ? 'packages' : 'variable', at(line));
    }
  }
}
