/**
 * The .SRCINFO half of revision classification: the resolved arrays per architecture of the
 * pkgbase and of every split package, compared modulo the version. Differences the PKGBUILD view
 * already described in the same words are dropped by the sink.
 */

import type { LocatedSrcinfo } from '../srcinfo/parse.js';
import { describeList } from './classify-arrays.js';
import { METADATA_NAME } from './classify-pkgbuild.js';
import type { ChangeClass, ChangeSink } from './classify-types.js';
import { CHECKSUM_ARRAY_NAME, SOURCE_ARRAY } from './risk/pkgbuild.js';
import { srcinfoOf } from './risk/srcinfo-of.js';
import { SRCINFO, type RevisionFiles } from './risk/types.js';

export type Normalizer = (value: string, side: 'prev' | 'cand') => string;

const SKIPPED = new Set(['pkgver', 'pkgrel', 'epoch', 'pkgbase', 'pkgname']);

function classOf(key: string): ChangeClass {
  if (METADATA_NAME.test(key)) return 'metadata-only';
  if (key === 'install') return 'install-time-code-changed';
  if (SOURCE_ARRAY.test(key) || key === 'validpgpkeys') return 'sources-changed';
  return 'build-logic-changed';
}

function diffFields(
  a: Record<string, string[]>,
  b: Record<string, string[]>,
  lines: Record<string, number[]>,
  label: (key: string) => string,
  norm: Normalizer,
  sink: ChangeSink,
): void {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (SKIPPED.has(key) || CHECKSUM_ARRAY_NAME.test(key)) continue;
    // Already described position by position from the PKGBUILD.
    if (SOURCE_ARRAY.test(key) && sink.changes.some((c) => c.kind === 'source' && c.text.startsWith(`${key}[`))) continue;
    const before = a[key] ?? [];
    const after = b[key] ?? [];
    const normBefore = before.map((v) => norm(v, 'prev'));
    const normAfter = after.map((v) => norm(v, 'cand'));
    if (normBefore.join('\u0000') === normAfter.join('\u0000')) continue;
    const line = lines[key]?.[0];
    describeList({ name: label(key), before, after, normBefore, normAfter }, sink, classOf(key), 'srcinfo', {
      file: SRCINFO,
      ...(line ? { line } : {}),
    });
  }
}

/** Compares the .SRCINFO files of two revisions (a file that disappears or stops parsing is a change too). */
export function diffSrcinfo(prev: RevisionFiles, cand: RevisionFiles, norm: Normalizer, sink: ChangeSink): void {
  const a = srcinfoOf(prev);
  const b = srcinfoOf(cand);
  if (b === null || !b.ok) {
    if (a?.ok) sink.add('build-logic-changed', 'srcinfo', b === null ? '.SRCINFO removed' : `.SRCINFO no longer parses (${b.error.message})`);
    return;
  }
  if (a === null || !a.ok) return; // nothing to compare with; srcinfo-mismatch keys cover the candidate
  const x: LocatedSrcinfo = a.located;
  const y: LocatedSrcinfo = b.located;
  diffFields(x.info.base, y.info.base, y.baseLines, (k) => k, norm, sink);
  const names = new Set([...x.info.packages.map((p) => p.pkgname), ...y.info.packages.map((p) => p.pkgname)]);
  if (names.size <= 1 && x.info.packages.length === 1 && y.info.packages.length === 1 && x.info.pkgbase === y.info.pkgbase) {
    diffFields(x.info.packages[0]!.fields, y.info.packages[0]!.fields, y.packageLines[0]!, (k) => k, norm, sink);
    return;
  }
  for (const name of names) {
    const i = x.info.packages.findIndex((p) => p.pkgname === name);
    const j = y.info.packages.findIndex((p) => p.pkgname === name);
    if (i < 0 || j < 0) {
      sink.add('build-logic-changed', 'packages', `split package ${name} ${i < 0 ? 'added' : 'removed'}`, { file: SRCINFO });
      continue;
    }
    diffFields(x.info.packages[i]!.fields, y.info.packages[j]!.fields, y.packageLines[j]!, (k) => `${k} (${name})`, norm, sink);
  }
}
