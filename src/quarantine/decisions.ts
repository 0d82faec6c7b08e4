import { roleAllows } from '../accounts/roles.js';
import { requireAccount, type User } from '../accounts/users.js';
import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../errors.js';
import { assertPackageName, isCommitIdPrefix } from '../srcinfo/names.js';
import type { Actor } from './actor.js';
import { appendAudit } from './audit.js';
import { assertNotFrozen } from './auto-policy.js';
import { getPackage } from './packages.js';
import { readPolicy } from './policy.js';
import { applyRebase, type RebasePlan } from './rebase.js';
import { blockingCommits, rangeIsCurrent, readmittedCommits, type RangeCommit, type ServableRange } from './servable-range.js';
import { countApprovals, insertApproval } from './approvals.js';
import { insertReadmissions } from './readmissions.js';
import { findRevisionsByPrefix, getPendingRevision, getRevision, transitionRevision, type Revision } from './revisions.js';

export interface DecisionInput {
  pkgbase: string;
  /** The commit the reviewer looked at: the full id, or an unambiguous prefix of at least 7 hex digits. */
  commit: string;
  /** The account deciding, already authenticated by the transport. */
  by: Actor;
  note?: string | undefined;
}

export interface ApproveInput extends DecisionInput {
  /**
   * Rejected or revoked commits in the range the approval makes servable that the approver knowingly
   * lets into the served repo (full ids or prefixes). Admins only; every barred commit must be named,
   * and a rejected one only with a reason (the note).
   */
  readmit?: readonly string[] | undefined;
}

export interface ApproveResult {
  revision: Revision;
  /** True once enough distinct accounts approved: the revision is now approved and must be published. */
  approved: boolean;
  approvals: number;
  required: number;
  /** Rejected or revoked commits this approval re-admitted. */
  readmitted: string[];
  /** Every commit the approval makes servable (the range), newest first; the approved commit is one of them. */
  range: string[];
}

