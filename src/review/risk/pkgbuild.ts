/**
 * PKGBUILD-level facts shared by several checks: the parsed top level of a revision's PKGBUILD,
 * its source entries (brace-expanded, variables resolved where possible) and its version.
 */

import { arrayValue, assignedNames, parseBash, scalarValue, type ParsedBash } from './bash.js';
import { expandBraces, resolveVars, variablesOf, type Vars } from './expand.js';
import { PKGBUILD, fileText, type RevisionFiles } from './types.js';

export interface PkgbuildInfo {
  text: string;
  parsed: ParsedBash;
  vars: Vars;
}

const cache = new WeakMap<RevisionFiles, PkgbuildInfo | null>();

/** The parsed PKGBUILD of a revision, or null when the revision or its PKGBUILD is absent. */
export function pkgbuildOf(rev: RevisionFiles | null): PkgbuildInfo | null {
  if (!rev) return null;
  if (cache.has(rev)) return cache.get(rev)!;
  const text = fileText(rev, PKGBUILD);
  const info =
    text === null
      ? null
      : (() => {
          const parsed = parseBash(text);
          return { text, parsed, vars: variablesOf(parsed) };
        })();
  cache.set(rev, info);
  return info;
}

/** `source`, `source_x86_64`, ... */
export const SOURCE_ARRAY = /^source(_\w+)?$/;
/** `sha256sums`, `b2sums_aarch64`, ...; group 1 is the algorithm, group 2 the architecture suffix. */
export const CHECKSUM_ARRAY_NAME = /^(md5|sha1|sha224|sha256|sha384|sha512|b2|ck)sums(_\w+)?$/;

export interface ArrayItem {
  /** Array name, e.g. `source_x86_64`. */
  array: string;
  /** Position after brace expansion (what makepkg pairs checksums with). */
  index: number;
  /** The entry as written (quotes removed, `$var` kept, braces expanded). */
  raw: string;
  /** `raw` with variables substituted, or null when that needs running code. */
  resolved: string | null;
  line: number;
}

export interface ExpandedArray {
  items: ArrayItem[];
  /** True when an entry is an array expansion (`"${_srcs[@]}"`) so positions cannot be known. */
  opaque: boolean;
}

/** A top-level array of the PKGBUILD, brace-expanded, with variables resolved where possible. */
export function expandedArray(info: PkgbuildInfo, name: string): ExpandedArray | null {
  const words = arrayValue(info.parsed, name);
  if (words === null) return null;
  const items: ArrayItem[] = [];
  let opaque = false;
  for (const w of words) {
    if (/\$\{?\w+\[[@*]\]/.test(w.value)) opaque = true;
    for (const raw of expandBraces(w.value)) {
      items.push({ array: name, index: items.length, raw, resolved: resolveVars(raw, info.vars), line: w.line });
    }
  }
  return { items, opaque };
}

/** Every `source*` array of the PKGBUILD, by name. */
export function sourceArrays(info: PkgbuildInfo): Map<string, ExpandedArray> {
  const out = new Map<string, ExpandedArray>();
  for (const name of assignedNames(info.parsed)) {
    if (!SOURCE_ARRAY.test(name)) continue;
    const arr = expandedArray(info, name);
    if (arr) out.set(name, arr);
  }
  return out;
}

export interface VersionInfo {
  pkgver: string | null;
  pkgrel: string | null;
  epoch: string | null;
}

/** pkgver/pkgrel/epoch as resolved values (or as written when they reference unknown variables). */
export function versionOf(info: PkgbuildInfo): VersionInfo {
  const get = (name: string) => {
    const w = scalarValue(info.parsed, name);
    return w === null ? null : (resolveVars(w.value, info.vars) ?? w.value);
  };
  return { pkgver: get('pkgver'), pkgrel: get('pkgrel'), epoch: get('epoch') };
}

/** `[epoch:]pkgver-pkgrel` for reason sentences. */
export function formatVersion(v: VersionInfo): string {
  const epoch = v.epoch && v.epoch !== '0' ? `${v.epoch}:` : '';
  return `${epoch}${v.pkgver ?? '?'}-${v.pkgrel ?? '?'}`;
}
