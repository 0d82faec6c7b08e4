import type { Db } from '../db/open.js';
import { countApprovals as countOne } from './decisions.js';

export interface Approval {
  /** The approving account; null for an approval recorded before approvals were tied to accounts. */
  userId: number | null;
  /** The account's name when it approved. */
  reviewer: string;
  at: number;
  comment: string | null;
}

/** The approvals recorded so far for a revision (the two-person rule counts distinct accounts). */
export function listApprovals(db: Db, revisionId: number): Approval[] {
  return db
    .prepare('SELECT user_id AS userId, reviewer, at, comment FROM approvals WHERE revision_id = ? ORDER BY at, id')
    .all(revisionId) as Approval[];
}

export function countApprovals(db: Db, revisionIds: readonly number[]): Map<number, number> {
  return new Map(revisionIds.map((id) => [id, countOne(db, id)]));
}
