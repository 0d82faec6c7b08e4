import type { Db } from '../db/open.js';

/** One revision a verified log entry approved (and perhaps a later one revoked), as a replica holds it. */
export interface ReplicaRevision {
  pkgbase: string;
  commit: string;
  state: 'approved' | 'revoked';
  version: string | null;
  srcinfoText: string | null;
  maintainer: string | null;
  reviewers: string[];
  authorDate: number | null;
  committerDate: number | null;
  approvalIndex: number | null;
  /** Epoch ms: when the primary's reviewers approved it (the statement's decidedAt). */
  approvedAt: number | null;
  revokeReason: string | null;
}

export interface ApprovalRecord {
  pkgbase: string;
  commit: string;
  version: string | null;
  srcinfoText: string | null;
  maintainer: string | null;
  reviewers: readonly string[];
  authorDate: number;
  committerDate: number;
  logIndex: number;
  approvedAt: number;
}

interface Row {
  pkgbase: string;
  commit_id: string;
  state: 'approved' | 'revoked';
  version: string | null;
  srcinfo_text: string | null;
  maintainer: string | null;
  reviewers: string;
  author_date: number | null;
  committer_date: number | null;
  approval_idx: number | null;
  approved_at: number | null;
  revoke_reason: string | null;
}

const COLUMNS =
  'pkgbase, commit_id, state, version, srcinfo_text, maintainer, reviewers, author_date, committer_date, approval_idx, approved_at, revoke_reason';

function fromRow(row: Row): ReplicaRevision {
  return {
    pkgbase: row.pkgbase,
    commit: row.commit_id,
    state: row.state,
    version: row.version,
    srcinfoText: row.srcinfo_text,
    maintainer: row.maintainer,
    reviewers: JSON.parse(row.reviewers) as string[],
    authorDate: row.author_date,
    committerDate: row.committer_date,
    approvalIndex: row.approval_idx,
    approvedAt: row.approved_at,
    revokeReason: row.revoke_reason,
  };
}

/**
 * The replica's record of applied decisions (the only module that reads or writes replica_revisions).
 * An approval of a revoked commit (a re-admission on the primary) makes it approved again, with the
 * new log index, as the primary's new approved_seq does.
 */
export function recordReplicaApproval(db: Db, record: ApprovalRecord): void {
  db.prepare(
    `INSERT INTO replica_revisions (${COLUMNS}) VALUES (?, ?, 'approved', ?, ?, ?, ?, ?, ?, ?, ?, NULL)
     ON CONFLICT (pkgbase, commit_id) DO UPDATE SET state = 'approved', version = excluded.version, srcinfo_text = excluded.srcinfo_text,
       maintainer = excluded.maintainer, reviewers = excluded.reviewers, author_date = excluded.author_date,
       committer_date = excluded.committer_date, approval_idx = excluded.approval_idx, approved_at = excluded.approved_at,
       revoke_idx = NULL, revoke_reason = NULL`,
  ).run(
    record.pkgbase,
    record.commit,
    record.version,
    record.srcinfoText,
    record.maintainer,
    JSON.stringify(record.reviewers),
    record.authorDate,
    record.committerDate,
    record.logIndex,
    record.approvedAt,
  );
}

/** A revocation; recorded even when the approval was never applied here, so its URLs answer 410. */
export function recordReplicaRevocation(
  db: Db,
  revocation: { pkgbase: string; commit: string; version: string | null; reason: string; logIndex: number; reviewers: readonly string[] },
): void {
  db.prepare(
    `INSERT INTO replica_revisions (pkgbase, commit_id, state, version, reviewers, revoke_idx, revoke_reason) VALUES (?, ?, 'revoked', ?, ?, ?, ?)
     ON CONFLICT (pkgbase, commit_id) DO UPDATE SET state = 'revoked', revoke_idx = excluded.revoke_idx, revoke_reason = excluded.revoke_reason`,
  ).run(revocation.pkgbase, revocation.commit, revocation.version, JSON.stringify(revocation.reviewers), revocation.logIndex, revocation.reason);
}

export function replicaRevision(db: Db, pkgbase: string, commit: string): ReplicaRevision | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM replica_revisions WHERE pkgbase = ? AND commit_id = ?`).get(pkgbase, commit) as Row | undefined;
  return row ? fromRow(row) : null;
}

/** The approved commits of a package, newest approval first (the first is the served head). */
export function replicaApprovedCommits(db: Db, pkgbase: string): string[] {
  return db
    .prepare("SELECT commit_id FROM replica_revisions WHERE pkgbase = ? AND state = 'approved' ORDER BY approval_idx DESC")
    .pluck()
    .all(pkgbase) as string[];
}

/** The served head of every package: its newest approved revision. */
export function replicaServedHeads(db: Db): ReplicaRevision[] {
  const rows = db
    .prepare(
      `SELECT ${COLUMNS} FROM replica_revisions AS r WHERE state = 'approved' AND approval_idx =
         (SELECT MAX(approval_idx) FROM replica_revisions WHERE pkgbase = r.pkgbase AND state = 'approved') ORDER BY pkgbase`,
    )
    .all() as Row[];
  return rows.map(fromRow);
}

/** Every package the replica has a decision about (what start-up repair reconciles). */
export function replicaPackages(db: Db): string[] {
  return db.prepare('SELECT DISTINCT pkgbase FROM replica_revisions ORDER BY pkgbase').pluck().all() as string[];
}

/** Whether any package ever had a decision applied for `pkgbase` (an unknown name versus a revoked one). */
export function replicaKnows(db: Db, pkgbase: string): boolean {
  return db.prepare('SELECT 1 FROM replica_revisions WHERE pkgbase = ? LIMIT 1').get(pkgbase) !== undefined;
}
