/**
 * network-fetch: a new command that reaches the network outside source=() (whose downloads are
 * pinned by checksums and shown to the reviewer). How bad that is depends on where it runs:
 *   - an install scriptlet (as root, on every user's machine): high;
 *   - the top level of the PKGBUILD (every time makepkg reads it, even `--printsrcinfo`): high;
 *   - pkgver() when the previous revision's pkgver() did not fetch (it runs on every build and is
 *     rarely read closely): high; in a first revision, medium;
 *   - prepare/build/check/package and helper scripts: medium (the build should not download).
 * Command names are resolved statically, so `$(printf '\x63\x75\x72\x6c')` counts as curl.
 * Language package managers (npm, pip, cargo ...) are the package-managers check.
 */

import { snippet } from './lines.js';
import { addedCommandSites, commandSites, commandText, type CommandSite } from './commands.js';
import { PKGBUILD, type RiskFlag, type RiskInput, type Severity } from './types.js';

const FETCHERS = new Set(['curl', 'wget', 'aria2c', 'axel', 'http', 'https', 'xh', 'fetch', 'curlie', 'lftp', 'ftp', 'tftp']);
const DUMPERS = new Set(['lynx', 'w3m', 'links', 'elinks']);
const VCS_FETCH: Record<string, RegExp> = {
  git: /^(?:clone|fetch|pull|ls-remote|archive|submodule)$/,
  svn: /^(?:checkout|co|export|update|up)$/,
  hg: /^(?:clone|pull)$/,
  bzr: /^(?:branch|checkout|pull)$/,
};

/** What a command fetches with, or null when it does not reach the network. */
export function networkUse(site: CommandSite): string | null {
  const name = site.name;
  if (name === null) return null;
  if (FETCHERS.has(name)) return name;
  if (DUMPERS.has(name) && site.words.some((w) => /^-(?:dump|source)$/.test(w.value))) return name;
  const vcs = VCS_FETCH[name];
  if (vcs) {
    const sub = site.words.slice(1).find((w) => !w.value.startsWith('-'));
    if (!sub || !vcs.test(sub.value)) return null;
    // Submodules pointed at sources makepkg already fetched (`git config submodule.x.url "$srcdir/x"`) stay local.
    if (sub.value === 'submodule' && /\bsubmodule\.[\w./-]+\.url\b|protocol\.file\.allow/.test(site.program.text)) return null;
    return `${name} ${sub.value}`;
  }
  if (/^(?:nc|ncat|netcat|socat|telnet)$/.test(name) && site.words.length > 2) return name;
  if (site.cmd.redirects.some((r) => r.target && /^\/dev\/(?:tcp|udp)\//.test(r.target.value))) return '/dev/tcp';
  return null;
}

/** Functions of the previous PKGBUILD that already fetched. */
function fetchingFunctions(input: RiskInput): Set<string | null> {
  if (!input.previous) return new Set();
  return new Set(
    commandSites(input.previous, PKGBUILD)
      .filter((s) => networkUse(s) !== null)
      .map((s) => s.fn),
  );
}

function judge(site: CommandSite, input: RiskInput, before: Set<string | null>): { severity: Severity; where: string } {
  if (site.role === 'scriptlet') return { severity: 'high', where: 'at install time, as root' };
  if (site.role !== 'pkgbuild') return { severity: 'medium', where: 'in a helper script' };
  if (site.fn === null) return { severity: 'high', where: 'at the top level, which runs whenever makepkg reads the PKGBUILD' };
  if (site.fn === 'pkgver') {
    if (input.previous && !before.has('pkgver'))
      return { severity: 'high', where: 'in pkgver(), which did not fetch before and runs on every build' };
    return { severity: 'medium', where: 'in pkgver()' };
  }
  const starts = input.previous !== null && !before.has(site.fn);
  return { severity: 'medium', where: `in ${site.fn}()${starts ? ', which did not fetch before' : ''}` };
}

export function checkNetworkFetch(input: RiskInput): RiskFlag[] {
  const before = fetchingFunctions(input);
  const flags: RiskFlag[] = [];
  const seen = new Set<string>();
  for (const site of addedCommandSites(input)) {
    const tool = networkUse(site);
    if (tool === null) continue;
    const key = `${site.file}:${site.cmd.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { severity, where } = judge(site, input, before);
    flags.push({
      check: 'network-fetch',
      severity,
      reason: `${site.file} line ${site.cmd.line} fetches from the network with ${tool} ${where}, outside the checksummed sources: \`${snippet(commandText(site))}\`.`,
      file: site.file,
      line: site.cmd.line,
    });
  }
  return flags;
}
