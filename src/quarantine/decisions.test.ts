import { beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../accounts/roles.js';
import { openDatabase, type Db } from '../db/open.js';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../errors.js';
import type { Actor } from './actor.js';
import { unitAccount } from '../../test/support/unit-accounts.js';
import { listAudit } from './audit.js';
import { approveRevision, rejectRevision, revokeRevisions } from './decisions.js';
import { addToAllowlist } from './packages.js';
import { seedPolicy } from './policy.js';
import { approvedCommitsOf, revokedCommitsOf, type RangeCommit, type RangeState, type ServableRange } from './servable-range.js';
import { getRevision, insertPendingRevision, transitionRevision, type Revision } from './revisions.js';

/**
 * The decision rules on a real (in-memory) SQLite database, without git: the range an approval makes
 * servable is what Aurgate.approve reads from the mirror repo, given here directly.
 */
const PKG = 'foo';
const sha = (digit: string) => digit.repeat(40);
let db: Db;

const user = (name: string, role: Role, disabled = false): Actor => unitAccount(db, name, role, { disabled, channel: 'cli' });

function record(commit: string, baseCommit: string | null = null): Revision {
  const head = {
    id: commit,
    subject: 's',
    authorName: 'a',
    authorEmail: 'a@x',
    authorDate: 1,
    committerName: 'a',
    committerEmail: 'a@x',
    committerDate: 1,
  };
  return insertPendingRevision(db, {
    pkgbase: PKG,
    commit,
    baseCommit,
    previousHead: null,
    historyRewritten: false,
    commits: [head],
    head,
    srcinfoText: null,
    srcinfo: null,
    srcinfoError: null,
    version: `${commit.slice(0, 1)}-1`,
    upstreamMeta: null,
  });
}

function entry(commit: string, state: RangeState, decided: Partial<RangeCommit> = {}): RangeCommit {
  return {
    commit,
    subject: 's',
    authorName: 'a',
    committedAt: 1,
    state,
    version: `${commit.slice(0, 1)}-1`,
    decidedBy: null,
    decidedAt: null,
    reason: null,
    readmittedBy: null,
    readmittedAt: null,
    ...decided,
  };
}

/** The range git would give: the candidate and `others`, against what the database serves now. */
function rangeOf(revision: Revision, others: RangeCommit[] = []): ServableRange {
  return {
    revisionId: revision.id,
    approvedOfPackage: approvedCommitsOf(db, PKG),
    revokedOfPackage: revokedCommitsOf(db, PKG),
    commits: [entry(revision.commit, 'candidate'), ...others],
  };
}

const clean = (revision: Revision): ServableRange => rangeOf(revision);

beforeEach(() => {
  db = openDatabase(':memory:');
  addToAllowlist(db, [{ pkgname: PKG, pkgbase: PKG }], 'test');
});

describe('who may decide', () => {
  it('refuses an unknown account, a disabled one and a viewer; accepts a reviewer and an admin', () => {
    const pending = record(sha('a'));
    const input = { pkgbase: PKG, commit: pending.commit };
    expect(() => approveRevision(db, { ...input, by: { user: { id: 999, name: 'nobody-real' }, channel: 'cli' } }, clean(pending))).toThrow(NotFound);
    expect(() => approveRevision(db, { ...input, by: user('gone', 'reviewer', true) }, clean(pending))).toThrow(/gone is disabled/);
    expect(() => approveRevision(db, { ...input, by: user('vic', 'viewer') }, clean(pending))).toThrow(Forbidden);
    expect(() => rejectRevision(db, { ...input, by: user('val', 'viewer'), note: 'no' })).toThrow(Forbidden);
    expect(approveRevision(db, { ...input, by: user('rita', 'reviewer') }, clean(pending)).approved).toBe(true);
  });

  it('lets only an admin revoke', () => {
    const pending = record(sha('a'));
    approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: user('rita', 'reviewer') }, clean(pending));
    const revoke = (by: Actor) => revokeRevisions(db, { pkgbase: PKG, commit: pending.commit, by, note: 'bad' });
    expect(() => revoke(user('rob', 'reviewer'))).toThrow(/revoking needs the admin permission/);
    expect(revoke(user('ada', 'admin'))[0]?.state).toBe('revoked');
  });

  it('records the channel and the account name of every decision', () => {
    const pending = record(sha('a'));
    const rita = user('rita', 'reviewer');
    approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: { ...rita, channel: 'api' } }, clean(pending));
    expect(listAudit(db, { action: 'revision.approved' })[0]).toMatchObject({ actor: 'rita', channel: 'api' });
    expect(listAudit(db, { action: 'revision.recorded' })[0]).toMatchObject({ actor: 'sync', channel: 'system' });
  });
});

