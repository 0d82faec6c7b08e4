import { inTransaction, type Db } from '../db/open.js';
import type { CommitInfo } from '../git/history.js';
import type { RevisionClass, SemanticChange } from '../review/classify-types.js';
import type { Srcinfo } from '../srcinfo/types.js';
import type { UpstreamMeta } from '../upstream/rpc-schema.js';
import { appendAudit } from './audit.js';
import { allowlistedPkgbases } from './packages.js';
import { assertTransition, type RevisionState } from './states.js';

export interface Revision {
  id: number;
  pkgbase: string;
  commit: string;
  state: RevisionState;
  baseCommit: string | null;
  previousHead: string | null;
  historyRewritten: boolean;
  commits: CommitInfo[];
  author: { name: string; email: string; date: number };
  committer: { name: string; email: string; date: number };
  srcinfoText: string | null;
  srcinfo: Srcinfo | null;
  srcinfoError: string | null;
  version: string | null;
  upstreamMeta: UpstreamMeta | null;
  recordedAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
  decisionNote: string | null;
  approvedSeq: number | null;
  /** The recorded class of the change (see recordClassification); null until classified. */
  classification: StoredClassification | null;
}

/** A revision's class as recorded: against which base it was computed, and the condensed change. */
export interface StoredClassification {
  class: RevisionClass;
  classes: RevisionClass[];
  /** The base commit the change was classified against (null for a first revision). */
  base: string | null;
  changes: SemanticChange[];
}

interface RevisionRow {
  id: number;
  pkgbase: string;
  commit_id: string;
  state: RevisionState;
  base_commit: string | null;
  previous_head: string | null;
  history_rewritten: number;
  commits: string;
  author_name: string;
  author_email: string;
  author_date: number;
  committer_name: string;
  committer_email: string;
  committer_date: number;
  srcinfo_text: string | null;
  srcinfo: string | null;
  srcinfo_error: string | null;
  version: string | null;
  upstream_meta: string;
  recorded_at: number;
  decided_at: number | null;
  decided_by: string | null;
  decision_note: string | null;
  approved_seq: number | null;
  change_class: string | null;
  change_class_base: string | null;
  change_summary: string | null;
}

function classificationOf(row: RevisionRow): StoredClassification | null {
  if (row.change_class === null || row.change_summary === null) return null;
  const summary = JSON.parse(row.change_summary) as { classes: RevisionClass[]; changes: SemanticChange[] };
  return { class: row.change_class as RevisionClass, classes: summary.classes, base: row.change_class_base, changes: summary.changes };
}

function toRevision(row: RevisionRow): Revision {
  return {
    id: row.id,
    pkgbase: row.pkgbase,
    commit: row.commit_id,
    state: row.state,
    baseCommit: row.base_commit,
    previousHead: row.previous_head,
    historyRewritten: row.history_rewritten === 1,
    commits: JSON.parse(row.commits) as CommitInfo[],
    author: { name: row.author_name, email: row.author_email, date: row.author_date },
    committer: { name: row.committer_name, email: row.committer_email, date: row.committer_date },
    srcinfoText: row.srcinfo_text,
    srcinfo: row.srcinfo ? (JSON.parse(row.srcinfo) as Srcinfo) : null,
    srcinfoError: row.srcinfo_error,
    version: row.version,
    upstreamMeta: row.upstream_meta === 'null' ? null : (JSON.parse(row.upstream_meta) as UpstreamMeta),
    recordedAt: row.recorded_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    decisionNote: row.decision_note,
    approvedSeq: row.approved_seq,
    classification: classificationOf(row),
  };
}

export function getPendingRevision(db: Db, pkgbase: string): Revision | null {
  const row = db.prepare("SELECT * FROM revisions WHERE pkgbase = ? AND state = 'pending'").get(pkgbase) as RevisionRow | undefined;
  return row ? toRevision(row) : null;
}

/** The newest approved, non-revoked revision: what is served for the package. */
export function getServedRevision(db: Db, pkgbase: string): Revision | null {
  const row = db.prepare("SELECT * FROM revisions WHERE pkgbase = ? AND state = 'approved' ORDER BY approved_seq DESC LIMIT 1").get(pkgbase) as
    RevisionRow | undefined;
  return row ? toRevision(row) : null;
}

export function getRevision(db: Db, pkgbase: string, commit: string): Revision | null {
  const row = db.prepare('SELECT * FROM revisions WHERE pkgbase = ? AND commit_id = ?').get(pkgbase, commit) as RevisionRow | undefined;
  return row ? toRevision(row) : null;
}

export function listRevisions(db: Db, pkgbase: string): Revision[] {
  return (db.prepare('SELECT * FROM revisions WHERE pkgbase = ? ORDER BY id DESC').all(pkgbase) as RevisionRow[]).map(toRevision);
}

/** Pending revisions of allowlisted packages, oldest first (the review queue). */
export function listPendingRevisions(db: Db): Revision[] {
  const listed = allowlistedPkgbases(db);
  const rows = db.prepare("SELECT * FROM revisions WHERE state = 'pending' ORDER BY recorded_at, id").all() as RevisionRow[];
  return rows.filter((row) => listed.has(row.pkgbase)).map(toRevision);
}

