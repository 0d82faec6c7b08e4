import type { Db } from '../../db/open.js';

export interface Approval {
  reviewer: string;
  at: number;
  comment: string | null;
}

/** The approvals recorded so far for a revision (the two-person rule counts distinct reviewers). */
export function listApprovals(db: Db, revisionId: number): Approval[] {
  return db.prepare('SELECT reviewer, at, comment FROM approvals WHERE revision_id = ? ORDER BY at, reviewer').all(revisionId) as Approval[];
}

export function countApprovals(db: Db, revisionIds: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  const query = db.prepare('SELECT COUNT(*) AS n FROM approvals WHERE revision_id = ?');
  for (const id of revisionIds) counts.set(id, (query.get(id) as { n: number }).n);
  return counts;
}
