import type { Db } from '../db/open.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { getRevision, type Revision } from '../quarantine/revisions.js';
import type { MirrorRepos } from '../upstream/git-mirror.js';
import { loadRevisionFiles } from './revision-files.js';
import { analyzeRisk, type RiskFlag } from '../review/risk/index.js';
import { mergeSignalFlags } from '../review/signals.js';
import { historyFlags } from './signals.js';

export interface AssessDeps {
  db: Db;
  mirror: MirrorRepos;
  logger: Logger;
}

/**
 * The risk flags of a revision against the last approved revision it was recorded with, over both
 * trees read from the quarantined mirror repo. A failing analysis becomes a high flag rather than an
 * empty list: "no flags" must never be the result of a crash.
 */
export async function assessRevision(deps: AssessDeps, revision: Revision, now = Date.now()): Promise<RiskFlag[]> {
  try {
    const repo = deps.mirror.repoPath(revision.pkgbase);
    const base = revision.baseCommit ? getRevision(deps.db, revision.pkgbase, revision.baseCommit) : null;
    const [previous, candidate] = await Promise.all([base ? loadRevisionFiles(repo, base.commit) : null, loadRevisionFiles(repo, revision.commit)]);
    const risk = analyzeRisk({
      previous,
      candidate,
      previousMeta: base?.upstreamMeta ?? null,
      candidateMeta: revision.upstreamMeta,
      candidateCommittedAt: revision.committer.date,
      now: Math.floor(now / 1000),
    });
    // History and cross-package signals (maintainer timeline, adoption waves, takedowns, IOC hits).
    return mergeSignalFlags(risk, historyFlags(deps.db, revision, base));
  } catch (error) {
    deps.logger.error({ pkgbase: revision.pkgbase, commit: revision.commit, err: describeError(error) }, 'risk analysis failed');
    return [{ check: 'analysis-failed', severity: 'high', reason: `The risk analysis failed (${describeError(error)}); review every file by hand.` }];
  }
}
