/**
 * sources: where the new source=() entries download from. Every entry of every `source*` array
 * is classified against the `url=` of the PKGBUILD. A problem is reported only when it is new:
 * the same problem (e.g. "plain http from example.org") raised by the previous revision's sources
 * is not repeated, so an established http:// mirror does not re-flag on every version bump.
 */

import { snippet } from './lines.js';
import { expandedArray, pkgbuildOf, sourceArrays, type PkgbuildInfo } from './pkgbuild.js';
import { maxSeverity, PKGBUILD, type RiskFlag, type RiskInput, type Severity } from './types.js';
import {
  INSECURE_SCHEMES,
  forgeOwner,
  locationFile,
  isIpAddress,
  isPasteHost,
  isPersonalHost,
  isReleaseHost,
  isShortener,
  parseSourceEntry,
  registrableDomain,
  type SourceLocation,
} from './url.js';

export interface SourceProblem {
  /** Identity of the problem, compared across revisions. */
  key: string;
  severity: Severity;
  /** Completes "Source X uses ...". */
  what: string;
}

/** The PKGBUILD's `url=` as a location (null when absent or not a literal URL). */
export function homeOf(info: PkgbuildInfo): SourceLocation | null {
  const url = expandedArray(info, 'url')?.items[0];
  const value = url?.resolved ?? url?.raw;
  if (!value) return null;
  const loc = parseSourceEntry(value);
  return loc.host ? loc : null;
}

/** Problems of one source location relative to the package's home page. */
export function sourceProblems(src: SourceLocation, home: SourceLocation | null): SourceProblem[] {
  if (src.scheme === null) return []; // a local file: its content is part of the reviewed diff
  const problems: SourceProblem[] = [];
  const host = src.host;
  if (INSECURE_SCHEMES.has(src.scheme)) {
    problems.push({ key: `insecure:${src.scheme}://${host ?? '?'}`, severity: 'medium', what: `unencrypted ${src.scheme}://` });
  }
  if (host === null) return problems; // host built from unknown variables: nothing to compare
  const owner = forgeOwner(host, src.path);
  const homeOwner = home?.host ? forgeOwner(home.host, home.path) : null;
  if (isIpAddress(host)) {
    problems.push({ key: `ip:${host}`, severity: 'high', what: `a bare IP address (${host})` });
  } else if (isShortener(host)) {
    problems.push({ key: `short:${host}`, severity: 'high', what: `a URL shortener (${host})` });
  } else if (isPasteHost(host)) {
    problems.push({ key: `paste:${host}`, severity: 'high', what: `a paste/file-drop host (${host})` });
  } else if (isPersonalHost(host)) {
    problems.push({ key: `personal:${host}`, severity: 'medium', what: `a personal file host (${host})` });
  } else if (owner && host === 'raw.githubusercontent.com' && (homeOwner?.forge !== 'github.com' || homeOwner.owner !== owner.owner)) {
    problems.push({
      key: `owner:${owner.forge}/${owner.owner}`,
      severity: 'medium',
      what: `raw.githubusercontent.com of user "${owner.owner}", not the owner of url=`,
    });
  } else if (owner && homeOwner && owner.forge === homeOwner.forge && owner.owner !== homeOwner.owner) {
    problems.push({
      key: `owner:${owner.forge}/${owner.owner}`,
      severity: 'medium',
      what: `${owner.forge} account "${owner.owner}" while url= points to "${homeOwner.owner}"`,
    });
  } else if (
    !isReleaseHost(host) &&
    !(owner && homeOwner && owner.forge === homeOwner.forge) && // same forge account as url=
    (home?.host == null || registrableDomain(host) !== registrableDomain(home.host))
  ) {
    problems.push({
      key: `foreign:${registrableDomain(host)}`,
      severity: 'medium',
      what: home?.host ? `host ${host}, which does not match url= (${home.host})` : `host ${host} while the PKGBUILD has no url=`,
    });
  }
  return problems;
}

interface SourceFinding {
  entry: string;
  line: number;
  problems: SourceProblem[];
}

