import type { Db } from '../db/open.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { getRevision, type Revision } from '../quarantine/revisions.js';
import type { MirrorRepos } from '../upstream/git-mirror.js';
import { loadCommitFiles, type RangeLimits } from './revision-files.js';
import { classifyRevision, type Classification } from '../review/classify.js';
import { analyzeRisk, compareFlags, type RevisionFiles, type RiskFlag, type UpstreamMeta } from '../review/risk/index.js';
import { mergeSignalFlags } from '../review/signals.js';
import { historyFlags } from './signals.js';
import { getAcceptance } from '../sources/records.js';
import { sourceEntries } from '../srcinfo/sources.js';
import { unpinnedSourceFlags } from '../review/unpinned-sources.js';

export interface AssessDeps {
  db: Db;
  mirror: MirrorRepos;
  logger: Logger;
}

/**
 * The per-commit analysis reads at most this much of a reviewed range: the 50 commits nearest the
 * candidate and 32 MiB of distinct file contents. An AUR update is one or a few commits; a longer
 * range (a package not synced for months, a rewritten history) gets a low flag naming what was left
 * to the endpoint diff, so the cut is never silent.
 */
export const INTERMEDIATE_LIMITS: RangeLimits = { maxCommits: 50, maxBytes: 32 * 1024 * 1024 };

export interface Assessment {
  flags: RiskFlag[];
  /** null when the analysis failed (then `flags` holds a high `analysis-failed` flag). */
  classification: Classification | null;
  /** The base commit the class and flags were computed against. */
  base: string | null;
  /** Commits strictly between base and candidate, and how many of them were analysed one by one. */
  intermediate: { total: number; analysed: number };
}

/**
 * The commits strictly between the approved base and the candidate, oldest first. For a first
 * revision that is its whole history: approving it serves every one of those commits, so each is
 * analysed like any intermediate commit (within INTERMEDIATE_LIMITS, the cut flagged).
 */
export function intermediateCommits(revision: Revision): string[] {
  return revision.commits
    .map((commit) => commit.id)
    .filter((id) => id !== revision.commit && id !== revision.baseCommit)
    .reverse();
}

/**
 * Risk flags and the class of a revision against the last approved revision it was recorded with,
 * over both trees and every intermediate commit, read from the quarantined mirror repo. A failing
 * analysis becomes a high flag and no class rather than an empty list: "no flags" and "routine" must
 * never be the result of a crash.
 */
export async function assessChange(deps: AssessDeps, revision: Revision, now = Date.now()): Promise<Assessment> {
  const between = intermediateCommits(revision);
  try {
    const repo = deps.mirror.repoPath(revision.pkgbase);
    const base = revision.baseCommit ? getRevision(deps.db, revision.pkgbase, revision.baseCommit) : null;
    const loaded = await loadCommitFiles(repo, base ? [revision.commit, base.commit] : [revision.commit], between, INTERMEDIATE_LIMITS);
    const [candidate, previous = null] = loaded.required as [RevisionFiles, RevisionFiles?];
    const intermediate = loaded.range;
    const risk = analyzeRisk({
      previous,
      candidate,
      previousMeta: base?.upstreamMeta ?? null,
      candidateMeta: revision.upstreamMeta,
      candidateCommittedAt: revision.committer.date,
      now: Math.floor(now / 1000),
      intermediate,
    });
    // History and cross-package signals (maintainer timeline, adoption waves, takedowns, IOC hits).
    const flags = mergeSignalFlags(risk, historyFlags(deps.db, revision, base));
    flags.push(...sourcePinningFlags(deps.db, revision));
    if (intermediate.length < between.length) flags.push(rangeCutFlag(between.length, intermediate.length));
    const classification = classifySafely(deps, revision, { previous, candidate, previousMeta: base?.upstreamMeta ?? null });
    if (classification === null) flags.push(CLASSIFICATION_FAILED);
    return {
      flags: flags.sort(compareFlags),
      classification,
      base: revision.baseCommit,
      intermediate: { total: between.length, analysed: intermediate.length },
    };
  } catch (error) {
    deps.logger.error({ pkgbase: revision.pkgbase, commit: revision.commit, err: describeError(error) }, 'risk analysis failed');
    return {
      flags: [
        { check: 'analysis-failed', severity: 'high', reason: `The risk analysis failed (${describeError(error)}); review every file by hand.` },
      ],
      classification: null,
      base: revision.baseCommit,
      intermediate: { total: between.length, analysed: 0 },
    };
  }
}

const CLASSIFICATION_FAILED: RiskFlag = {
  check: 'analysis-failed',
  severity: 'medium',
  reason: 'The change could not be classified; read the whole diff.',
};

/** A class or null: a classifier bug must not take the risk flags down with it. */
function classifySafely(
  deps: AssessDeps,
  revision: Revision,
  input: { previous: RevisionFiles | null; candidate: RevisionFiles; previousMeta: UpstreamMeta | null },
): Classification | null {
  try {
    return classifyRevision({ ...input, candidateMeta: revision.upstreamMeta });
  } catch (error) {
    deps.logger.error({ pkgbase: revision.pkgbase, commit: revision.commit, err: describeError(error) }, 'classification failed');
    return null;
  }
}

function rangeCutFlag(total: number, analysed: number): RiskFlag {
  return {
    check: 'commit-range',
    severity: 'low',
    reason:
      `The reviewed range has ${total} intermediate commits; the ${analysed} nearest the candidate were analysed one by one, ` +
      `the ${total - analysed} older ones only through the endpoint diff. Read the commit list.`,
  };
}

/** The risk flags alone (see assessChange). */
export async function assessRevision(deps: AssessDeps, revision: Revision, now = Date.now()): Promise<RiskFlag[]> {
  return (await assessChange(deps, revision, now)).flags;
}

/** SKIP and VCS sources the hermetic cache cannot pin, unless a reviewer accepted them (app/sources.ts). */
function sourcePinningFlags(db: Db, revision: Revision): RiskFlag[] {
  if (!revision.srcinfo) return [];
  const acceptance = getAcceptance(db, revision.pkgbase, revision.commit);
  return unpinnedSourceFlags(sourceEntries(revision.srcinfo), acceptance && { by: acceptance.acceptedBy, note: acceptance.note });
}
