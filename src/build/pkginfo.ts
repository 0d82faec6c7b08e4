import { execFile } from 'node:child_process';
import { BuildError } from '../errors.js';
import { isValidPackageName } from '../srcinfo/names.js';

/** What a built package says about itself in its `.PKGINFO` (the fields a repository and a lock need). */
export interface Pkginfo {
  pkgname: string;
  pkgbase: string;
  /** `[epoch:]pkgver-pkgrel`, as pacman compares it. */
  pkgver: string;
  arch: string;
  /** Every `key = value` line, values of repeated keys (depend, provides…) in order. */
  fields: ReadonlyMap<string, readonly string[]>;
}

const MAX_PKGINFO_BYTES = 1024 * 1024;

/** Parses `.PKGINFO` text; a missing name, version or architecture, or an invalid name, is an error naming it. */
export function parsePkginfo(text: string, file: string): Pkginfo {
  const fields = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.includes(' = ')) continue;
    const at = line.indexOf(' = ');
    const key = line.slice(0, at).trim();
    fields.set(key, [...(fields.get(key) ?? []), line.slice(at + 3)]);
  }
  const one = (key: string): string => {
    const value = fields.get(key)?.[0];
    if (!value) throw new BuildError(`${file}: .PKGINFO has no ${key}`);
    return value;
  };
  const pkgname = one('pkgname');
  if (!isValidPackageName(pkgname)) throw new BuildError(`${file}: .PKGINFO names an invalid package ${JSON.stringify(pkgname.slice(0, 100))}`);
  const arch = one('arch');
  if (!/^[a-z0-9_]+$/.test(arch)) throw new BuildError(`${file}: .PKGINFO names an invalid architecture ${JSON.stringify(arch.slice(0, 40))}`);
  return { pkgname, pkgbase: fields.get('pkgbase')?.[0] ?? pkgname, pkgver: one('pkgver'), arch, fields };
}

/** Reads `.PKGINFO` out of a package file with bsdtar (which reads every compression makepkg writes), bounded. */
export function readPkginfo(file: string): Promise<Pkginfo> {
  return new Promise((resolve, reject) =>
    execFile('bsdtar', ['-xOf', file, '.PKGINFO'], { maxBuffer: MAX_PKGINFO_BYTES, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) return reject(new BuildError(`${file} is not a readable pacman package: ${stderr.trim().slice(-200) || error.message}`));
      try {
        resolve(parsePkginfo(stdout, file));
      } catch (failure) {
        reject(failure);
      }
    }),
  );
}
