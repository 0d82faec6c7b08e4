import { blockingCommits, type ServableRange } from '../quarantine/servable-range.js';
import type { RiskFlag } from '../review/risk/index.js';
import { rangeEntries } from './review.js';

/**
 * The range an approval makes servable, as the CLI's `--json` and the API give it: each commit with
 * its state, who decided on it and why, its re-admission and its own flags.
 */
export function rangeJson(range: ServableRange, flags: readonly RiskFlag[]) {
  return rangeEntries(range, flags).map((entry) => ({
    commit: entry.commit,
    subject: entry.subject,
    author: entry.authorName,
    committedAt: entry.committedAt * 1000,
    state: entry.state,
    version: entry.version,
    decidedBy: entry.decidedBy,
    decidedAt: entry.decidedAt,
    reason: entry.reason,
    readmittedBy: entry.readmittedBy,
    readmittedAt: entry.readmittedAt,
    flags: entry.flags,
  }));
}

/** Rejected and revoked commits of the range in the shape `revokedInHistory` always had (revoked ones only there). */
export function blockedInHistoryJson(range: ServableRange, state: 'rejected' | 'revoked') {
  return blockingCommits(range)
    .filter((entry) => entry.state === state)
    .map((entry) => ({
      commit: entry.commit,
      version: entry.version,
      ...(state === 'revoked'
        ? { revokedBy: entry.decidedBy, revokedAt: entry.decidedAt }
        : { rejectedBy: entry.decidedBy, rejectedAt: entry.decidedAt }),
      reason: entry.reason,
      readmittedBy: entry.readmittedBy,
      readmittedAt: entry.readmittedAt,
    }));
}
