/**
 * srcinfo-mismatch (high): .SRCINFO (what the AUR web interface, RPC and AUR helpers show) must
 * describe the PKGBUILD that actually gets built. Compares pkgver/pkgrel/epoch and the entries of
 * every source array, using only values that resolve statically (simple top-level variables);
 * unresolvable PKGBUILD values are skipped. A missing PKGBUILD or .SRCINFO is a mismatch too.
 * Mismatches already present in the previous revision are not repeated.
 */

import { scalarValue } from './bash.js';
import { snippet } from './lines.js';
import { SOURCE_ARRAY, expandedArray, pkgbuildOf, type PkgbuildInfo } from './pkgbuild.js';
import { resolveVars } from './expand.js';
import type { LocatedSrcinfo } from '../../srcinfo/parse.js';
import { baseKeys, baseValues, srcinfoOf } from './srcinfo-of.js';
import { PKGBUILD, SRCINFO, type RevisionFiles, type RiskFlag, type RiskInput } from './types.js';

export interface Mismatch {
  /** Identity compared across revisions. */
  key: string;
  reason: string;
  file: string;
  line?: number;
}

function versionMismatches(info: PkgbuildInfo, si: LocatedSrcinfo): Mismatch[] {
  const out: Mismatch[] = [];
  for (const field of ['pkgver', 'pkgrel', 'epoch'] as const) {
    const word = scalarValue(info.parsed, field);
    const resolved = word === null ? null : resolveVars(word.value, info.vars);
    if (word !== null && resolved === null) continue; // computed value: cannot compare statically
    const entry = baseValues(si, field).at(-1);
    const dflt = field === 'epoch' ? '0' : 'nothing';
    const inPkgbuild = resolved === null || resolved === '' ? dflt : resolved;
    const inSrcinfo = entry?.value || dflt;
    if (inPkgbuild === inSrcinfo) continue;
    const line = entry?.line;
    out.push({
      key: `${field}:${inPkgbuild}:${inSrcinfo}`,
      reason: `.SRCINFO has ${field} ${inSrcinfo} but PKGBUILD has ${inPkgbuild}.`,
      ...(line === undefined ? { file: PKGBUILD, ...(word ? { line: word.line } : {}) } : { file: SRCINFO, line }),
    });
  }
  return out;
}

function sourceMismatches(info: PkgbuildInfo, si: LocatedSrcinfo): Mismatch[] {
  const out: Mismatch[] = [];
  const names = new Set<string>([...info.parsed.assignments.map((a) => a.name), ...baseKeys(si)]);
  for (const name of [...names].filter((n) => SOURCE_ARRAY.test(n)).sort()) {
    const arr = expandedArray(info, name);
    const items = arr?.items ?? [];
    const listed = baseValues(si, name);
    const remaining = [...listed];
    for (const item of items) {
      if (item.resolved === null) continue;
      const at = remaining.findIndex((e) => e.value === item.resolved);
      if (at >= 0) {
        remaining.splice(at, 1);
        continue;
      }
      out.push({
        key: `${name}:+${item.resolved}`,
        reason: `PKGBUILD ${name} has ${snippet(item.resolved)}, which .SRCINFO does not list.`,
        file: PKGBUILD,
        line: item.line,
      });
    }
    // Extra .SRCINFO entries can only be judged when every PKGBUILD entry resolved.
    if (arr?.opaque || items.some((i) => i.resolved === null)) continue;
    for (const e of remaining) {
      out.push({
        key: `${name}:-${e.value}`,
        reason: `.SRCINFO lists ${name} ${snippet(e.value)}, which PKGBUILD does not have.`,
        file: SRCINFO,
        line: e.line,
      });
    }
  }
  return out;
}

/** Where PKGBUILD and .SRCINFO of a revision disagree (also a missing or unreadable file). */
export function srcinfoMismatches(rev: RevisionFiles | null): Mismatch[] {
  if (!rev) return [];
  const info = pkgbuildOf(rev);
  if (!info) return [{ key: 'no-pkgbuild', reason: 'The revision has no PKGBUILD.', file: PKGBUILD }];
  const si = srcinfoOf(rev);
  if (si === null)
    return [{ key: 'no-srcinfo', reason: '.SRCINFO is missing, so the AUR metadata cannot be checked against PKGBUILD.', file: SRCINFO }];
  if (!si.ok) {
    const line = si.error.line > 0 ? { line: si.error.line } : {};
    return [{ key: 'unreadable-srcinfo', reason: `.SRCINFO cannot be read (${si.error.message}).`, file: SRCINFO, ...line }];
  }
  return [...versionMismatches(info, si.located), ...sourceMismatches(info, si.located)];
}

export function checkSrcinfoMismatch(input: RiskInput): RiskFlag[] {
  const known = new Set(srcinfoMismatches(input.previous).map((m) => m.key));
  return (
    srcinfoMismatches(input.candidate)
      // A missing file is always reported; the AUR itself rejects pushes without .SRCINFO.
      .filter((m) => m.key.startsWith('no-') || !known.has(m.key))
      .map(({ key: _key, ...m }) => ({ check: 'srcinfo-mismatch', severity: 'high' as const, ...m }))
  );
}
