import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { Conflict, InvalidInput, NotFound } from '../errors.js';
import { assertPackageName, isCommitIdPrefix } from '../srcinfo/names.js';
import { appendAudit } from './audit.js';
import { getPackage } from './packages.js';
import { getPendingRevision, getRevision, transitionRevision, type Revision } from './revisions.js';

export interface DecisionInput {
  pkgbase: string;
  /** The commit the reviewer looked at: the full id, or an unambiguous prefix of at least 7 hex digits. */
  commit: string;
  reviewer: string;
  note?: string | undefined;
}

export interface ApproveResult {
  revision: Revision;
  /** True once enough distinct reviewers approved: the revision is now approved and must be published. */
  approved: boolean;
  approvals: number;
  required: number;
}

export function validateActor(name: string, what = 'reviewer'): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 100 || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new InvalidInput(`a ${what} name is required (1-100 printable characters)`);
  }
  return trimmed;
}

function validateCommitArgument(commit: string, pkgbase: string): string {
  const normalized = commit.trim().toLowerCase();
  if (!isCommitIdPrefix(normalized)) {
    throw new InvalidInput(`--commit must be a commit id (7 to 40 hex digits), got ${JSON.stringify(commit.slice(0, 50))}`, { pkgbase });
  }
  return normalized;
}

/**
 * The pending revision, if and only if it is exactly the commit the reviewer names. A decision about
 * any other commit is refused: a reviewer decides what they reviewed, never whatever arrived since.
 */
function pendingMatching(db: Db, input: DecisionInput): Revision {
  const pkgbase = assertPackageName(input.pkgbase, 'pkgbase');
  const commit = validateCommitArgument(input.commit, pkgbase);
  if (!getPackage(db, pkgbase)) throw new NotFound(`unknown package ${pkgbase}`, { pkgbase });
  const pending = getPendingRevision(db, pkgbase);
  if (!pending) {
    const known = db.prepare('SELECT state FROM revisions WHERE pkgbase = ? AND commit_id LIKE ?').get(pkgbase, `${commit}%`) as
      { state: string } | undefined;
    const why = known ? `commit ${commit} is ${known.state}` : 'nothing is awaiting review';
    throw new Conflict(`${pkgbase} has no pending revision (${why})`, { pkgbase, commit });
  }
  if (!pending.commit.startsWith(commit)) {
    throw new Conflict(`commit ${commit} is not the pending revision of ${pkgbase}: the pending one is ${pending.commit} — review that one`, {
      pkgbase,
      commit,
    });
  }
  return pending;
}

export function approveRevision(db: Db, input: DecisionInput, requiredApprovals = 1): ApproveResult {
  const reviewer = validateActor(input.reviewer);
  return inTransaction(db, () => {
    const pending = pendingMatching(db, input);
    const now = Date.now();
    const inserted = db
      .prepare('INSERT OR IGNORE INTO approvals (revision_id, reviewer, at, comment) VALUES (?, ?, ?, ?)')
      .run(pending.id, reviewer, now, input.note ?? null);
    if (inserted.changes === 0)
      throw new Conflict(`${reviewer} already approved ${pending.commit.slice(0, 12)} of ${pending.pkgbase}`, {
        pkgbase: pending.pkgbase,
        commit: pending.commit,
      });
    const approvals = (db.prepare('SELECT COUNT(*) AS n FROM approvals WHERE revision_id = ?').get(pending.id) as { n: number }).n;
    const detail = { comment: input.note ?? null, approvals, required: requiredApprovals, version: pending.version };
    if (approvals < requiredApprovals) {
      appendAudit(db, { actor: reviewer, action: 'revision.approval', pkgbase: pending.pkgbase, commit: pending.commit, detail }, now);
      return { revision: pending, approved: false, approvals, required: requiredApprovals };
    }
    const revision = transitionRevision(db, pending, 'approved', { by: reviewer, note: input.note ?? null, at: now });
    appendAudit(db, { actor: reviewer, action: 'revision.approved', pkgbase: pending.pkgbase, commit: pending.commit, detail }, now);
    return { revision, approved: true, approvals, required: requiredApprovals };
  });
}

export function rejectRevision(db: Db, input: DecisionInput): Revision {
  const reviewer = validateActor(input.reviewer);
  const reason = input.note?.trim();
  if (!reason) throw new InvalidInput('a reason is required to reject a revision', { pkgbase: input.pkgbase });
  return inTransaction(db, () => {
    const pending = pendingMatching(db, input);
    const now = Date.now();
    const revision = transitionRevision(db, pending, 'rejected', { by: reviewer, note: reason, at: now });
    appendAudit(
      db,
      {
        actor: reviewer,
        action: 'revision.rejected',
        pkgbase: pending.pkgbase,
        commit: pending.commit,
        detail: { reason, version: pending.version },
      },
      now,
    );
    return revision;
  });
}

/**
 * Withdraws approvals: the commits stop being served and leave the served repo. The caller passes the
 * named commit first, then every approved revision that descends from it (their history contains it,
 * so serving any of them would serve it again); all are revoked in one transaction.
 */
export function revokeRevisions(db: Db, input: DecisionInput, descendants: readonly string[] = []): Revision[] {
  const actor = validateActor(input.reviewer);
  const reason = input.note?.trim();
  if (!reason) throw new InvalidInput('a reason is required to revoke a revision', { pkgbase: input.pkgbase });
  const pkgbase = assertPackageName(input.pkgbase, 'pkgbase');
  return inTransaction(db, () => {
    const named = resolveRevision(db, pkgbase, validateCommitArgument(input.commit, pkgbase));
    const now = Date.now();
    const revoked = [transitionRevision(db, named, 'revoked', { by: actor, note: reason, at: now })];
    appendAudit(db, { actor, action: 'revision.revoked', pkgbase, commit: named.commit, detail: { reason, version: named.version } }, now);
    for (const commit of descendants) {
      const revision = getRevision(db, pkgbase, commit);
      if (!revision || revision.state !== 'approved' || commit === named.commit) continue;
      const note = `descends from revoked ${named.commit}: ${reason}`;
      revoked.push(transitionRevision(db, revision, 'revoked', { by: actor, note, at: now }));
      appendAudit(
        db,
        { actor, action: 'revision.revoked', pkgbase, commit, detail: { reason: note, version: revision.version, cascadeFrom: named.commit } },
        now,
      );
    }
    return revoked;
  });
}

/** Finds a package's revision by full id or unambiguous prefix. */
export function resolveRevision(db: Db, pkgbase: string, commit: string): Revision {
  const matches = db.prepare('SELECT commit_id FROM revisions WHERE pkgbase = ? AND commit_id LIKE ?').all(pkgbase, `${commit}%`) as Array<{
    commit_id: string;
  }>;
  const revision = matches.length === 1 && matches[0] ? getRevision(db, pkgbase, matches[0].commit_id) : null;
  if (!revision) throw new NotFound(`${pkgbase} has no revision ${commit}${matches.length > 1 ? ' (ambiguous prefix)' : ''}`, { pkgbase, commit });
  return revision;
}
