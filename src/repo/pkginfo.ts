import { InvalidInput } from '../errors.js';
import { isValidPackageName } from '../srcinfo/names.js';
import { isArch, isFullVersion } from './names.js';

/**
 * A package's .PKGINFO (makepkg's `key = value` lines), parsed strictly. Strict because repo-add
 * reads the same file with `declare "$key=$value"` inside a shell function: a key such as
 * `a[$(cmd)]` runs a command and a key such as `tmpdir` redirects its writes, as whoever runs
 * repo-add. So only the keys makepkg writes pass, each a plain lower-case word, and values hold no
 * control characters.
 */
export interface PkgInfo {
  pkgname: string;
  pkgbase: string;
  /** `[epoch:]pkgver-pkgrel` */
  version: string;
  arch: string;
  pkgdesc: string;
  depends: string[];
  provides: string[];
}

/** More than any real .PKGINFO (thousands of dependencies); the reader stops there. */
export const MAX_PKGINFO_BYTES = 256 * 1024;
const MAX_VALUE_LENGTH = 8192;

/** Keys makepkg 6 and 7 write (`xdata` is 7's); the first group at most once each. */
const SINGLE_KEYS = new Set(['pkgname', 'pkgbase', 'pkgver', 'pkgdesc', 'url', 'builddate', 'packager', 'size', 'arch']);
const LIST_KEYS = new Set([
  'license',
  'replaces',
  'group',
  'conflict',
  'provides',
  'backup',
  'depend',
  'optdepend',
  'makedepend',
  'checkdepend',
  'xdata',
]);
const LINE = /^([a-z]+) = (.*)$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
const NUMBER = /^[0-9]{1,20}$/;

/** Parses .PKGINFO bytes of the package file `file` (named in every error). */
export function parsePkgInfo(bytes: Uint8Array, file: string): PkgInfo {
  const fail = (message: string) => new InvalidInput(`${file}: .PKGINFO ${message}`);
  if (bytes.length > MAX_PKGINFO_BYTES) throw fail(`is larger than ${MAX_PKGINFO_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('is not UTF-8 text');
  }
  const single = new Map<string, string>();
  const lists = new Map<string, string[]>();
  text.split('\n').forEach((line, index) => {
    if (line === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    const where = `line ${index + 1}`;
    if (!match) throw fail(`${where} is not "key = value"`);
    const [, key = '', value = ''] = match;
    if (CONTROL.test(value)) throw fail(`${where} (${key}) holds a control character`);
    if (value.length > MAX_VALUE_LENGTH) throw fail(`${where} (${key}) is longer than ${MAX_VALUE_LENGTH} characters`);
    if (SINGLE_KEYS.has(key)) {
      if (single.has(key)) throw fail(`${where}: ${key} appears twice`);
      single.set(key, value);
    } else if (LIST_KEYS.has(key)) {
      lists.set(key, [...(lists.get(key) ?? []), value]);
    } else {
      throw fail(`${where}: unknown key ${JSON.stringify(key)}`);
    }
  });
  return checked(single, lists, fail);
}

function checked(single: Map<string, string>, lists: Map<string, string[]>, fail: (message: string) => InvalidInput): PkgInfo {
  const pkgname = single.get('pkgname') ?? '';
  const pkgbase = single.get('pkgbase') ?? pkgname;
  const version = single.get('pkgver') ?? '';
  const arch = single.get('arch') ?? '';
  if (!isValidPackageName(pkgname)) throw fail(`has no valid pkgname (${JSON.stringify(pkgname.slice(0, 80))})`);
  if (!isValidPackageName(pkgbase)) throw fail(`has an invalid pkgbase ${JSON.stringify(pkgbase.slice(0, 80))}`);
  if (!isFullVersion(version)) throw fail(`has no valid pkgver ([epoch:]pkgver-pkgrel): ${JSON.stringify(version.slice(0, 80))}`);
  if (!isArch(arch)) throw fail(`has no valid arch (${JSON.stringify(arch.slice(0, 80))})`);
  for (const key of ['size', 'builddate']) {
    const value = single.get(key);
    if (value !== undefined && !NUMBER.test(value)) throw fail(`${key} is not a number: ${JSON.stringify(value.slice(0, 80))}`);
  }
  return {
    pkgname,
    pkgbase,
    version,
    arch,
    pkgdesc: single.get('pkgdesc') ?? '',
    depends: lists.get('depend') ?? [],
    provides: lists.get('provides') ?? [],
  };
}
