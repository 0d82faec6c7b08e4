import type { Db } from '../db/open.js';
import { isAncestor } from '../git/history.js';
import type { Revision } from './revisions.js';

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

interface RevokedRow {
  commit_id: string;
  version: string | null;
  decided_by: string | null;
  decided_at: number | null;
  decision_note: string | null;
}

export function revokedCommitsOf(db: Db, pkgbase: string): RevokedRow[] {
  return db
    .prepare(
      "SELECT commit_id, version, decided_by, decided_at, decision_note FROM revisions WHERE pkgbase = ? AND state = 'revoked' ORDER BY decided_at, id",
    )
    .all(pkgbase) as RevokedRow[];
}

/**
 * Revoked commits already let back in: by an approved revision of the package (their objects are served
 * again as part of its history), or by an earlier approval of this very revision (an admin re-admitted
 * them while the revision still waited for more approvals).
 */
export function readmittedCommits(db: Db, pkgbase: string, revisionId: number): Map<string, { by: string; at: number }> {
  const rows = db
    .prepare(
      `SELECT r.commit_id, u.name, r.at FROM readmissions r
       JOIN revisions v ON v.id = r.revision_id JOIN users u ON u.id = r.user_id
       WHERE v.pkgbase = ? AND (v.state = 'approved' OR v.id = ?) ORDER BY r.at`,
    )
    .all(pkgbase, revisionId) as Array<{ commit_id: string; name: string; at: number }>;
  return new Map(rows.map((row) => [row.commit_id, { by: row.name, at: row.at }]));
}

/**
 * Which revoked commits of the package the revision's history contains (read from the mirror repo).
 * Approving such a revision would push those objects back into the served repo, so they must be
 * re-admitted knowingly first.
 */
export async function revokedHistory(db: Db, mirrorRepo: string, revision: Revision): Promise<RevokedHistory> {
  const revoked = revokedCommitsOf(db, revision.pkgbase);
  const readmitted = readmittedCommits(db, revision.pkgbase, revision.id);
  const commits: RevokedAncestor[] = [];
  for (const row of revoked) {
    if (!(await isAncestor(mirrorRepo, row.commit_id, revision.commit))) continue;
    const readmission = readmitted.get(row.commit_id);
    commits.push({
      commit: row.commit_id,
      version: row.version,
      revokedBy: row.decided_by,
      revokedAt: row.decided_at,
      reason: row.decision_note,
      readmittedBy: readmission?.by ?? null,
      readmittedAt: readmission?.at ?? null,
    });
  }
  return { revisionId: revision.id, revokedOfPackage: revoked.map((row) => row.commit_id), commits };
}

/** The revoked commits that still bar a plain approval. */
export function barredCommits(history: RevokedHistory): RevokedAncestor[] {
  return history.commits.filter((entry) => entry.readmittedAt === null);
}
