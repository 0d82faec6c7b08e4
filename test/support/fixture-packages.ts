import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UpstreamMeta } from './upstream.js';

/**
 * Package files for tests. makePackage generates a PKGBUILD and the .SRCINFO that
 * `makepkg --printsrcinfo` prints for it, so tests can mint any number of consistent packages;
 * the hand-written fixtures under test/fixtures/packages cover shapes worth reading as files
 * (split package, arch-specific depends, epoch).
 */
export interface PackageSpec {
  pkgbase: string;
  /** Defaults to `[pkgbase]`; more than one makes a split package with `package_<name>()` functions. */
  pkgnames?: string[];
  pkgver?: string;
  pkgrel?: string;
  /** Omitted from both files when undefined. */
  epoch?: string;
  pkgdesc?: string;
  url?: string;
  depends?: string[];
  makedepends?: string[];
  checkdepends?: string[];
  provides?: string[];
  /** Defaults to `['any']`. */
  arch?: string[];
  /** Appended to the PKGBUILD verbatim; must not set variables that .SRCINFO reports (comments, helpers). */
  extraPkgbuild?: string;
  /** More files committed next to PKGBUILD (paths relative to the repo root). */
  extraFiles?: Record<string, string>;
  /** `source=` entries and their `sha256sums=` (same length; `SKIP` allowed), in both files. */
  sources?: { source: string[]; sha256sums: string[] };
}

export function makePackage(spec: PackageSpec): Record<string, string> {
  const full = withDefaults(spec);
  return { ...spec.extraFiles, PKGBUILD: pkgbuildOf(full, spec.extraPkgbuild), '.SRCINFO': srcinfoOf(full) };
}

type FullSpec = Required<Omit<PackageSpec, 'epoch' | 'extraPkgbuild' | 'extraFiles' | 'sources'>> & {
  epoch?: string;
  sources?: PackageSpec['sources'];
};

function withDefaults(spec: PackageSpec): FullSpec {
  return {
    pkgbase: spec.pkgbase,
    pkgnames: spec.pkgnames ?? [spec.pkgbase],
    pkgver: spec.pkgver ?? '1.0.0',
    pkgrel: spec.pkgrel ?? '1',
    ...(spec.epoch === undefined ? {} : { epoch: spec.epoch }),
    pkgdesc: spec.pkgdesc ?? `Test package ${spec.pkgbase}`,
    url: spec.url ?? `https://example.org/${spec.pkgbase}`,
    depends: spec.depends ?? [],
    makedepends: spec.makedepends ?? [],
    checkdepends: spec.checkdepends ?? [],
    provides: spec.provides ?? [],
    arch: spec.arch ?? ['any'],
    ...(spec.sources === undefined ? {} : { sources: spec.sources }),
  };
}

/** Single quotes keep every value literal for bash; an embedded quote becomes `'\''`. */
function quote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

function array(values: string[]): string {
  return `(${values.map(quote).join(' ')})`;
}

function pkgbuildOf(spec: FullSpec, extra: string | undefined): string {
  const split = spec.pkgnames.length > 1 || spec.pkgnames[0] !== spec.pkgbase;
  const lines = [
    '# Maintainer: Test Packager <packager@example.org>',
    ...(split ? [`pkgbase=${spec.pkgbase}`, `pkgname=${array(spec.pkgnames)}`] : [`pkgname=${spec.pkgbase}`]),
    `pkgver=${spec.pkgver}`,
    `pkgrel=${spec.pkgrel}`,
    ...(spec.epoch === undefined ? [] : [`epoch=${spec.epoch}`]),
    `pkgdesc=${quote(spec.pkgdesc)}`,
    `arch=${array(spec.arch)}`,
    `url=${quote(spec.url)}`,
    "license=('MIT')",
    ...(spec.depends.length > 0 ? [`depends=${array(spec.depends)}`] : []),
    ...(spec.makedepends.length > 0 ? [`makedepends=${array(spec.makedepends)}`] : []),
    ...(spec.checkdepends.length > 0 ? [`checkdepends=${array(spec.checkdepends)}`] : []),
    ...(spec.provides.length > 0 ? [`provides=${array(spec.provides)}`] : []),
    ...(spec.sources ? [`source=${array(spec.sources.source)}`, `sha256sums=${array(spec.sources.sha256sums)}`] : []),
    '',
  ];
  // makepkg sets $pkgname to the package being built inside each package function.
  const body = [
    '  install -d "$pkgdir/usr/share/$pkgname"',
    '  printf \'hello from %s %s\\n\' "$pkgname" "$pkgver" > "$pkgdir/usr/share/$pkgname/hello.txt"',
  ];
  const functions = split ? spec.pkgnames.flatMap((name) => [`package_${name}() {`, ...body, '}', '']) : ['package() {', ...body, '}', ''];
  return [...lines, ...functions, ...(extra === undefined ? [] : [extra, ''])].join('\n');
}

/** makepkg collapses whitespace runs to one space and trims each value (srcinfo_write_attr). */
function attr(key: string, values: string[]): string[] {
  return values.map((value) => `\t${key} = ${value.replace(/\s+/g, ' ').trim()}`);
}

/** Key order follows makepkg's srcinfo_write_global: scalars, then arrays in schema order. */
function srcinfoOf(spec: FullSpec): string {
  const lines = [
    `pkgbase = ${spec.pkgbase}`,
    ...attr('pkgdesc', [spec.pkgdesc]),
    ...attr('pkgver', [spec.pkgver]),
    ...attr('pkgrel', [spec.pkgrel]),
    ...attr('epoch', spec.epoch === undefined ? [] : [spec.epoch]),
    ...attr('url', [spec.url]),
    ...attr('arch', spec.arch),
    ...attr('license', ['MIT']),
    ...attr('checkdepends', spec.checkdepends),
    ...attr('makedepends', spec.makedepends),
    ...attr('depends', spec.depends),
    ...attr('provides', spec.provides),
    ...attr('source', spec.sources?.source ?? []),
    ...attr('sha256sums', spec.sources?.sha256sums ?? []),
  ];
  for (const name of spec.pkgnames) lines.push('', `pkgname = ${name}`);
  return `${lines.join('\n')}\n`;
}

const FIXTURES = fileURLToPath(new URL('../fixtures/packages/', import.meta.url));

/** Names of the hand-written fixtures (directories under test/fixtures/packages). */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** The repository files of a fixture (every file but meta.json), keyed by path relative to its dir. */
export function loadFixture(name: string): Record<string, string> {
  const dir = join(FIXTURES, name);
  const files: Record<string, string> = {};
  for (const path of walk(dir)) {
    const key = relative(dir, path).split('\\').join('/');
    if (key !== 'meta.json') files[key] = readFileSync(path, 'utf8');
  }
  return files;
}

/** The fixture's pkgbase metadata (meta.json), as accepted by TestUpstream.addPackage. */
export function loadFixtureMeta(name: string): Partial<UpstreamMeta> {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'meta.json'), 'utf8')) as Partial<UpstreamMeta>;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}
