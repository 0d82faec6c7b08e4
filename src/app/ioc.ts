import { readFile, stat } from 'node:fs/promises';
import { readBodyWithin } from '../bounded-body.js';
import { describeError, InvalidInput, UpstreamError } from '../errors.js';
import { grepCommits, type GrepMatch } from '../git/grep.js';
import { iocAlertEvent } from '../notify/events.js';
import type { Notifier } from '../notify/webhook.js';
import type { Actor } from '../quarantine/actor.js';
import { addIocEntries, listIocEntries, type IocEntry } from '../quarantine/ioc-entries.js';
import { listAllowlistedPackages, type PackageRecord } from '../quarantine/packages.js';
import { listRevisions, type Revision } from '../quarantine/revisions.js';
import { literalsIn, MAX_LIST_BYTES, MAX_REGEX_CHARS, parseIocList } from '../review/ioc.js';
import { recordSignal } from '../sync/signal-store.js';
import type { AppDeps } from './deps.js';

const GREP_TIMEOUT_MS = 30_000;
const MAX_SHOWN_LINE = 300;
/** Scans read longer lines, so a literal far into a minified line is still attributed to its entry. */
const MAX_SCANNED_LINE = 8000;
export const DEFAULT_GREP_LIMIT = 200;
export const MAX_GREP_LIMIT = 2000;
const MAX_PATTERN_CHARS = 500;
const FETCH_TIMEOUT_MS = 20_000;

export interface GrepHit extends GrepMatch {
  pkgbase: string;
  state: Revision['state'];
  version: string | null;
}

export interface GrepOutcome {
  hits: GrepHit[];
  truncated: boolean;
  packages: number;
  revisions: number;
  /** Packages whose search failed (a broken repo, a timed-out regex), with why. */
  errors: Array<{ pkgbase: string; error: string }>;
}

/** A grep pattern as typed: bounded, one line, and for regexes no back-references (git runs them, under a timeout). */
export function validateGrepPattern(pattern: string, regex: boolean): string {
  if (pattern.length === 0 || pattern.length > (regex ? MAX_REGEX_CHARS : MAX_PATTERN_CHARS))
    throw new InvalidInput(`a pattern is 1 to ${regex ? MAX_REGEX_CHARS : MAX_PATTERN_CHARS} characters`);
  if (/[\r\n\0]/.test(pattern)) throw new InvalidInput('a pattern is one line');
  if (regex && /\\[1-9]/.test(pattern)) throw new InvalidInput('back-references are not allowed in a regex (they make matching exponential)');
  return pattern;
}

function byCommit(revisions: readonly Revision[]): Map<string, Revision> {
  return new Map(revisions.map((revision) => [revision.commit, revision]));
}

/**
 * Searches every recorded revision (pending, approved, rejected, superseded, revoked) of every mirrored
 * package in the quarantined mirror repos: `git grep` over the recorded commits, at most `limit` lines.
 */
export async function grepMirror(
  deps: Pick<AppDeps, 'db' | 'mirror'>,
  input: { pattern: string; regex: boolean; limit?: number },
): Promise<GrepOutcome> {
  const pattern = validateGrepPattern(input.pattern, input.regex);
  const limit = Math.min(Math.max(1, Math.floor(input.limit ?? DEFAULT_GREP_LIMIT)), MAX_GREP_LIMIT);
  const outcome: GrepOutcome = { hits: [], truncated: false, packages: 0, revisions: 0, errors: [] };
  for (const pkg of listAllowlistedPackages(deps.db)) {
    const revisions = byCommit(listRevisions(deps.db, pkg.pkgbase));
    if (revisions.size === 0) continue;
    outcome.packages += 1;
    outcome.revisions += revisions.size;
    try {
      const result = await grepCommits(deps.mirror.repoPath(pkg.pkgbase), {
        mode: input.regex ? 'regex' : 'fixed',
        patterns: [pattern],
        commits: [...revisions.keys()],
        maxMatches: limit - outcome.hits.length,
        maxLineChars: MAX_SHOWN_LINE,
        timeoutMs: GREP_TIMEOUT_MS,
      });
      for (const match of result.matches) {
        const revision = revisions.get(match.commit);
        outcome.hits.push({ ...match, pkgbase: pkg.pkgbase, state: revision?.state ?? 'superseded', version: revision?.version ?? null });
      }
      if (result.truncated || outcome.hits.length >= limit) {
        outcome.truncated = true;
        break;
      }
    } catch (error) {
      outcome.errors.push({ pkgbase: pkg.pkgbase, error: describeError(error) });
    }
  }
  return outcome;
}