describe('exactly the commit the reviewer read', () => {
  it('approves the pending commit by full id or unambiguous prefix, and refuses any other commit', () => {
    const first = record(sha('a'));
    const rita = user('rita', 'reviewer');
    // A newer upstream head supersedes the one the reviewer read: the old id is refused, not applied to the new one.
    const second = record(sha('b'));
    expect(getRevision(db, PKG, first.commit)?.state).toBe('superseded');
    expect(() => approveRevision(db, { pkgbase: PKG, commit: first.commit, by: rita }, clean(second))).toThrow(Conflict);
    expect(() => approveRevision(db, { pkgbase: PKG, commit: 'c'.repeat(40), by: rita }, clean(second))).toThrow(/not the pending revision/);
    expect(() => approveRevision(db, { pkgbase: PKG, commit: 'bbbb', by: rita }, clean(second))).toThrow(InvalidInput);
    expect(approveRevision(db, { pkgbase: PKG, commit: 'BBBBBBB', by: rita }, clean(second)).revision.commit).toBe(second.commit);
    // Decided once: the same commit cannot be decided again.
    expect(() => rejectRevision(db, { pkgbase: PKG, commit: second.commit, by: rita, note: 'late' })).toThrow(
      /no pending revision \(commit .* is approved\)/,
    );
  });

  it('rejects only with a reason', () => {
    const pending = record(sha('a'));
    expect(() => rejectRevision(db, { pkgbase: PKG, commit: pending.commit, by: user('rita', 'reviewer'), note: '  ' })).toThrow(InvalidInput);
  });
});

describe('revocation', () => {
  it('revokes the named commit and the approved revisions built on it in one transaction, each audited', () => {
    const rita = user('rita', 'reviewer');
    const ada = user('ada', 'admin');
    for (const digit of ['a', 'b', 'c']) {
      const pending = record(sha(digit));
      approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: rita }, clean(pending));
    }
    const revoked = revokeRevisions(db, { pkgbase: PKG, commit: sha('b'), by: ada, note: 'bad build' }, [sha('c')]);
    expect(revoked.map((revision) => [revision.commit, revision.state])).toEqual([
      [sha('b'), 'revoked'],
      [sha('c'), 'revoked'],
    ]);
    expect(getRevision(db, PKG, sha('a'))?.state).toBe('approved');
    expect(getRevision(db, PKG, sha('c'))?.decisionNote).toBe(`descends from revoked ${sha('b')}: bad build`);
    const audit = listAudit(db, { action: 'revision.revoked' });
    expect(audit.map((entry) => [entry.commit, entry.detail?.['cascadeFrom'] ?? null])).toEqual([
      [sha('c'), sha('b')],
      [sha('b'), null],
    ]);
    expect(() => revokeRevisions(db, { pkgbase: PKG, commit: sha('b'), by: ada, note: 'again' })).toThrow(Conflict);
  });
});

describe('the two-person rule', () => {
  beforeEach(() => void seedPolicy(db, 2));

  it('needs two distinct accounts; the same account twice is refused', () => {
    const pending = record(sha('a'));
    const rita = user('rita', 'reviewer');
    const input = { pkgbase: PKG, commit: pending.commit };
    expect(approveRevision(db, { ...input, by: rita }, clean(pending))).toMatchObject({ approved: false, approvals: 1, required: 2 });
    // Another name typed for the same account is still the same account.
    expect(() => approveRevision(db, { ...input, by: { user: { id: rita.user.id, name: 'RITA' }, channel: 'web' } }, clean(pending))).toThrow(
      /already approved/,
    );
    expect(approveRevision(db, { ...input, by: user('rob', 'reviewer') }, clean(pending))).toMatchObject({ approved: true, approvals: 2 });
  });

  it('reads the policy inside each decision: a change in the database applies to the next approval', () => {
    const pending = record(sha('a'));
    const rita = user('rita', 'reviewer');
    approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: rita }, clean(pending));
    db.prepare('UPDATE decision_policy SET required_approvals = 1').run();
    // Lowered meanwhile: the account that already approved completes the approval.
    expect(approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: rita }, clean(pending))).toMatchObject({ approved: true, required: 1 });
  });

  it('does not count an approval that names no account (recorded before accounts were required)', () => {
    const pending = record(sha('a'));
    db.prepare("INSERT INTO approvals (revision_id, user_id, reviewer, at) VALUES (?, NULL, 'nobody-real', 0)").run(pending.id);
    expect(approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: user('rita', 'reviewer') }, clean(pending))).toMatchObject({
      approved: false,
      approvals: 1,
    });
  });
});

