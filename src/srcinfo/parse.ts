import { InvalidInput, NotFound, type ErrorContext } from '../errors.js';
import { isValidPackageName } from './names.js';
import type { Srcinfo, SrcinfoFields, SrcinfoSection } from './types.js';

/** A .SRCINFO that cannot be read. `line` is 1-based; 0 means the problem belongs to no single line. */
export class SrcinfoSyntaxError extends InvalidInput {
  readonly line: number;

  constructor(line: number, problem: string, context: ErrorContext = {}) {
    super(line > 0 ? `.SRCINFO line ${line}: ${problem}` : `.SRCINFO: ${problem}`, context);
    this.line = line;
  }
}

/** Real .SRCINFO files are a few KiB; the cap bounds the work an untrusted upstream can cause. */
export const MAX_SRCINFO_BYTES = 1024 * 1024;

const KEY = /^[a-z0-9_]+$/i;

/**
 * Keys a pkgname section may override (makepkg's `pkgbuild_schema_package_overrides`, which aurweb
 * honours). Anything else set in a pkgname section, such as makedepends, stays the pkgbase's.
 */
const OVERRIDABLE = new Set([
  'pkgdesc',
  'url',
  'license',
  'groups',
  'depends',
  'optdepends',
  'provides',
  'conflicts',
  'replaces',
  'arch',
  'install',
  'changelog',
  'backup',
  'options',
]);

interface Entry {
  key: string;
  value: string;
  line: number;
}

export function parseSrcinfo(text: string): Srcinfo {
  return parseSrcinfoLocated(text).info;
}

/** 1-based line numbers of the values of SrcinfoFields, key by key, in the same order. */
export type SrcinfoLines = Record<string, number[]>;

export interface LocatedSrcinfo {
  info: Srcinfo;
  /** Lines of the pkgbase section's values, and of the `pkgbase =` line under the key `pkgbase`. */
  baseLines: SrcinfoLines;
  /** Per pkgname section (same order as info.packages), the lines of its values and of `pkgname =`. */
  packageLines: SrcinfoLines[];
}

/** parseSrcinfo, also telling the line of every value (for pointing a reviewer at it). */
export function parseSrcinfoLocated(text: string): LocatedSrcinfo {
  checkWholeInput(text);
  const builder = new SrcinfoBuilder();
  text.split('\n').forEach((raw, index) => {
    const entry = parseLine(raw, index + 1);
    if (entry !== undefined) builder.add(entry);
  });
  return builder.finishLocated();
}

function checkWholeInput(text: string): void {
  // String length never exceeds the UTF-8 byte length, so the cheap test settles most inputs.
  if (text.length > MAX_SRCINFO_BYTES || Buffer.byteLength(text, 'utf8') > MAX_SRCINFO_BYTES) {
    throw new SrcinfoSyntaxError(0, `larger than ${MAX_SRCINFO_BYTES} bytes`);
  }
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    throw new SrcinfoSyntaxError(lineOfOffset(text, nul), 'contains a NUL byte');
  }
  if (text.trim() === '') throw new SrcinfoSyntaxError(0, 'empty');
}

