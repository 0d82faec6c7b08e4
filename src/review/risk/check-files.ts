/**
 * Checks on whole files: install-scriptlet and binary-or-large-file.
 */

import { addedLines } from './lines.js';
import { PKGBUILD, fileText, type RiskFlag, type RiskInput } from './types.js';

const baseName = (path: string) => path.split('/').pop() ?? path;

/** `foo.install`, `.foo.install`. */
export function isInstallScriptlet(path: string): boolean {
  return baseName(path).endsWith('.install');
}

/**
 * install-scriptlet (high): a new or changed `install=` line in PKGBUILD (also inside a split
 * package's package_*() function), or an added or changed `*.install` file. Scriptlets run as
 * root on the user's machine at install time, outside makepkg's fakeroot.
 */
export function checkInstallScriptlet(input: RiskInput): RiskFlag[] {
  const flags: RiskFlag[] = [];
  const pkgbuild = fileText(input.candidate, PKGBUILD);
  if (pkgbuild !== null) {
    for (const l of addedLines(fileText(input.previous, PKGBUILD), pkgbuild)) {
      const m = /^\s*(?:export\s+|local\s+)?install=(\S*)/.exec(l.text);
      if (!m) continue;
      flags.push({
        check: 'install-scriptlet',
        severity: 'high',
        reason: `PKGBUILD sets a new install scriptlet: install=${m[1]}.`,
        file: PKGBUILD,
        line: l.line,
      });
    }
  }
  for (const [path, file] of input.candidate.files) {
    if (!isInstallScriptlet(path)) continue;
    const before = input.previous?.files.get(path);
    if (before && before.text === file.text && before.size === file.size) continue;
    const first = file.text === null ? undefined : addedLines(before?.text ?? null, file.text)[0]?.line;
    flags.push({
      check: 'install-scriptlet',
      severity: 'high',
      reason: before ? `The install scriptlet ${path} changed.` : `An install scriptlet ${path} was added.`,
      file: path,
      ...(first === undefined ? {} : { line: first }),
    });
  }
  return flags;
}

export const LARGE_FILE_BYTES = 256 * 1024;

/**
 * binary-or-large-file (medium): a file added (or replaced) that is binary or larger than
 * 256 KiB. Neither can be reviewed as a diff; AUR repositories normally hold only small text.
 */
export function checkBinaryOrLargeFile(input: RiskInput): RiskFlag[] {
  const flags: RiskFlag[] = [];
  for (const [path, file] of input.candidate.files) {
    const before = input.previous?.files.get(path);
    if (before && before.text === file.text && before.size === file.size) continue;
    const verb = before ? 'was replaced by' : 'was added as';
    const kb = Math.round(file.size / 1024);
    if (file.text === null) {
      flags.push({
        check: 'binary-or-large-file',
        severity: 'medium',
        reason: `${path} ${verb} a binary file (${kb} KiB) that cannot be reviewed as text.`,
        file: path,
      });
    } else if (file.size > LARGE_FILE_BYTES) {
      flags.push({
        check: 'binary-or-large-file',
        severity: 'medium',
        reason: `${path} ${verb} a large file (${kb} KiB, over 256 KiB).`,
        file: path,
      });
    }
  }
  return flags;
}