describe('a pending revision whose history holds a revoked commit', () => {
  let pending: Revision;
  let history: ServableRange;
  let ada: Actor;

  beforeEach(() => {
    ada = user('ada', 'admin');
    const v2 = record(sha('b'));
    approveRevision(db, { pkgbase: PKG, commit: v2.commit, by: ada }, clean(v2));
    revokeRevisions(db, { pkgbase: PKG, commit: v2.commit, by: ada, note: 'trojan in source' });
    pending = record(sha('c'), v2.commit);
    const revoked = getRevision(db, PKG, v2.commit);
    history = rangeOf(pending, [entry(v2.commit, 'revoked', { decidedBy: 'ada', decidedAt: revoked?.decidedAt ?? 0, reason: 'trojan in source' })]);
  });

  it('refuses a plain approval and says what to do', () => {
    const rita = user('rita', 'reviewer');
    const approve = () => approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: rita }, history);
    expect(approve).toThrow(Conflict);
    expect(approve).toThrow(/revoked commit b{40} \(b-1, revoked by ada .*: trojan in source\).*reject it.*--readmit bbbbbbbbbbbb/);
  });

  it('lets only an admin re-admit, only commits that are revoked in the history', () => {
    const rita = user('rita', 'reviewer');
    expect(() => approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: rita, readmit: [sha('b')] }, history)).toThrow(Forbidden);
    expect(() => approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: ada, readmit: ['ddddddd'] }, history)).toThrow(InvalidInput);
    expect(listAudit(db, { action: 'revision.readmitted' })).toHaveLength(0);
  });

  it('approves with explicit re-admission, audited as its own action listing the commits', () => {
    seedPolicy(db, 2);
    const result = approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: ada, readmit: [sha('b').slice(0, 10)] }, history);
    expect(result).toMatchObject({ approved: false, readmitted: [sha('b')] });
    expect(listAudit(db, { action: 'revision.readmitted' })[0]).toMatchObject({
      actor: 'ada',
      channel: 'cli',
      commit: pending.commit,
      detail: { commits: [{ commit: sha('b'), reason: 'trojan in source', revokedBy: 'ada' }] },
    });
    // The second approver relies on the re-admission already recorded for this revision.
    expect(approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: user('rita', 'reviewer') }, history).approved).toBe(true);
    // The revoked revision itself stays revoked.
    expect(getRevision(db, PKG, sha('b'))?.state).toBe('revoked');
  });

  it('refuses a decision whose view of the revocations is out of date', () => {
    const stale = { ...history, revokedOfPackage: [] };
    expect(() => approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: ada, readmit: [sha('b')] }, stale)).toThrow(/changed while/);
  });
});

