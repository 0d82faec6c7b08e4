/**
 * Automatic risk flags for a quarantined AUR revision: pure functions over the last approved
 * revision, the candidate and their upstream metadata. Only what is new or changed relative to
 * the previous revision is flagged (for a first revision everything is new).
 */

import { checkBuildChangedSameVersion } from './check-build-changed.js';
import { checkChecksums } from './check-checksums.js';
import { checkDownloadAndRun, checkPackageManagers } from './check-commands.js';
import { checkBinaryOrLargeFile, checkInstallScriptlet } from './check-files.js';
import { checkObfuscation } from './check-obfuscation.js';
import { checkPersistence } from './check-persistence.js';
import { checkSources } from './check-sources.js';
import { checkSrcinfoMismatch } from './check-srcinfo.js';
import { checkMaintainerChange, checkYoungRevision } from './check-upstream.js';
import { SEVERITY_ORDER, type RiskCheck, type RiskFlag, type RiskInput } from './types.js';

export type { RevisionFile, RevisionFiles, RiskCheck, RiskFlag, RiskInput, Severity, UpstreamMeta } from './types.js';
export { addedLines, type NumberedLine } from './lines.js';
export { parseBash } from './bash.js';
export {
  checkBinaryOrLargeFile,
  checkBuildChangedSameVersion,
  checkChecksums,
  checkDownloadAndRun,
  checkInstallScriptlet,
  checkMaintainerChange,
  checkObfuscation,
  checkPackageManagers,
  checkPersistence,
  checkSources,
  checkSrcinfoMismatch,
  checkYoungRevision,
};

export interface RiskCheckInfo {
  id: string;
  title: string;
  /** Severity or severities the check can raise, e.g. "high" or "high/medium/low". */
  severity: string;
  /** A one-line example of what it flags. */
  example: string;
}

/** Every check, in the order analyzeRisk runs them, with its id and documentation. */
export const CHECKS: ReadonlyArray<RiskCheckInfo & { run: RiskCheck }> = [
  {
    id: 'maintainer-change',
    title: 'Maintainer, submitter or co-maintainers changed',
    severity: 'high/medium/low',
    example: 'the orphaned package was adopted by "newuser" just before this revision',
    run: checkMaintainerChange,
  },
  {
    id: 'install-scriptlet',
    title: 'Install scriptlet added or changed (runs as root at install time)',
    severity: 'high',
    example: '`install=foo.install` added, or foo.install now runs `systemctl enable --now x.service`',
    run: checkInstallScriptlet,
  },
  {
    id: 'sources',
    title: 'New download location that is unencrypted, foreign to url=, or a paste/shortener/IP host',
    severity: 'high/medium',
    example: '`source=("https://pastebin.com/raw/x")`, `http://` or a host unrelated to url=',
    run: checkSources,
  },
  {
    id: 'checksums',
    title: 'Integrity checks weakened',
    severity: 'high/medium/info',
    example: '`sha256sums` removed, `SKIP` for a tarball, `validpgpkeys` removed',
    run: checkChecksums,
  },
  {
    id: 'package-managers',
    title: 'Language package manager fetches dependencies during the build',
    severity: 'medium',
    example: '`npm install`, `pip install`, `cargo install`, `go install` in build()',
    run: checkPackageManagers,
  },
  {
    id: 'download-and-run',
    title: 'Downloads and runs code, or opens a raw connection',
    severity: 'high/medium',
    example: '`curl -s https://x.y/z.sh | bash` in package()',
    run: checkDownloadAndRun,
  },
  {
    id: 'obfuscation',
    title: 'Obfuscated or encoded code',
    severity: 'high',
    example: "`echo aGVsbG8= | base64 -d | sh`, `'c''u''r''l'`, long base64/hex blobs",
    run: checkObfuscation,
  },
  {
    id: 'persistence',
    title: 'Persistence or privilege: systemd, cron, shell rc, SSH keys, setuid',
    severity: 'high/medium/info',
    example: '`systemctl enable --now evil.service`, `chmod u+s`, writing `~/.bashrc`',
    run: checkPersistence,
  },
  {
    id: 'binary-or-large-file',
    title: 'Binary or large file added',
    severity: 'medium',
    example: 'a 2 MiB `helper.bin` added next to PKGBUILD',
    run: checkBinaryOrLargeFile,
  },
  {
    id: 'build-changed-same-version',
    title: 'Build changed without a pkgver or pkgrel bump',
    severity: 'medium',
    example: 'package() gained a line while pkgver=1.2.3 and pkgrel=1 stayed',
    run: checkBuildChangedSameVersion,
  },
  {
    id: 'srcinfo-mismatch',
    title: '.SRCINFO disagrees with PKGBUILD or is missing',
    severity: 'high',
    example: '.SRCINFO says pkgver 1.2.3 but PKGBUILD builds 1.2.4 from another source',
    run: checkSrcinfoMismatch,
  },
  {
    id: 'young-revision',
    title: 'Revision committed very recently',
    severity: 'medium/low',
    example: 'committed 20 minutes ago (< 1 h: medium, < 24 h: low)',
    run: checkYoungRevision,
  },
];

/** The checks for documentation (rendered into the project README). */
export const RISK_CHECKS: Array<{ id: string; title: string; severity: string; example: string }> = CHECKS.map(
  ({ id, title, severity, example }) => ({ id, title, severity, example }),
);

const cmp = (a: string | number | undefined, b: string | number | undefined): number => {
  if (a === b) return 0;
  if (a === undefined) return -1; // package-level flags (no file/line) first
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
};

/** Severity (high first), then file, then line, then check id and reason for a stable order. */
export function compareFlags(a: RiskFlag, b: RiskFlag): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    cmp(a.file, b.file) ||
    cmp(a.line, b.line) ||
    cmp(a.check, b.check) ||
    cmp(a.reason, b.reason)
  );
}

/** Runs every check and returns the flags sorted by severity, file and line. */
export function analyzeRisk(input: RiskInput): RiskFlag[] {
  return CHECKS.flatMap((c) => c.run(input)).sort(compareFlags);
}