function lineOfOffset(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Returns undefined for blank and comment lines. trim() also drops the `\r` of CRLF and a BOM. */
function parseLine(raw: string, line: number): Entry | undefined {
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  const equals = trimmed.indexOf('=');
  if (equals === -1) {
    throw new SrcinfoSyntaxError(line, `expected "key = value", got ${shown(trimmed)}`);
  }
  const key = trimmed.slice(0, equals).trim();
  if (!KEY.test(key)) throw new SrcinfoSyntaxError(line, `invalid key ${shown(key)}`);
  return { key, value: trimmed.slice(equals + 1).trim(), line };
}

function shown(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** Null-prototype records, so keys such as `__proto__` or `constructor` are plain data. */
function emptyFields(): SrcinfoFields {
  return Object.create(null) as SrcinfoFields;
}

function emptyLines(): SrcinfoLines {
  return Object.create(null) as SrcinfoLines;
}

class SrcinfoBuilder {
  private pkgbase: string | undefined;
  private pkgbaseLine = 0;
  private readonly base = emptyFields();
  private readonly packages: SrcinfoSection[] = [];
  private readonly baseLines: SrcinfoLines = emptyLines();
  private readonly packageLines: SrcinfoLines[] = [];

  add(entry: Entry): void {
    if (entry.key === 'pkgbase') return this.startBase(entry);
    if (this.pkgbase === undefined) {
      throw new SrcinfoSyntaxError(entry.line, `expected "pkgbase = …" first, got key ${shown(entry.key)}`);
    }
    if (entry.key === 'pkgname') return this.startPackage(entry);
    const section = this.packages.at(-1);
    if (section === undefined) addBaseValue(this.base, entry, this.baseLines);
    else addPackageValue(section.fields, entry, this.packageLines.at(-1)!);
  }

  finishLocated(): LocatedSrcinfo {
    return { info: this.finish(), baseLines: this.baseLines, packageLines: this.packageLines };
  }

  finish(): Srcinfo {
    if (this.pkgbase === undefined) throw new SrcinfoSyntaxError(0, 'no pkgbase');
    if (this.packages.length === 0) {
      throw new SrcinfoSyntaxError(this.pkgbaseLine, `pkgbase ${shown(this.pkgbase)} has no pkgname section`, {
        pkgbase: this.pkgbase,
      });
    }
    return { pkgbase: this.pkgbase, base: this.base, packages: this.packages };
  }

  private startBase({ value, line }: Entry): void {
    if (this.pkgbase !== undefined) {
      throw new SrcinfoSyntaxError(line, `second pkgbase (the first is on line ${this.pkgbaseLine})`);
    }
    requireName(value, 'pkgbase', line);
    this.pkgbase = value;
    this.pkgbaseLine = line;
    this.baseLines.pkgbase = [line];
  }

  private startPackage({ value, line }: Entry): void {
    requireName(value, 'pkgname', line);
    if (this.packages.some((section) => section.pkgname === value)) {
      throw new SrcinfoSyntaxError(line, `duplicate pkgname section ${shown(value)}`, { pkgname: value });
    }
    this.packages.push({ pkgname: value, fields: emptyFields() });
    const lines = emptyLines();
    lines.pkgname = [line];
    this.packageLines.push(lines);
  }
}

function requireName(value: string, what: 'pkgbase' | 'pkgname', line: number): void {
  if (!isValidPackageName(value)) {
    throw new SrcinfoSyntaxError(line, `invalid ${what} ${shown(value)}: must match [a-z0-9][a-z0-9.+_-]*`);
  }
}

/** The pkgbase has nothing to clear, so `key =` there carries no information. */
function addBaseValue(fields: SrcinfoFields, { key, value, line }: Entry, lines: SrcinfoLines): void {
  if (value === '') return;
  (fields[key] ??= []).push(value);
  (lines[key] ??= []).push(line);
}

/** In a pkgname section `key =` (makepkg's `depends=()`) records the key with no values: cleared. */
function addPackageValue(fields: SrcinfoFields, { key, value, line }: Entry, lines: SrcinfoLines): void {
  const values = (fields[key] ??= []);
  const valueLines = (lines[key] ??= []);
  if (value !== '') {
    values.push(value);
    valueLines.push(line);
  }
}

/**
 * What makepkg and aurweb see for one pkgname: the pkgbase's values, with each overridable key the
 * section sets replacing the base value as a whole. An arch-specific key is a key of its own, so
 * `depends_x86_64` replaces only the base `depends_x86_64`. Cleared keys are absent from the result.
 */
export function mergedFields(info: Srcinfo, pkgname: string): SrcinfoFields {
  const section = info.packages.find((candidate) => candidate.pkgname === pkgname);
  if (section === undefined) {
    throw new NotFound(`pkgname ${shown(pkgname)} is not in .SRCINFO of ${info.pkgbase}`, {
      pkgbase: info.pkgbase,
      pkgname,
    });
  }
  const merged = emptyFields();
  for (const [key, values] of Object.entries(info.base)) merged[key] = [...values];
  for (const [key, values] of Object.entries(section.fields)) {
    if (!isOverridable(key)) continue;
    if (values.length === 0) delete merged[key];
    else merged[key] = [...values];
  }
  return merged;
}

function isOverridable(key: string): boolean {
  const [stem = key] = key.split('_', 1);
  return OVERRIDABLE.has(stem);
}

/** The last value of a single-valued key: repeated scalars overwrite, as in aurweb's parser. */
export function scalarField(fields: SrcinfoFields, key: string): string | undefined {
  return fields[key]?.at(-1);
}

/** `[epoch:]pkgver-pkgrel` of the pkgbase; aurweb prints the epoch only when it is above zero. */
export function fullVersion(info: Srcinfo): string {
  const pkgver = scalarField(info.base, 'pkgver');
  const pkgrel = scalarField(info.base, 'pkgrel');
  const context = { pkgbase: info.pkgbase };
  if (pkgver === undefined) throw new SrcinfoSyntaxError(0, 'missing pkgver', context);
  if (pkgrel === undefined) throw new SrcinfoSyntaxError(0, 'missing pkgrel', context);
  const epoch = scalarField(info.base, 'epoch');
  if (epoch === undefined) return `${pkgver}-${pkgrel}`;
  if (!/^[0-9]+$/.test(epoch)) throw new SrcinfoSyntaxError(0, `invalid epoch ${shown(epoch)}`, context);
  // aurweb formats int(epoch), so "01" prints as "1" and "00" counts as zero.
  const number = BigInt(epoch);
  return number > 0n ? `${number}:${pkgver}-${pkgrel}` : `${pkgver}-${pkgrel}`;
}