describe('an approval of a range that holds a rejected commit', () => {
  let pending: Revision;
  let history: ServableRange;
  let ada: Actor;
  let rita: Actor;

  beforeEach(() => {
    ada = user('ada', 'admin');
    rita = user('rita', 'reviewer');
    const a = record(sha('a'));
    approveRevision(db, { pkgbase: PKG, commit: a.commit, by: rita }, clean(a));
    const b = record(sha('b'), sha('a'));
    const rejected = rejectRevision(db, { pkgbase: PKG, commit: b.commit, by: rita, note: 'curl | bash in build()' });
    pending = record(sha('c'), sha('a'));
    const decided = { decidedBy: 'rita', decidedAt: rejected.decidedAt ?? 0, reason: 'curl | bash in build()' };
    history = rangeOf(pending, [entry(sha('b'), 'rejected', decided), entry(sha('9'), 'unrecorded')]);
  });

  it('refuses a plain approval, naming the rejected commit, who rejected it and why', () => {
    const approve = () => approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: rita }, history);
    expect(approve).toThrow(Conflict);
    expect(approve).toThrow(/contains rejected commit b{40} \(b-1, rejected by rita .*: curl \| bash in build\(\)\).*--readmit bbbbbbbbbbbb/);
  });

  it('re-admits only for an admin who gives a reason', () => {
    expect(() => approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: rita, readmit: [sha('b')], note: 'fine' }, history)).toThrow(
      Forbidden,
    );
    expect(() => approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: ada, readmit: [sha('b')] }, history)).toThrow(/needs a reason/);
    expect(() => approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: ada, readmit: [sha('9')], note: 'x' }, history)).toThrow(
      InvalidInput,
    );
    const result = approveRevision(
      db,
      { pkgbase: PKG, commit: pending.commit, by: ada, readmit: [sha('b')], note: 'payload line never ran' },
      history,
    );
    expect(result).toMatchObject({ approved: true, readmitted: [sha('b')] });
    expect(listAudit(db, { action: 'revision.readmitted' })[0]).toMatchObject({
      detail: {
        comment: 'payload line never ran',
        commits: [{ commit: sha('b'), state: 'rejected', decidedBy: 'rita', reason: 'curl | bash in build()' }],
      },
    });
  });

  it('names every commit it makes servable in the result and the audit row', () => {
    const result = approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: ada, readmit: [sha('b')], note: 'checked' }, history);
    expect(result.range).toEqual([sha('c'), sha('b'), sha('9')]);
    expect(listAudit(db, { action: 'revision.approved' }).find((row) => row.commit === sha('c'))?.detail).toMatchObject({
      range: [sha('c'), sha('b'), sha('9')],
    });
  });

  it('refuses a range read before another approval or without the candidate', () => {
    const before = { ...history, approvedOfPackage: [] };
    expect(() => approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: ada, readmit: [sha('b')], note: 'x' }, before)).toThrow(
      /changed while/,
    );
    const without = { ...history, commits: history.commits.slice(1) };
    expect(() => approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: ada, readmit: [sha('b')], note: 'x' }, without)).toThrow(
      /changed while/,
    );
  });
});

it('keeps a revision approved once: the transition table still rules', () => {
  const pending = record(sha('a'));
  const rita = user('rita', 'reviewer');
  const approved = approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: rita }, clean(pending)).revision;
  expect(() => transitionRevision(db, approved, 'approved', { by: 'rita', note: null, at: 0 })).toThrow(Conflict);
});

describe('re-basing a pending revision when its base is revoked', () => {
  it('moves it to what stays served in the revocation transaction, withdraws approvals given against the old diff, audits it', () => {
    const ada = user('ada', 'admin');
    const rita = user('rita', 'reviewer');
    seedPolicy(db, 2);
    for (const commit of [sha('a'), sha('b')]) {
      const revision = record(commit);
      approveRevision(db, { pkgbase: PKG, commit, by: ada }, clean(revision));
      approveRevision(db, { pkgbase: PKG, commit, by: rita }, clean(revision));
    }
    const pending = record(sha('c'), sha('b'));
    approveRevision(db, { pkgbase: PKG, commit: pending.commit, by: rita }, clean(pending));
    const commits = pending.commits;
    const plan = { pendingId: pending.id, fromBase: sha('b'), toBase: sha('a'), commits, historyRewritten: false };
    revokeRevisions(db, { pkgbase: PKG, commit: sha('b'), by: ada, note: 'bad' }, [], plan);
    expect(getRevision(db, PKG, pending.commit)).toMatchObject({ baseCommit: sha('a'), state: 'pending' });
    expect(db.prepare('SELECT COUNT(*) AS n FROM approvals WHERE revision_id = ?').get(pending.id)).toEqual({ n: 0 });
    expect(listAudit(db, { action: 'revision.rebased' })).toMatchObject([
      { actor: 'ada', channel: 'cli', detail: { from: sha('b'), to: sha('a'), approvalsWithdrawn: ['rita'] } },
    ]);
  });

  it('leaves a plan alone that no longer fits (another revision pending, or another base served)', () => {
    const ada = user('ada', 'admin');
    const base = record(sha('a'));
    approveRevision(db, { pkgbase: PKG, commit: base.commit, by: ada }, clean(base));
    const pending = record(sha('c'), sha('a'));
    const stale = { pendingId: pending.id, fromBase: sha('a'), toBase: sha('9'), commits: [], historyRewritten: false };
    revokeRevisions(db, { pkgbase: PKG, commit: sha('a'), by: ada, note: 'bad' }, [], stale);
    expect(getRevision(db, PKG, pending.commit)?.baseCommit).toBe(sha('a'));
    expect(listAudit(db, { action: 'revision.rebased' })).toEqual([]);
  });
});