function validateCommitArgument(commit: string, pkgbase: string, what = '--commit'): string {
  const normalized = commit.trim().toLowerCase();
  if (!isCommitIdPrefix(normalized)) {
    throw new InvalidInput(`${what} must be a commit id (7 to 40 hex digits), got ${JSON.stringify(commit.slice(0, 50))}`, { pkgbase });
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
    const [known] = findRevisionsByPrefix(db, pkgbase, commit);
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

/**
 * Records one account's approval of exactly the pending commit, and with it of every commit in the
 * range it makes servable. The policy (how many distinct accounts must approve) is read here, inside
 * the transaction, so every process decides alike. `history` is the range the caller read from git;
 * it is checked against the database again here.
 */
export function approveRevision(db: Db, input: ApproveInput, history: ServableRange): ApproveResult {
  return inTransaction(db, () => {
    const account = requireAccount(db, input.by.user.id, 'review', 'approving');
    const pending = pendingMatching(db, input);
    assertNotFrozen(db, pending.pkgbase);
    assertHistoryCurrent(db, pending, history);
    const now = Date.now();
    const readmitted = readmit(db, pending, history, input, account, now);
    const inserted = insertApproval(db, pending.id, { userId: account.id, reviewer: account.name, at: now, comment: input.note ?? null });
    const required = readPolicy(db).requiredApprovals;
    const approvals = countApprovals(db, pending.id);
    // Approving twice is refused unless the policy was lowered meanwhile: then it completes the approval.
    if (!inserted && approvals < required)
      throw new Conflict(
        `${account.name} already approved ${pending.commit.slice(0, 12)} of ${pending.pkgbase}; it needs another account's approval`,
        {
          pkgbase: pending.pkgbase,
          commit: pending.commit,
        },
      );
    const range = history.commits.map((entry) => entry.commit);
    const detail = {
      comment: input.note ?? null,
      approvals,
      required,
      version: pending.version,
      range,
      ...(readmitted.length ? { readmitted } : {}),
    };
    const audit = { actor: account.name, channel: input.by.channel, pkgbase: pending.pkgbase, commit: pending.commit, detail };
    if (approvals < required) {
      appendAudit(db, { ...audit, action: 'revision.approval' }, now);
      return { revision: pending, approved: false, approvals, required, readmitted, range };
    }
    const revision = transitionRevision(db, pending, 'approved', { by: account.name, note: input.note ?? null, at: now });
    appendAudit(db, { ...audit, action: 'revision.approved' }, now);
    return { revision, approved: true, approvals, required, readmitted, range };
  });
}

/** The range read from git still describes this revision and what the served repo holds. */
function assertHistoryCurrent(db: Db, pending: Revision, history: ServableRange): void {
  if (!rangeIsCurrent(db, pending, history)) {
    throw new Conflict(`${pending.pkgbase} changed while the approval was checked (a revocation or a new revision); look again and retry`, {
      pkgbase: pending.pkgbase,
      commit: pending.commit,
    });
  }
}

/**
 * Applies the re-admissions an approval asks for and refuses the approval while any rejected or revoked
 * commit in its range is still barred: such objects are served only when someone names them knowingly.
 */
function readmit(db: Db, pending: Revision, history: ServableRange, input: ApproveInput, account: User, now: number): string[] {
  const already = readmittedCommits(db, pending.pkgbase, pending.id);
  const requested = (input.readmit ?? []).map((commit) => resolveBlockingCommit(pending, history, commit));
  const barred = blockingCommits(history).filter((entry) => !already.has(entry.commit));
  const fresh = barred.filter((entry) => requested.some((commit) => commit === entry.commit));
  if (requested.length > 0 && !roleAllows(account.role, 'admin'))
    throw new Forbidden(`re-admitting rejected or revoked commits needs the admin role; ${account.name} is a ${account.role}`, {
      pkgbase: pending.pkgbase,
    });
  const missing = barred.filter((entry) => !fresh.includes(entry));
  if (missing.length > 0) throw new Conflict(barredMessage(pending, missing), { pkgbase: pending.pkgbase, commit: pending.commit });
  if (fresh.length === 0) return [];
  const rejected = fresh.filter((entry) => entry.state === 'rejected');
  if (rejected.length > 0 && !input.note?.trim())
    throw new InvalidInput(
      `re-admitting rejected ${rejected.map((entry) => entry.commit.slice(0, 12)).join(', ')} of ${pending.pkgbase} needs a reason (the comment); it is audited and attested`,
      { pkgbase: pending.pkgbase, commit: pending.commit },
    );
  insertReadmissions(
    db,
    pending.id,
    fresh.map((entry) => entry.commit),
    account.id,
    now,
  );
  appendAudit(
    db,
    {
      actor: account.name,
      channel: input.by.channel,
      action: 'revision.readmitted',
      pkgbase: pending.pkgbase,
      commit: pending.commit,
      detail: {
        version: pending.version,
        comment: input.note ?? null,
        commits: fresh.map((entry) => ({
          commit: entry.commit,
          state: entry.state,
          version: entry.version,
          decidedBy: entry.decidedBy,
          reason: entry.reason,
          ...(entry.state === 'revoked' ? { revokedBy: entry.decidedBy } : {}),
        })),
      },
    },
    now,
  );
  return fresh.map((entry) => entry.commit);
}

function resolveBlockingCommit(pending: Revision, history: ServableRange, commit: string): string {
  const prefix = validateCommitArgument(commit, pending.pkgbase, '--readmit');
  const matches = blockingCommits(history).filter((entry) => entry.commit.startsWith(prefix));
  const [match] = matches;
  if (matches.length !== 1 || !match)
    throw new InvalidInput(
      `${prefix} is not ${matches.length > 1 ? 'an unambiguous id of ' : ''}a rejected or revoked commit in the range ${pending.pkgbase} ${pending.commit} would make servable`,
      {
        pkgbase: pending.pkgbase,
        commit: prefix,
      },
    );
  return match.commit;
}

/** Says plainly what bars the approval and the two ways forward. */
export function barredMessage(pending: Revision, barred: readonly RangeCommit[]): string {
  const states = [...new Set(barred.map((entry) => entry.state))].join(' and ');
  const list = barred
    .map(
      (entry) =>
        `${entry.commit} (${entry.version ?? '?'}, ${entry.state} by ${entry.decidedBy ?? '?'}${entry.decidedAt ? ` on ${new Date(entry.decidedAt).toISOString()}` : ''}: ${entry.reason ?? 'no reason recorded'})`,
    )
    .join('; ');
  const flags = barred.map((entry) => `--readmit ${entry.commit.slice(0, 12)}`).join(' ');
  return (
    `${pending.pkgbase} ${pending.commit} cannot be approved as it is: its history contains ${states} ${barred.length === 1 ? 'commit' : 'commits'} ${list}; ` +
    'approving would serve their bytes as history. Either reject it and wait for upstream to rewrite its history, or have an admin approve it re-admitting them knowingly, with a reason ' +
    `(aurgate approve ${pending.pkgbase} --commit ${pending.commit.slice(0, 12)} ${flags} --comment '<why>', or the re-admission form on the review page)`
  );
}

export function rejectRevision(db: Db, input: DecisionInput): Revision {
  const reason = input.note?.trim();
  if (!reason) throw new InvalidInput('a reason is required to reject a revision', { pkgbase: input.pkgbase });
  return inTransaction(db, () => {
    const account = requireAccount(db, input.by.user.id, 'review', 'rejecting');
    const pending = pendingMatching(db, input);
    const now = Date.now();
    const revision = transitionRevision(db, pending, 'rejected', { by: account.name, note: reason, at: now });
    appendAudit(
      db,
      {
        actor: account.name,
        channel: input.by.channel,
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
 * so serving any of them would serve it again); all are revoked in one transaction, together with the
 * re-base of a pending revision that was to be compared with one of them (see rebase.ts).
 */
export function revokeRevisions(db: Db, input: DecisionInput, descendants: readonly string[] = [], rebase: RebasePlan | null = null): Revision[] {
  const reason = input.note?.trim();
  if (!reason) throw new InvalidInput('a reason is required to revoke a revision', { pkgbase: input.pkgbase });
  const pkgbase = assertPackageName(input.pkgbase, 'pkgbase');
  return inTransaction(db, () => {
    const account = requireAccount(db, input.by.user.id, 'admin', 'revoking');
    const actor = account.name;
    const channel = input.by.channel;
    const named = resolveRevision(db, pkgbase, validateCommitArgument(input.commit, pkgbase));
    const now = Date.now();
    const revoked = [transitionRevision(db, named, 'revoked', { by: actor, note: reason, at: now })];
    appendAudit(db, { actor, channel, action: 'revision.revoked', pkgbase, commit: named.commit, detail: { reason, version: named.version } }, now);
    for (const commit of descendants) {
      const revision = getRevision(db, pkgbase, commit);
      if (!revision || revision.state !== 'approved' || commit === named.commit) continue;
      const note = `descends from revoked ${named.commit}: ${reason}`;
      revoked.push(transitionRevision(db, revision, 'revoked', { by: actor, note, at: now }));
      appendAudit(
        db,
        {
          actor,
          channel,
          action: 'revision.revoked',
          pkgbase,
          commit,
          detail: { reason: note, version: revision.version, cascadeFrom: named.commit },
        },
        now,
      );
    }
    if (rebase) applyRebase(db, rebase, { name: actor, channel }, `base ${rebase.fromBase ?? ''} revoked: ${reason}`, now);
    return revoked;
  });
}

/** Finds a package's revision by full id or unambiguous prefix. */
export function resolveRevision(db: Db, pkgbase: string, commit: string): Revision {
  const matches = findRevisionsByPrefix(db, pkgbase, commit);
  const revision = matches.length === 1 ? (matches[0] ?? null) : null;
  if (!revision) throw new NotFound(`${pkgbase} has no revision ${commit}${matches.length > 1 ? ' (ambiguous prefix)' : ''}`, { pkgbase, commit });
  return revision;
}