export interface IocHit {
  entry: IocEntry;
  pkgbase: string;
  commit: string;
  state: Revision['state'];
  version: string | null;
  where: string;
  /** True the first time this hit was recorded. */
  isNew: boolean;
}

export interface ScanOutcome {
  hits: IocHit[];
  /** New hits on approved revisions: each sent a webhook alert. */
  alerts: IocHit[];
  errors: Array<{ pkgbase: string; error: string }>;
}

type ScanDeps = Pick<AppDeps, 'db' | 'mirror' | 'config'> & { notifier: Notifier };

/**
 * Runs the IOC lists: `pending` over the revisions waiting for review (after each sync), `all` over
 * every recorded revision (after an import). Each hit is stored once as a high package signal (so it
 * flags the package's pending revision); a new hit on an approved revision sends an alert.
 */
export async function scanIocs(deps: ScanDeps, scope: 'pending' | 'all', now = Date.now()): Promise<ScanOutcome> {
  const entries = listIocEntries(deps.db);
  const outcome: ScanOutcome = { hits: [], alerts: [], errors: [] };
  if (entries.length === 0) return outcome;
  for (const pkg of listAllowlistedPackages(deps.db)) {
    const revisions = listRevisions(deps.db, pkg.pkgbase).filter((revision) => scope === 'all' || revision.state === 'pending');
    if (revisions.length === 0) continue;
    const errors: string[] = [];
    try {
      for (const hit of await scanPackage(deps, pkg, revisions, entries, errors)) {
        const reason = `IOC ${hit.entry.kind} ${JSON.stringify(hit.entry.value.slice(0, 120))} (list ${hit.entry.list}) found in ${hit.where} of ${hit.commit.slice(0, 12)} (${hit.state}${hit.version ? ` ${hit.version}` : ''}).`;
        const approved = hit.state === 'approved';
        hit.isNew = recordSignal(deps.db, {
          pkgbase: hit.pkgbase,
          kind: approved ? 'ioc-approved' : 'ioc',
          severity: 'high',
          reason,
          commit: hit.commit,
          at: now,
          dedupeKey: `ioc:${hit.entry.id}:${hit.commit}:${hit.where}`,
        });
        outcome.hits.push(hit);
        if (approved && hit.isNew) {
          outcome.alerts.push(hit);
          await deps.notifier.send(iocAlertEvent({ ...hit, reason }, `${deps.config.publicUrl}/admin/ioc`));
        }
      }
    } catch (error) {
      errors.push(describeError(error));
    }
    outcome.errors.push(...errors.map((error) => ({ pkgbase: pkg.pkgbase, error })));
  }
  return outcome;
}

