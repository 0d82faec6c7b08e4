/**
 * A minimal .SRCINFO reader for the risk checks (line numbers included). .SRCINFO is
 * `key = value` lines; `pkgbase = x` opens the base section, `pkgname = y` a package section.
 */

import { splitLines } from './lines.js';

export interface SrcinfoEntry {
  key: string;
  value: string;
  /** 1-based line in .SRCINFO. */
  line: number;
}

export interface ParsedSrcinfo {
  /** Entries of the pkgbase section (including the `pkgbase` line itself). */
  base: SrcinfoEntry[];
  packages: Array<{ name: string; entries: SrcinfoEntry[] }>;
}

export function parseSrcinfo(text: string): ParsedSrcinfo {
  const result: ParsedSrcinfo = { base: [], packages: [] };
  let section: SrcinfoEntry[] = result.base;
  splitLines(text).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^([^=\s]+)\s*=\s?(.*)$/.exec(trimmed);
    if (!m) return;
    const entry = { key: m[1]!, value: m[2]!.trim(), line: i + 1 };
    if (entry.key === 'pkgname') {
      section = [];
      result.packages.push({ name: entry.value, entries: section });
    }
    section.push(entry);
  });
  return result;
}

/** Values of `key` in the base section. */
export function baseValues(s: ParsedSrcinfo, key: string): SrcinfoEntry[] {
  return s.base.filter((e) => e.key === key);
}
