/**
 * build-changed-same-version (medium): PKGBUILD changed in more than checksums while neither
 * pkgver nor pkgrel (nor epoch) changed. Users who already built that version never rebuild, and
 * a silent change to the build of an existing version is a way to slip something in unnoticed.
 * Changing the build together with a pkgrel bump is normal and not flagged.
 */

import { assignmentAt } from './bash.js';
import { addedLines, isInertComment, removedLines, type NumberedLine } from './lines.js';
import { CHECKSUM_ARRAY_NAME, formatVersion, pkgbuildOf, versionOf, type PkgbuildInfo } from './pkgbuild.js';
import { PKGBUILD, type RiskFlag, type RiskInput } from './types.js';

/** Lines that do not change what is built: blank, comments, checksum arrays, pkgrel. */
function meaningful(info: PkgbuildInfo, l: NumberedLine): boolean {
  if (l.text.trim() === '' || isInertComment(l.text)) return false;
  const name = assignmentAt(info.parsed, l.line)?.name;
  return !(name !== undefined && (CHECKSUM_ARRAY_NAME.test(name) || name === 'pkgrel'));
}

export function checkBuildChangedSameVersion(input: RiskInput): RiskFlag[] {
  const prev = pkgbuildOf(input.previous);
  const cand = pkgbuildOf(input.candidate);
  if (!prev || !cand) return [];
  const pv = versionOf(prev);
  const cv = versionOf(cand);
  if (pv.pkgver !== cv.pkgver || pv.pkgrel !== cv.pkgrel || (pv.epoch ?? '0') !== (cv.epoch ?? '0')) return [];
  const added = addedLines(prev.text, cand.text).filter((l) => meaningful(cand, l));
  const removed = removedLines(prev.text, cand.text).filter((l) => meaningful(prev, l));
  if (added.length === 0 && removed.length === 0) return [];
  const line = added[0]?.line;
  return [
    {
      check: 'build-changed-same-version',
      severity: 'medium',
      reason: `PKGBUILD changed (${added.length} lines added, ${removed.length} removed) but the version stayed ${formatVersion(cv)} without a pkgrel bump.`,
      file: PKGBUILD,
      ...(line === undefined ? {} : { line }),
    },
  ];
}
