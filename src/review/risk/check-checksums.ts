/**
 * checksums: integrity checks that were weakened. A checksum array removed (without a replacement
 * for the same architecture), an entry turned to SKIP for a download that is neither a VCS
 * checkout nor a signature file, validpgpkeys removed or extended, and the checksum of an
 * unchanged source URL changing while pkgver stayed the same (a swapped upstream file).
 */

import { assignedNames } from './bash.js';
import { snippet } from './lines.js';
import { CHECKSUM_ARRAY_NAME, expandedArray, pkgbuildOf, versionOf, type ArrayItem, type PkgbuildInfo } from './pkgbuild.js';
import { PKGBUILD, type RiskFlag, type RiskInput } from './types.js';
import { locationFile, parseSourceEntry } from './url.js';

const WEAK_ALGORITHMS = new Set(['md5', 'sha1', 'ck']);

function checksumArrays(info: PkgbuildInfo): Array<{ name: string; algo: string; suffix: string }> {
  return assignedNames(info.parsed).flatMap((name) => {
    const m = CHECKSUM_ARRAY_NAME.exec(name);
    return m ? [{ name, algo: m[1]!, suffix: m[2] ?? '' }] : [];
  });
}

/** A download whose checksum matters: remote, not a VCS checkout, not a detached signature. */
export function needsChecksum(entry: string): boolean {
  const loc = parseSourceEntry(entry);
  return loc.scheme !== null && loc.vcs === null && !/\.(?:sig|asc|sign)$/i.test(locationFile(loc));
}

/** Pairs of (source item, checksum item) by position, for one checksum array. */
function pairs(info: PkgbuildInfo, name: string, suffix: string): Array<[ArrayItem, ArrayItem]> {
  const sources = expandedArray(info, `source${suffix}`);
  const sums = expandedArray(info, name);
  if (!sources || !sums || sources.opaque || sums.opaque) return [];
  return sums.items.flatMap((sum, i) => {
    const src = sources.items[i];
    return src ? [[src, sum] as [ArrayItem, ArrayItem]] : [];
  });
}

const entryOf = (item: ArrayItem) => item.resolved ?? item.raw;

function removedArrays(prev: PkgbuildInfo, cand: PkgbuildInfo): RiskFlag[] {
  const flags: RiskFlag[] = [];
  const current = checksumArrays(cand);
  for (const old of checksumArrays(prev)) {
    if (current.some((c) => c.name === old.name)) continue;
    const replacements = current.filter((c) => c.suffix === old.suffix);
    const weaker = !WEAK_ALGORITHMS.has(old.algo) && replacements.every((r) => WEAK_ALGORITHMS.has(r.algo));
    const first = replacements[0];
    if (!first) {
      // Moving to per-architecture arrays takes the downloads along: source_x86_64 is verified by
      // sha256sums_x86_64, and nothing that needs a checksum is left for the generic array.
      const downloads = (expandedArray(cand, `source${old.suffix}`)?.items ?? []).filter((i) => needsChecksum(entryOf(i)));
      if (downloads.length === 0) {
        const perArch = current.filter((c) => c.suffix !== '' && !WEAK_ALGORITHMS.has(c.algo)).map((c) => c.name);
        if (old.suffix === '' && perArch.length > 0) {
          const line = cand.parsed.assignments.find((a) => a.name === perArch[0])?.line;
          flags.push({
            check: 'checksums',
            severity: 'info',
            reason: `${old.name} was replaced by per-architecture arrays (${perArch.join(', ')}) together with the sources.`,
            file: PKGBUILD,
            ...(line === undefined ? {} : { line }),
          });
        }
        continue;
      }
      flags.push({
        check: 'checksums',
        severity: 'high',
        reason: `${old.name} was removed, so the downloads of source${old.suffix} are no longer verified.`,
        file: PKGBUILD,
      });
    } else {
      const line = cand.parsed.assignments.find((a) => a.name === first.name)?.line;
      flags.push({
        check: 'checksums',
        severity: weaker ? 'medium' : 'info',
        reason: `${old.name} was replaced by ${replacements.map((r) => r.name).join(', ')}${weaker ? ', a weaker algorithm' : ''}.`,
        file: PKGBUILD,
        ...(line === undefined ? {} : { line }),
      });
    }
  }
  return flags;
}