/** A package's revisions whose commit id starts with `prefix` (a reviewer may name a commit by prefix). */
export function findRevisionsByPrefix(db: Db, pkgbase: string, prefix: string): Revision[] {
  const rows = db
    .prepare('SELECT * FROM revisions WHERE pkgbase = ? AND substr(commit_id, 1, ?) = ?')
    .all(pkgbase, prefix.length, prefix) as RevisionRow[];
  return rows.map(toRevision);
}

export function getRevisionById(db: Db, id: number): Revision | null {
  const row = db.prepare('SELECT * FROM revisions WHERE id = ?').get(id) as RevisionRow | undefined;
  return row ? toRevision(row) : null;
}

/** A package's revoked revisions, in the order they were revoked. */
export function listRevokedRevisions(db: Db, pkgbase: string): Revision[] {
  const rows = db.prepare("SELECT * FROM revisions WHERE pkgbase = ? AND state = 'revoked' ORDER BY decided_at, id").all(pkgbase) as RevisionRow[];
  return rows.map(toRevision);
}

/** How many revisions of allowlisted packages wait for review, and since when the oldest has. */
export function pendingSummary(db: Db): { count: number; oldestAt: number | null } {
  const listed = allowlistedPkgbases(db);
  const rows = (
    db.prepare("SELECT pkgbase, recorded_at FROM revisions WHERE state = 'pending'").all() as Array<{ pkgbase: string; recorded_at: number }>
  ).filter((row) => listed.has(row.pkgbase));
  return { count: rows.length, oldestAt: rows.length === 0 ? null : Math.min(...rows.map((row) => row.recorded_at)) };
}

/** Allowlisted packages with an approved head. */
export function countServedPackages(db: Db): number {
  const listed = allowlistedPkgbases(db);
  const rows = db.prepare("SELECT DISTINCT pkgbase FROM revisions WHERE state = 'approved'").all() as Array<{ pkgbase: string }>;
  return rows.filter((row) => listed.has(row.pkgbase)).length;
}

/** Packages that have, or had, an approved revision: the ones whose served repo may hold anything. */
export function pkgbasesWithDecisions(db: Db): string[] {
  const rows = db.prepare("SELECT DISTINCT pkgbase FROM revisions WHERE state IN ('approved', 'revoked') ORDER BY pkgbase").all() as Array<{
    pkgbase: string;
  }>;
  return rows.map((row) => row.pkgbase);
}

/**
 * Points a pending revision at another base (see rebase.ts), with the commits between them. Must run
 * inside the caller's transaction.
 */
export function setRevisionBase(db: Db, id: number, base: { commit: string | null; commits: CommitInfo[]; historyRewritten: boolean }): void {
  db.prepare("UPDATE revisions SET base_commit = ?, commits = ?, history_rewritten = ? WHERE id = ? AND state = 'pending'").run(
    base.commit,
    JSON.stringify(base.commits),
    base.historyRewritten ? 1 : 0,
    id,
  );
}

/** Every approved (non-revoked) revision, newest approval first. */
export function listApprovedRevisions(db: Db, pkgbase?: string): Revision[] {
  const rows = (
    pkgbase
      ? db.prepare("SELECT * FROM revisions WHERE state = 'approved' AND pkgbase = ? ORDER BY approved_seq DESC").all(pkgbase)
      : db.prepare("SELECT * FROM revisions WHERE state = 'approved' ORDER BY pkgbase, approved_seq DESC").all()
  ) as RevisionRow[];
  return rows.map(toRevision);
}

export interface NewRevision {
  pkgbase: string;
  commit: string;
  baseCommit: string | null;
  previousHead: string | null;
  historyRewritten: boolean;
  commits: CommitInfo[];
  head: CommitInfo;
  srcinfoText: string | null;
  srcinfo: Srcinfo | null;
  srcinfoError: string | null;
  version: string | null;
  upstreamMeta: UpstreamMeta | null;
}

/**
 * Records a new upstream head as the package's pending revision. A revision still pending is
 * superseded: the new one is reviewed against the last approved revision, so its diff covers
 * everything in between. Must run inside the caller's transaction.
 */