async function scanPackage(
  deps: ScanDeps,
  pkg: PackageRecord,
  revisions: readonly Revision[],
  entries: readonly IocEntry[],
  errors: string[],
): Promise<IocHit[]> {
  const repo = deps.mirror.repoPath(pkg.pkgbase);
  const known = byCommit(revisions);
  const commits = [...known.keys()];
  const hits: IocHit[] = [];
  const hit = (entry: IocEntry, commit: string, where: string) => {
    const revision = known.get(commit);
    if (revision) hits.push({ entry, pkgbase: pkg.pkgbase, commit, state: revision.state, version: revision.version, where, isNew: false });
  };
  const literals = entries.filter((entry) => entry.kind === 'string' || entry.kind === 'domain' || entry.kind === 'hash');
  const grep = (mode: 'fixed' | 'regex', patterns: string[], on: readonly string[]) =>
    grepCommits(repo, { mode, patterns, commits: on, maxMatches: 500, maxLineChars: MAX_SCANNED_LINE, timeoutMs: GREP_TIMEOUT_MS });
  for (const match of (await grep('fixed', [...new Set(literals.map((entry) => entry.value))], commits)).matches)
    for (const entry of literalsIn(match.text, literals)) hit(entry, match.commit, `${match.path}:${match.line}`);
  const regexes = entries.filter((entry) => entry.kind === 'regex');
  const combined = await grep('regex', [...new Set(regexes.map((entry) => entry.value))], commits).catch(() => null);
  // Rare: only on a match (or when git refused one of the expressions) is each regex run alone, to
  // say which one matched; one that git refuses or that times out is reported with its id.
  if (combined === null || combined.matches.length > 0) {
    const matchedCommits = combined ? [...new Set(combined.matches.map((match) => match.commit))] : commits;
    for (const entry of regexes) {
      const alone = await grep('regex', [entry.value], matchedCommits).catch((error: unknown) => {
        errors.push(`IOC regex ${entry.id} (${entry.list}): ${describeError(error)}`);
        return null;
      });
      for (const match of alone?.matches ?? []) hit(entry, match.commit, `${match.path}:${match.line}`);
    }
  }
  const names = new Set([pkg.pkgbase, ...pkg.pkgnames].map((name) => name.toLowerCase()));
  for (const entry of entries.filter((candidate) => candidate.kind === 'package' && names.has(candidate.value)))
    for (const revision of revisions) hit(entry, revision.commit, 'the package name');
  const accounts = entries.filter((entry) => entry.kind === 'account');
  for (const revision of revisions) {
    const meta = revision.upstreamMeta;
    const people = [meta?.Maintainer, meta?.Submitter, ...(meta?.CoMaintainers ?? [])].flatMap((name) => (name ? [name.toLowerCase()] : []));
    for (const entry of accounts.filter((candidate) => people.includes(candidate.value))) hit(entry, revision.commit, 'the upstream maintainers');
  }
  return hits;
}

/** Reads a list from a file or an http(s) URL, bounded in size and time, with errors that say what failed. */
export async function readIocSource(source: string): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    let response: Response;
    try {
      response = await fetch(source, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow', headers: { Accept: 'text/plain' } });
    } catch (error) {
      throw new UpstreamError(`fetching the IOC list ${source.slice(0, 200)} failed: ${describeError(error)}`, { cause: error });
    }
    if (response.status !== 200) throw new UpstreamError(`fetching the IOC list ${source.slice(0, 200)} failed: HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_LIST_BYTES) throw new InvalidInput(`the IOC list is larger than ${MAX_LIST_BYTES} bytes (${declared})`);
    const tooLarge = () => new InvalidInput(`the IOC list is larger than ${MAX_LIST_BYTES} bytes`);
    return (await readBodyWithin(response.body, MAX_LIST_BYTES, tooLarge)).toString('utf8');
  }
  const info = await stat(source).catch((error: unknown) => {
    throw new InvalidInput(`cannot read the IOC list ${source.slice(0, 200)}: ${describeError(error)}`);
  });
  if (!info.isFile()) throw new InvalidInput(`the IOC list ${source.slice(0, 200)} is not a file`);
  if (info.size > MAX_LIST_BYTES) throw new InvalidInput(`the IOC list is larger than ${MAX_LIST_BYTES} bytes (${info.size})`);
  return readFile(source, 'utf8');
}

/** Parses and stores a list (nothing when any line is wrong), then re-scans every recorded revision with all lists. */
export async function importIocList(deps: ScanDeps, input: { text: string; list: string; source: string; by: Actor }) {
  const parsed = parseIocList(input.text);
  if (parsed.errors.length > 0) throw new InvalidInput(`the IOC list has errors, nothing was imported:\n${parsed.errors.join('\n')}`);
  if (parsed.entries.length === 0) throw new InvalidInput('the IOC list has no entries');
  const stored = addIocEntries(deps.db, input.list, parsed.entries, input.source, input.by);
  const scan = await scanIocs(deps, 'all');
  return { ...stored, scan };
}
