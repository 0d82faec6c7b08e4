import { InvalidInput } from '../errors.js';
import { assertPackageFileName, packageFileName } from './names.js';
import { MAX_PKGINFO_BYTES, parsePkgInfo, type PkgInfo } from './pkginfo.js';
import { lastLines, runTool } from './tools.js';

/**
 * A package file checked before it enters the repository: its name is one makepkg writes, it is an
 * archive holding a .PKGINFO that parses strictly, and the name agrees with what .PKGINFO says.
 * Checked on the repository's own copy, so the file cannot change between the check and its use.
 */
export interface CheckedPackage {
  /** The repository's copy. */
  path: string;
  /** The file name (no directory). */
  name: string;
  info: PkgInfo;
}

/** Reading .PKGINFO is quick for a real package (it is the archive's first member). */
const PKGINFO_TIMEOUT_MS = 60_000;

export async function checkPackage(copy: string, name: string): Promise<CheckedPackage> {
  const parsed = assertPackageFileName(name);
  const info = parsePkgInfo(await readPkgInfo(copy, name), name);
  const expected = packageFileName(info.pkgname, info.version, info.arch, parsed.compression);
  if (expected !== name) {
    throw new InvalidInput(
      `${name}: the file name does not match its .PKGINFO (pkgname ${info.pkgname}, pkgver ${info.version}, arch ${info.arch}: ${expected})`,
      { pkgname: info.pkgname },
    );
  }
  return { path: copy, name, info };
}

/**
 * The .PKGINFO member's bytes: `-q` stops at the first match, the output is capped, and the whole
 * read has a deadline (a bomb before the member only costs that much).
 */
async function readPkgInfo(file: string, name: string): Promise<Buffer> {
  const result = await runTool('bsdtar', ['-xOqf', file, '.PKGINFO'], { maxStdoutBytes: MAX_PKGINFO_BYTES, timeoutMs: PKGINFO_TIMEOUT_MS });
  if (result.exceeded) throw new InvalidInput(`${name}: .PKGINFO is larger than ${MAX_PKGINFO_BYTES} bytes`);
  if (result.timedOut) throw new InvalidInput(`${name}: reading .PKGINFO took longer than ${PKGINFO_TIMEOUT_MS / 1000} s`);
  if (result.code !== 0)
    throw new InvalidInput(`${name}: not a pacman package (no .PKGINFO could be read: ${lastLines(result.stderr) || `exit ${result.code}`})`);
  if (result.stdout.length === 0) throw new InvalidInput(`${name}: not a pacman package (its .PKGINFO is empty or not a regular file)`);
  return result.stdout;
}
