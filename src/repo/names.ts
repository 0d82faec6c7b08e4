import { InvalidInput } from '../errors.js';
import { isValidPackageName } from '../srcinfo/names.js';

/**
 * The names the pacman repository puts into paths and URLs: repository names, architectures and file
 * names. Each is checked here before it reaches the file system, repo-add or a route.
 */

/** A repository name is a pacman.conf section and a file name prefix (`<name>.db`). */
const REPO_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** An architecture as makepkg writes it (`x86_64`, `aarch64`, `armv7h`, `any`). */
const ARCH = /^[a-z0-9_]{1,32}$/;
/**
 * One path segment of a served URL: no separator, no `..`, no leading dot (the repository's own
 * work files start with one). `:` and `~` are allowed because makepkg names packages with an epoch
 * so (`foo-1:2.0-1-x86_64.pkg.tar.zst`, as the Arch mirrors serve them) and pkgvers such as `1.0~rc1`
 * exist; both are harmless in a path and in a URL.
 */
const SEGMENT = /^[A-Za-z0-9@_+:~-][A-Za-z0-9@._+:~-]{0,254}$/;
/**
 * pkgver-pkgrel with an optional epoch, as makepkg writes it into .PKGINFO and the file name. makepkg
 * allows any ASCII but whitespace, `/`, `:` and `-` in a pkgver; this takes the characters a URL
 * segment above may hold, which is what real pkgvers use.
 */
const FULL_VERSION = /^(?:[0-9]{1,10}:)?[A-Za-z0-9._+~]{1,128}-[0-9]{1,10}(?:\.[0-9]{1,10})?$/;
const EXTENSIONS = ['zst', 'xz', 'gz'] as const;
/** `<pkgname>-<pkgver>-<pkgrel>-<arch>.pkg.tar.<ext>`: pkgname may hold dashes, the last three fields may not. */
const PACKAGE_FILE = /^(.+)-([^-/]+-[^-/]+)-([^-/]+)\.pkg\.tar\.(zst|xz|gz)$/;

export type PackageCompression = (typeof EXTENSIONS)[number];

export interface PackageFileName {
  pkgname: string;
  /** `[epoch:]pkgver-pkgrel` */
  version: string;
  arch: string;
  compression: PackageCompression;
}

/** pacman.conf's own section, and the name pacman gives the installed packages' database. */
const RESERVED_REPO_NAMES = new Set(['options', 'local']);

export function isRepoName(name: string): boolean {
  return REPO_NAME.test(name) && !RESERVED_REPO_NAMES.has(name);
}

export function assertRepoName(name: string): string {
  if (!isRepoName(name))
    throw new InvalidInput(
      `invalid repository name ${JSON.stringify(name.slice(0, 80))}: must match ${REPO_NAME.source} and be neither options nor local`,
    );
  return name;
}

export function isArch(arch: string): boolean {
  return ARCH.test(arch);
}

export function isSafeSegment(segment: string): boolean {
  return SEGMENT.test(segment) && !segment.includes('..');
}

export function isFullVersion(version: string): boolean {
  return FULL_VERSION.test(version);
}

/** The parts of a package file's name, or null when the name is not one makepkg writes. */
export function parsePackageFileName(name: string): PackageFileName | null {
  if (!isSafeSegment(name)) return null;
  const match = PACKAGE_FILE.exec(name);
  if (!match) return null;
  const [, pkgname = '', version = '', arch = '', compression = 'zst'] = match;
  if (!isValidPackageName(pkgname) || !isFullVersion(version) || !isArch(arch)) return null;
  return { pkgname, version, arch, compression: compression as PackageCompression };
}

/** Like parsePackageFileName, for input: InvalidInput naming the file and the rule. */
export function assertPackageFileName(name: string): PackageFileName {
  const parsed = parsePackageFileName(name);
  if (!parsed) {
    throw new InvalidInput(
      `${JSON.stringify(name.slice(0, 300))} is not a package file name: expected <pkgname>-<pkgver>-<pkgrel>-<arch>.pkg.tar.{${EXTENSIONS.join(',')}} with no path separator`,
    );
  }
  return parsed;
}

/** The file name a package with these fields has; a file named otherwise is refused. */
export function packageFileName(pkgname: string, version: string, arch: string, compression: PackageCompression): string {
  return `${pkgname}-${version}-${arch}.pkg.tar.${compression}`;
}
