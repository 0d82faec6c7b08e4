import type { Db } from '../db/open.js';

/** The `approvals` table: one row per account that approved a pending revision. */
export interface Approval {
  /** The approving account; null for an approval recorded before approvals were tied to accounts. */
  userId: number | null;
  /** The account's name when it approved. */
  reviewer: string;
  at: number;
  comment: string | null;
}

/** Records an approval; false when this account had already approved the revision. */
export function insertApproval(db: Db, revisionId: number, approval: Approval & { userId: number }): boolean {
  const result = db
    .prepare('INSERT OR IGNORE INTO approvals (revision_id, user_id, reviewer, at, comment) VALUES (?, ?, ?, ?, ?)')
    .run(revisionId, approval.userId, approval.reviewer, approval.at, approval.comment);
  return result.changes > 0;
}

/** The approvals recorded so far for a revision, oldest first. */
export function listApprovals(db: Db, revisionId: number): Approval[] {
  return db
    .prepare('SELECT user_id AS userId, reviewer, at, comment FROM approvals WHERE revision_id = ? ORDER BY at, id')
    .all(revisionId) as Approval[];
}

/** Distinct accounts that approved a revision: the count the two-person rule compares. */
export function countApprovals(db: Db, revisionId: number): number {
  return (
    db.prepare('SELECT COUNT(DISTINCT user_id) AS n FROM approvals WHERE revision_id = ? AND user_id IS NOT NULL').get(revisionId) as { n: number }
  ).n;
}

export function countApprovalsOf(db: Db, revisionIds: readonly number[]): Map<number, number> {
  return new Map(revisionIds.map((id) => [id, countApprovals(db, id)]));
}

/** Removes a revision's approvals (its diff changed under them); returns who had approved. */
export function withdrawApprovals(db: Db, revisionId: number): string[] {
  const reviewers = listApprovals(db, revisionId).map((approval) => approval.reviewer);
  db.prepare('DELETE FROM approvals WHERE revision_id = ?').run(revisionId);
  return reviewers;
}