function pgpKeys(prev: PkgbuildInfo, cand: PkgbuildInfo): RiskFlag[] {
  const before = expandedArray(prev, 'validpgpkeys');
  const after = expandedArray(cand, 'validpgpkeys');
  if (!before) return [];
  if (!after) {
    return [
      {
        check: 'checksums',
        severity: 'high',
        reason: 'validpgpkeys was removed, so source signatures are no longer pinned to trusted keys.',
        file: PKGBUILD,
      },
    ];
  }
  const norm = (i: ArrayItem) => entryOf(i).replace(/\s+/g, '').toUpperCase();
  const known = new Set(before.items.map(norm));
  return after.items
    .filter((i) => !known.has(norm(i)))
    .map((i) => ({
      check: 'checksums',
      severity: 'medium' as const,
      reason: `validpgpkeys now also trusts key ${snippet(entryOf(i))}.`,
      file: PKGBUILD,
      line: i.line,
    }));
}

function skipped(prev: PkgbuildInfo | null, cand: PkgbuildInfo): RiskFlag[] {
  const key = (name: string, src: ArrayItem) => `${name}\0${src.raw}`;
  const knownSkips = new Set<string>();
  if (prev) {
    for (const arr of checksumArrays(prev)) {
      for (const [src, sum] of pairs(prev, arr.name, arr.suffix)) if (sum.raw === 'SKIP') knownSkips.add(key(arr.name, src));
    }
  }
  const flags: RiskFlag[] = [];
  for (const arr of checksumArrays(cand)) {
    for (const [src, sum] of pairs(cand, arr.name, arr.suffix)) {
      if (sum.raw !== 'SKIP' || !needsChecksum(entryOf(src)) || knownSkips.has(key(arr.name, src))) continue;
      flags.push({
        check: 'checksums',
        severity: 'high',
        reason: `${arr.name} has SKIP for the non-VCS download ${snippet(entryOf(src))}, so it is not verified.`,
        file: PKGBUILD,
        line: sum.line,
      });
    }
  }
  return flags;
}

function changedWithoutVersion(prev: PkgbuildInfo, cand: PkgbuildInfo): RiskFlag[] {
  const pv = versionOf(prev);
  const cv = versionOf(cand);
  if (pv.pkgver === null || pv.pkgver !== cv.pkgver || (pv.epoch ?? '0') !== (cv.epoch ?? '0')) return [];
  const flags: RiskFlag[] = [];
  for (const arr of checksumArrays(cand)) {
    const before = new Map(pairs(prev, arr.name, arr.suffix).map(([src, sum]) => [entryOf(src), sum.raw.toLowerCase()]));
    for (const [src, sum] of pairs(cand, arr.name, arr.suffix)) {
      const old = before.get(entryOf(src));
      if (old === undefined || old === 'skip' || sum.raw === 'SKIP' || old === sum.raw.toLowerCase()) continue;
      if (!needsChecksum(entryOf(src))) continue; // local files and VCS checkouts change legitimately
      flags.push({
        check: 'checksums',
        severity: 'medium',
        reason: `The ${arr.name} entry of ${snippet(entryOf(src))} changed although pkgver stayed ${cv.pkgver}, so the upstream file was replaced.`,
        file: PKGBUILD,
        line: sum.line,
      });
    }
  }
  return flags;
}

export function checkChecksums(input: RiskInput): RiskFlag[] {
  const cand = pkgbuildOf(input.candidate);
  if (!cand) return [];
  const prev = pkgbuildOf(input.previous);
  return [
    ...(prev ? removedArrays(prev, cand) : []),
    ...(prev ? pgpKeys(prev, cand) : []),
    ...skipped(prev, cand),
    ...(prev ? changedWithoutVersion(prev, cand) : []),
  ];
}
