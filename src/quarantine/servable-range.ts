import type { Db } from '../db/open.js';
import { Conflict } from '../errors.js';
import { commitsReachableExcept } from '../git/history.js';
import { findUserById } from '../accounts/users.js';
import { listReadmissions } from './readmissions.js';
import { getRevision, listApprovedRevisions, listRevokedRevisions, type Revision } from './revisions.js';

/**
 * What an approval makes servable. Publishing a commit pushes its whole history into the served repo,
 * so approving C serves every commit reachable from C that the served repo does not hold yet: C and
 * everything between it and the approved commits (for a first revision, the package's whole history).
 * Each of those commits is named here with what aurgate knows of it, and the decision approves them all.
 */
export type RangeState =
  /** The pending revision being approved. */
  | 'candidate'
  /** Recorded as a pending revision once, then replaced by a newer upstream head before anyone decided. */
  | 'superseded'
  /** A reviewer rejected it: it bars the approval until an admin re-admits it. */
  | 'rejected'
  /** Its approval was withdrawn: it bars the approval until an admin re-admits it. */
  | 'revoked'
  /** Never a revision of its own (pushed and built upon between two syncs, or history before the first sync). */
  | 'unrecorded';

export interface RangeCommit {
  commit: string;
  subject: string;
  authorName: string;
  /** Epoch seconds. */
  committedAt: number;
  state: RangeState;
  version: string | null;
  /** Who rejected, revoked or superseded it, when and why (null for candidate and unrecorded commits). */
  decidedBy: string | null;
  decidedAt: number | null;
  reason: string | null;
  /** Who re-admitted it and when; null while a rejected or revoked commit still bars the approval. */
  readmittedBy: string | null;
  readmittedAt: number | null;
}

export interface ServableRange {
  revisionId: number;
  /**
   * The approved and the revoked commits of the package when the range was read from git. A decision
   * compares them with the database inside its transaction, so a revocation landing in between (which
   * changes what the served repo holds) cannot slip past the check.
   */
  approvedOfPackage: string[];
  revokedOfPackage: string[];
  /** Every commit the approval makes servable, newest first; the candidate is one of them. */
  commits: RangeCommit[];
}

/**
 * A range longer than this is refused rather than read: no reviewer reads 10,000 commits, and the
 * decision, its audit row and its attestation name every one.
 */
export const MAX_RANGE_COMMITS = 10_000;

/** Upstream's subjects and names are clipped: a range of 10,000 commits stays a small page and a small answer. */
const MAX_TEXT_CHARS = 200;
const clip = (text: string): string => (text.length <= MAX_TEXT_CHARS ? text : `${text.slice(0, MAX_TEXT_CHARS - 1)}…`);

/** The commits of a package's revoked revisions, in the order they were revoked. */
export function revokedCommitsOf(db: Db, pkgbase: string): string[] {
  return listRevokedRevisions(db, pkgbase).map((revision) => revision.commit);
}

/** The commits the package's served repo holds: those of its approved, non-revoked revisions. */
export function approvedCommitsOf(db: Db, pkgbase: string): string[] {
  return listApprovedRevisions(db, pkgbase).map((revision) => revision.commit);
}

/**
 * Rejected or revoked commits already let back in: by an approved revision of the package (their
 * objects are served again as part of its history), or by an earlier approval of this very revision
 * (an admin re-admitted them while the revision still waited for more approvals).
 */
export function readmittedCommits(db: Db, pkgbase: string, revisionId: number): Map<string, { by: string; at: number }> {
  const revisions = [...listApprovedRevisions(db, pkgbase).map((revision) => revision.id), revisionId];
  const names = new Map<number, string>();
  const nameOf = (userId: number): string => {
    let name = names.get(userId);
    if (name === undefined) names.set(userId, (name = findUserById(db, userId)?.name ?? `#${userId}`));
    return name;
  };
  return new Map(listReadmissions(db, revisions).map((entry) => [entry.commit, { by: nameOf(entry.userId), at: entry.at }]));
}

/** Reads from the mirror repo every commit approving `revision` would make servable, each with its state. */
export async function servableRange(db: Db, mirrorRepo: string, revision: Revision): Promise<ServableRange> {
  const approvedOfPackage = approvedCommitsOf(db, revision.pkgbase);
  const found = await commitsReachableExcept(mirrorRepo, revision.commit, approvedOfPackage, MAX_RANGE_COMMITS + 1);
  if (found.length > MAX_RANGE_COMMITS)
    throw new Conflict(
      `${revision.pkgbase} ${revision.commit} would make more than ${MAX_RANGE_COMMITS} commits servable at once; ` +
        'reject it (or ask upstream to squash its history)',
      { pkgbase: revision.pkgbase, commit: revision.commit },
    );
  const readmitted = readmittedCommits(db, revision.pkgbase, revision.id);
  const commits = found.map((info): RangeCommit => {
    const known = info.id === revision.commit ? revision : getRevision(db, revision.pkgbase, info.id);
    const state = rangeState(known, revision);
    const decided = state === 'candidate' || state === 'unrecorded' ? null : known;
    const readmission = readmitted.get(info.id);
    return {
      commit: info.id,
      subject: clip(info.subject),
      authorName: clip(info.authorName),
      committedAt: info.committerDate,
      state,
      version: known?.version ?? null,
      decidedBy: decided?.decidedBy ?? null,
      decidedAt: decided?.decidedAt ?? null,
      reason: decided?.decisionNote ?? null,
      readmittedBy: readmission?.by ?? null,
      readmittedAt: readmission?.at ?? null,
    };
  });
  return { revisionId: revision.id, approvedOfPackage, revokedOfPackage: revokedCommitsOf(db, revision.pkgbase), commits };
}

function rangeState(known: Revision | null, candidate: Revision): RangeState {
  if (known === null) return 'unrecorded';
  if (known.id === candidate.id) return 'candidate';
  // An approved revision is never in the range (its commit is excluded); pending is only the candidate.
  if (known.state === 'rejected' || known.state === 'revoked' || known.state === 'superseded') return known.state;
  return 'unrecorded';
}

/**
 * The range read from git still describes this revision and what the served repo holds: no revocation
 * or approval since, and the candidate is in it (a range without it would approve something else).
 * Call inside the decision's transaction.
 */
export function rangeIsCurrent(db: Db, revision: Revision, range: ServableRange): boolean {
  const same = (now: readonly string[], then: readonly string[]) => {
    const known = new Set(then);
    return now.length === known.size && now.every((commit) => known.has(commit));
  };
  return (
    range.revisionId === revision.id &&
    range.commits.some((entry) => entry.commit === revision.commit) &&
    same(revokedCommitsOf(db, revision.pkgbase), range.revokedOfPackage) &&
    same(approvedCommitsOf(db, revision.pkgbase), range.approvedOfPackage)
  );
}

/** Rejected and revoked commits of the range, re-admitted or not. */
export function blockingCommits(range: ServableRange): RangeCommit[] {
  return range.commits.filter((entry) => entry.state === 'rejected' || entry.state === 'revoked');
}

/** The rejected and revoked commits that still bar a plain approval. */
export function barredCommits(range: ServableRange): RangeCommit[] {
  return blockingCommits(range).filter((entry) => entry.readmittedAt === null);
}

/** The commits of the range other than the candidate: the ones nobody decided on by themselves. */
export function intermediateOf(range: ServableRange): RangeCommit[] {
  return range.commits.filter((entry) => entry.state !== 'candidate');
}
