import type { Db } from '../db/open.js';

/** The `readmissions` table: revoked commits an admin let back in with the approval of a revision. */
export interface Readmission {
  revisionId: number;
  commit: string;
  userId: number;
  at: number;
}

export function insertReadmissions(db: Db, revisionId: number, commits: readonly string[], userId: number, at: number): void {
  const insert = db.prepare('INSERT OR IGNORE INTO readmissions (revision_id, commit_id, user_id, at) VALUES (?, ?, ?, ?)');
  for (const commit of commits) insert.run(revisionId, commit, userId, at);
}

/** The re-admissions recorded with any of these revisions, oldest first. */
export function listReadmissions(db: Db, revisionIds: readonly number[]): Readmission[] {
  const select = db.prepare('SELECT revision_id AS revisionId, commit_id AS "commit", user_id AS userId, at FROM readmissions WHERE revision_id = ?');
  return revisionIds.flatMap((id) => select.all(id) as Readmission[]).sort((a, b) => a.at - b.at);
}