export function insertPendingRevision(db: Db, revision: NewRevision, now = Date.now()): Revision {
  const previous = getPendingRevision(db, revision.pkgbase);
  if (previous) {
    assertTransition(previous.state, 'superseded', { pkgbase: previous.pkgbase, commit: previous.commit });
    db.prepare("UPDATE revisions SET state = 'superseded', decided_at = ?, decided_by = 'sync' WHERE id = ?").run(now, previous.id);
    appendAudit(
      db,
      {
        actor: 'sync',
        channel: 'system',
        action: 'revision.superseded',
        pkgbase: previous.pkgbase,
        commit: previous.commit,
        detail: { by: revision.commit },
      },
      now,
    );
  }
  const { head } = revision;
  const result = db
    .prepare(
      `INSERT INTO revisions (pkgbase, commit_id, state, base_commit, previous_head, history_rewritten, commits,
         author_name, author_email, author_date, committer_name, committer_email, committer_date,
         srcinfo_text, srcinfo, srcinfo_error, version, upstream_meta, recorded_at)
       VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      revision.pkgbase,
      revision.commit,
      revision.baseCommit,
      revision.previousHead,
      revision.historyRewritten ? 1 : 0,
      JSON.stringify(revision.commits),
      head.authorName,
      head.authorEmail,
      head.authorDate,
      head.committerName,
      head.committerEmail,
      head.committerDate,
      revision.srcinfoText,
      revision.srcinfo ? JSON.stringify(revision.srcinfo) : null,
      revision.srcinfoError,
      revision.version,
      JSON.stringify(revision.upstreamMeta),
      now,
    );
  appendAudit(
    db,
    {
      actor: 'sync',
      channel: 'system',
      action: 'revision.recorded',
      pkgbase: revision.pkgbase,
      commit: revision.commit,
      detail: {
        version: revision.version,
        base: revision.baseCommit,
        historyRewritten: revision.historyRewritten,
        srcinfoError: revision.srcinfoError,
      },
    },
    now,
  );
  const row = db.prepare('SELECT * FROM revisions WHERE id = ?').get(result.lastInsertRowid) as RevisionRow;
  return toRevision(row);
}

/** Moves a revision to a new state after checking the transition table; returns the updated row. */
export function transitionRevision(
  db: Db,
  revision: Revision,
  to: RevisionState,
  decision: { by: string; note: string | null; at: number },
): Revision {
  assertTransition(revision.state, to, { pkgbase: revision.pkgbase, commit: revision.commit });
  const seq =
    to === 'approved'
      ? (db.prepare('SELECT COALESCE(MAX(approved_seq), 0) + 1 AS next FROM revisions').get() as { next: number }).next
      : revision.approvedSeq;
  db.prepare('UPDATE revisions SET state = ?, decided_at = ?, decided_by = ?, decision_note = ?, approved_seq = ? WHERE id = ? AND state = ?').run(
    to,
    decision.at,
    decision.by,
    decision.note,
    seq,
    revision.id,
    revision.state,
  );
  return toRevision(db.prepare('SELECT * FROM revisions WHERE id = ?').get(revision.id) as RevisionRow);
}

/** The served head of every allowlisted package: its newest approved, non-revoked revision. */
export function listServedHeads(db: Db): Revision[] {
  const listed = allowlistedPkgbases(db);
  const rows = db
    .prepare(
      `SELECT r.* FROM revisions r
       WHERE r.state = 'approved'
         AND r.approved_seq = (SELECT MAX(r2.approved_seq) FROM revisions r2 WHERE r2.pkgbase = r.pkgbase AND r2.state = 'approved')
       ORDER BY r.pkgbase`,
    )
    .all() as RevisionRow[];
  return rows.filter((row) => listed.has(row.pkgbase)).map(toRevision);
}

/** The state of the most recent revision of a package, for telling a client why nothing is served. */
export function latestRevisionState(db: Db, pkgbase: string): RevisionState | null {
  const row = db.prepare('SELECT state FROM revisions WHERE pkgbase = ? ORDER BY id DESC LIMIT 1').get(pkgbase) as
    { state: RevisionState } | undefined;
  return row?.state ?? null;
}

/** The condensed change kept with a revision: enough for the queue and the audit, bounded for a hostile one. */
const MAX_STORED_CHANGES = 100;
const MAX_CHANGE_TEXT = 500;

/**
 * Records the class of a pending revision's change and says so in the audit log, so a class is never
 * applied silently (it is shown and audited, never an approval). Writes only when the class or the
 * base it was computed against differs from what is recorded; returns whether it wrote. Runs in its
 * own transaction.
 */
export function recordClassification(db: Db, revision: Revision, found: StoredClassification, actor = 'classifier', now = Date.now()): boolean {
  const changes = found.changes
    .slice(0, MAX_STORED_CHANGES)
    .map((change) => ({ ...change, text: change.text.length > MAX_CHANGE_TEXT ? `${change.text.slice(0, MAX_CHANGE_TEXT)}…` : change.text }));
  return inTransaction(db, () => {
    const row = db.prepare("SELECT * FROM revisions WHERE id = ? AND state = 'pending'").get(revision.id) as RevisionRow | undefined;
    if (!row) return false;
    const before = classificationOf(row);
    if (before && before.class === found.class && before.base === found.base) return false;
    db.prepare('UPDATE revisions SET change_class = ?, change_class_base = ?, change_summary = ? WHERE id = ?').run(
      found.class,
      found.base,
      JSON.stringify({ classes: found.classes, changes }),
      revision.id,
    );
    appendAudit(
      db,
      {
        actor,
        channel: 'system',
        action: 'revision.classified',
        pkgbase: revision.pkgbase,
        commit: revision.commit,
        detail: {
          class: found.class,
          classes: found.classes,
          base: found.base,
          previous: before ? { class: before.class, base: before.base } : null,
          changes: changes.slice(0, 20).map((change) => change.text),
        },
      },
      now,
    );
    return true;
  });
}