function findings(info: PkgbuildInfo | null): SourceFinding[] {
  if (!info) return [];
  const home = homeOf(info);
  const out: SourceFinding[] = [];
  for (const arr of sourceArrays(info).values()) {
    for (const item of arr.items) {
      const entry = item.resolved ?? item.raw;
      out.push({ entry, line: item.line, problems: sourceProblems(parseSourceEntry(entry), home) });
    }
  }
  return out;
}

/** Prebuilt artifacts: what they contain cannot be reviewed, only where they come from. */
const PREBUILT = /\.(?:deb|rpm|appimage|exe|msi|jar|whl|snap|run|bin|pkg\.tar\.\w+|apk)$/i;

function origin(loc: SourceLocation): string | null {
  if (!loc.host) return null;
  const owner = forgeOwner(loc.host, loc.path);
  return owner ? `${owner.forge}/${owner.owner}` : registrableDomain(loc.host);
}

/**
 * A download that stays in its place in source=() but now comes from another origin (forge account
 * or domain). For a prebuilt binary (a -bin package, .deb, .AppImage ...) that is how a payload is
 * swapped in without a line of reviewable code: high, unless the new origin is url= itself.
 */
function movedDownloads(prev: PkgbuildInfo | null, cand: PkgbuildInfo): RiskFlag[] {
  if (!prev) return [];
  const flags: RiskFlag[] = [];
  const before = sourceArrays(prev);
  const home = homeOf(cand);
  const homeOrigin = home ? origin(home) : null;
  const pkgname = expandedArray(cand, 'pkgname')?.items.map((i) => i.resolved ?? i.raw) ?? [];
  for (const [name, arr] of sourceArrays(cand)) {
    const old = before.get(name);
    if (!old || old.opaque || arr.opaque || old.items.length !== arr.items.length) continue;
    arr.items.forEach((item, i) => {
      const a = parseSourceEntry(old.items[i]!.resolved ?? old.items[i]!.raw);
      const b = parseSourceEntry(item.resolved ?? item.raw);
      const from = origin(a);
      const to = origin(b);
      if (from === null || to === null || from === to || a.vcs !== b.vcs) return;
      const prebuilt = PREBUILT.test(locationFile(b)) || pkgname.some((n) => n.endsWith('-bin'));
      const severity = prebuilt && to !== homeOrigin ? 'high' : 'medium';
      flags.push({
        check: 'sources',
        severity,
        reason: `The ${prebuilt ? 'prebuilt download' : 'download'} ${name}[${i}] moved from ${from} to ${to}: ${snippet(item.resolved ?? item.raw)}.`,
        file: PKGBUILD,
        line: item.line,
      });
    });
  }
  return flags;
}

export function checkSources(input: RiskInput): RiskFlag[] {
  const known = new Set(findings(pkgbuildOf(input.previous)).flatMap((f) => f.problems.map((p) => p.key)));
  const cand = pkgbuildOf(input.candidate);
  const flags: RiskFlag[] = [];
  const byLine = new Map<number, RiskFlag>(); // one flag per line (brace-expanded twins too)
  for (const f of findings(cand)) {
    const fresh = f.problems.filter((p) => !known.has(p.key));
    if (fresh.length === 0 || byLine.has(f.line)) continue;
    const flag: RiskFlag = {
      check: 'sources',
      severity: fresh.map((p) => p.severity).reduce(maxSeverity),
      reason: `Source ${snippet(f.entry)} uses ${fresh.map((p) => p.what).join(' and ')}.`,
      file: PKGBUILD,
      line: f.line,
    };
    byLine.set(f.line, flag);
    flags.push(flag);
  }
  for (const moved of cand ? movedDownloads(pkgbuildOf(input.previous), cand) : []) {
    const same = byLine.get(moved.line!);
    if (!same) {
      byLine.set(moved.line!, moved);
      flags.push(moved);
      continue;
    }
    same.severity = maxSeverity(same.severity, moved.severity);
    same.reason = `${moved.reason} ${same.reason}`;
  }
  return flags;
}
