/**
 * The .SRCINFO of a revision through the project's parser (src/srcinfo/parse.ts), with value lines,
 * memoised per revision. An unreadable .SRCINFO is a result, not an exception: the checks report it.
 */

import { parseSrcinfoLocated, SrcinfoSyntaxError, type LocatedSrcinfo } from '../../srcinfo/parse.js';
import { SRCINFO, fileText, type RevisionFiles } from './types.js';

export type SrcinfoRead = { ok: true; located: LocatedSrcinfo } | { ok: false; error: SrcinfoSyntaxError };

const cache = new WeakMap<RevisionFiles, SrcinfoRead | null>();

/** The parsed .SRCINFO, an error when it cannot be parsed, or null when the revision has none. */
export function srcinfoOf(rev: RevisionFiles | null): SrcinfoRead | null {
  if (!rev) return null;
  if (cache.has(rev)) return cache.get(rev)!;
  const text = fileText(rev, SRCINFO);
  let result: SrcinfoRead | null = null;
  if (text !== null) {
    try {
      result = { ok: true, located: parseSrcinfoLocated(text) };
    } catch (error) {
      if (!(error instanceof SrcinfoSyntaxError)) throw error;
      result = { ok: false, error };
    }
  }
  cache.set(rev, result);
  return result;
}

export interface LocatedValue {
  value: string;
  line: number;
}

/** Values of `key` in the pkgbase section, with their lines. */
export function baseValues(s: LocatedSrcinfo, key: string): LocatedValue[] {
  const values = s.info.base[key] ?? [];
  const lines = s.baseLines[key] ?? [];
  return values.map((value, i) => ({ value, line: lines[i] ?? 0 }));
}

/** Keys set in the pkgbase section. */
export function baseKeys(s: LocatedSrcinfo): string[] {
  return Object.keys(s.info.base);
}
