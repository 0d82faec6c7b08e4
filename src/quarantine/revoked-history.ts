import type { Db } from '../db/open.js';
import { isAncestor } from '../git/history.js';
import { findUserById } from '../accounts/users.js';
import { listReadmissions } from './readmissions.js';
import { listApprovedRevisions, listRevokedRevisions, type Revision } from './revisions.js';

/** A revoked commit found in a revision's history, with the revocation a reviewer must know about. */
export interface RevokedAncestor {
  commit: string;
  version: string | null;
  revokedBy: string | null;
  revokedAt: number | null;
  reason: string | null;
  /** Who re-admitted it and when; null while it is still barred. */
  readmittedBy: string | null;
  readmittedAt: number | null;
}

export interface RevokedHistory {
  revisionId: number;
  /**
   * Every revoked commit of the package when the history was read. A decision compares it with the
   * set inside its transaction, so a revocation landing in between cannot slip past the check.
   */
  revokedOfPackage: string[];
  /** The revoked commits the revision's history contains, in the order they were revoked. */
  commits: RevokedAncestor[];
}

/** The commits of a package's revoked revisions, in the order they were revoked. */
export function revokedCommitsOf(db: Db, pkgbase: string): string[] {
  return listRevokedRevisions(db, pkgbase).map((revision) => revision.commit);
}

/**
 * Revoked commits already let back in: by an approved revision of the package (their objects are served
 * again as part of its history), or by an earlier approval of this very revision (an admin re-admitted
 * them while the revision still waited for more approvals).
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

/**
 * Which revoked commits of the package the revision's history contains (read from the mirror repo).
 * Approving such a revision would push those objects back into the served repo, so they must be
 * re-admitted knowingly first.
 */
export async function revokedHistory(db: Db, mirrorRepo: string, revision: Revision): Promise<RevokedHistory> {
  const revoked = listRevokedRevisions(db, revision.pkgbase);
  const readmitted = readmittedCommits(db, revision.pkgbase, revision.id);
  const commits: RevokedAncestor[] = [];
  for (const row of revoked) {
    if (!(await isAncestor(mirrorRepo, row.commit, revision.commit))) continue;
    const readmission = readmitted.get(row.commit);
    commits.push({
      commit: row.commit,
      version: row.version,
      revokedBy: row.decidedBy,
      revokedAt: row.decidedAt,
      reason: row.decisionNote,
      readmittedBy: readmission?.by ?? null,
      readmittedAt: readmission?.at ?? null,
    });
  }
  return { revisionId: revision.id, revokedOfPackage: revoked.map((row) => row.commit), commits };
}

/** The revoked commits that still bar a plain approval. */
export function barredCommits(history: RevokedHistory): RevokedAncestor[] {
  return history.commits.filter((entry) => entry.readmittedAt === null);
}
