/**
 * foreign-code-run: a newly added source from someone other than the project (another account on
 * the same forge, an unrelated host, a paste or file-drop site) whose content the build then runs:
 * `bash "$srcdir/patcher/install.sh"`, `python helper/setup.py`, `cd patcher && make`. The checksum
 * of a VCS source is SKIP, so what runs is whatever that account pushes later, and none of it is
 * in the reviewed diff. This is how the 2025 AUR malware worked (a browser -bin package gained a
 * git source from a fresh GitHub account and ran a script from it). High. A new unpinned VCS source
 * of the project itself that gets run, in an update, is medium.
 */

import { snippet } from './lines.js';
import { commandSites, commandText, type CommandSite } from './commands.js';
import { homeOf, sourceProblems } from './check-sources.js';
import { pkgbuildOf, sourceArrays, type PkgbuildInfo } from './pkgbuild.js';
import { PKGBUILD, type RiskFlag, type RiskInput, type Severity } from './types.js';
import { forgeOwner, parseSourceEntry, registrableDomain, type SourceLocation } from './url.js';

interface RiskySource {
  entry: string;
  line: number;
  /** The names the build can use for it in $srcdir: `name::`, the repository or file name, the extracted directory. */
  names: string[];
  severity: Severity;
  why: string;
}

const FOREIGN_KEYS = /^(?:owner|foreign|paste|personal|ip|short):/;
const INTERPRETERS = /^(?:(?:ba|z|da|k)?sh|source|\.|python[0-9.]*|perl|ruby|node|php|lua|bun|deno)$/;
const RUNNERS =
  /^(?:make|gmake|cmake|meson|ninja|scons|cargo|go|npm|yarn|pnpm|python[0-9.]*|pip[0-9.]*|sh|bash|perl|ruby|node|ant|mvn|gradle|autoreconf|configure)$/;

function originOf(loc: SourceLocation): string {
  if (!loc.host) return `local:${loc.location}`;
  const owner = forgeOwner(loc.host, loc.path);
  return owner ? `${owner.forge}/${owner.owner}` : registrableDomain(loc.host);
}

function namesOf(loc: SourceLocation): string[] {
  const file = loc.path.split('/').filter(Boolean).pop() ?? '';
  const out = new Set<string>();
  if (loc.name) out.add(loc.name);
  if (file) {
    out.add(file);
    out.add(file.replace(/\.git$/, '').replace(/\.(?:tar\.\w+|tgz|tbz2?|txz|zip|7z)$/, ''));
  }
  return [...out].filter((n) => n.length >= 2);
}

function riskySources(input: RiskInput, cand: PkgbuildInfo): RiskySource[] {
  const prev = pkgbuildOf(input.previous);
  const entries = (info: PkgbuildInfo) => [...sourceArrays(info).values()].flatMap((a) => a.items);
  const knownOrigins = new Set(prev ? entries(prev).map((i) => originOf(parseSourceEntry(i.resolved ?? i.raw))) : []);
  const knownEntries = new Set(prev ? entries(prev).map((i) => i.resolved ?? i.raw) : []);
  const hadVcs = prev ? entries(prev).some((i) => parseSourceEntry(i.resolved ?? i.raw).vcs !== null) : false;
  const home = homeOf(cand);
  const out: RiskySource[] = [];
  for (const item of entries(cand)) {
    const entry = item.resolved ?? item.raw;
    const loc = parseSourceEntry(entry);
    if (loc.scheme === null || knownEntries.has(entry)) continue;
    const newOrigin = !knownOrigins.has(originOf(loc));
    const problem = sourceProblems(loc, home).find((p) => FOREIGN_KEYS.test(p.key))?.what;
    // In an update, an origin that neither url= nor any approved source has is foreign too.
    const homeOrigin = home ? originOf(home) : null;
    const fresh = prev && originOf(loc) !== homeOrigin ? `${originOf(loc)}, an origin neither url= nor the approved sources have` : undefined;
    const foreign = newOrigin ? (problem ?? fresh) : undefined;
    const unpinned = loc.vcs !== null && !/#commit=/.test(entry);
    if (foreign) out.push({ entry, line: item.line, names: namesOf(loc), severity: 'high', why: foreign });
    else if (unpinned && prev && !hadVcs)
      out.push({ entry, line: item.line, names: namesOf(loc), severity: 'medium', why: 'an unpinned VCS checkout (checksum SKIP)' });
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The command runs code from the source called `name`. */
function runs(site: CommandSite, name: string, entered: ReadonlySet<string | null>): boolean {
  const ref = new RegExp(`(?:^|[/"'}\\s])${escape(name)}(?:/|["']|$)`);
  const [cmd, ...args] = site.words;
  if (!cmd) return false;
  if (ref.test(cmd.raw) && /\//.test(cmd.raw)) return true; // ./name/run.sh, "$srcdir/name/install"
  if (site.name !== null && INTERPRETERS.test(site.name) && args.some((a) => ref.test(a.raw))) return true;
  if (site.name !== null && RUNNERS.test(site.name) && args.some((a) => ref.test(a.raw))) return true; // make -C name
  return entered.has(site.fn) && (cmd.raw.startsWith('./') || (site.name !== null && RUNNERS.test(site.name)));
}

export function checkForeignCodeRun(input: RiskInput): RiskFlag[] {
  const cand = pkgbuildOf(input.candidate);
  if (!cand) return [];
  const sources = riskySources(input, cand);
  if (sources.length === 0) return [];
  const sites = commandSites(input.candidate, PKGBUILD);
  const flags: RiskFlag[] = [];
  for (const src of sources) {
    const entered = new Set<string | null>(); // functions that cd into the source before running things
    for (const site of sites) {
      const intoSource =
        (site.name === 'cd' || site.name === 'pushd') &&
        src.names.some((n) => site.words.slice(1).some((w) => new RegExp(`(?:^|[/"'}])${escape(n)}(?:/|["']|$)`).test(w.raw)));
      if (intoSource) {
        entered.add(site.fn);
        continue;
      }
      if (!src.names.some((n) => runs(site, n, entered))) continue;
      flags.push({
        check: 'foreign-code-run',
        severity: src.severity,
        reason: `${site.file} line ${site.cmd.line} runs code from the new source ${snippet(src.entry, 80)} (PKGBUILD line ${src.line}, ${src.why}), which is not part of the reviewed diff: \`${snippet(commandText(site))}\`.`,
        file: site.file,
        line: site.cmd.line,
      });
      break; // the most telling line: the first place it runs
    }
  }
  return flags;
}
