import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyCooldownPolicies } from '../src/app/policies.js';
import { listAudit } from '../src/quarantine/audit.js';
import type { Actor } from '../src/quarantine/actor.js';
import { getPendingRevision, getRevision, getServedRevision } from '../src/quarantine/revisions.js';
import { account, TEST_PASSWORD } from './support/accounts.js';
import { AdminClient } from './support/admin-client.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

const HOUR = 3_600_000;
let upstream: TestUpstream;
let aurgate: Harness;
let ada: Actor;
const password = `${TEST_PASSWORD}\n`;

beforeAll(async () => {
  upstream = await TestUpstream.start();
});
afterAll(async () => {
  await upstream.stop();
});
beforeEach(async () => {
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  ada = await account(aurgate.app, 'ada', 'admin');
});
afterEach(async () => {
  vi.useRealTimers();
  await aurgate.close();
});

let counter = 0;

/** A package approved (and served) at 1.0.0, maintained by alice, then an update synced and pending. */
async function withPendingUpdate(prefix: string, update: { pkgver?: string; extraPkgbuild?: string; maintainer?: string } = {}) {
  const pkgbase = `${prefix}-${++counter}-${Date.now() % 100000}`;
  await upstream.addPackage(makePackage({ pkgbase }), { Maintainer: 'alice' });
  await aurgate.app.allow([pkgbase], 'tester');
  await aurgate.app.sync({ only: [pkgbase], trigger: 'allow' });
  const first = getPendingRevision(aurgate.app.db, pkgbase)?.commit ?? '';
  await aurgate.app.approve({ pkgbase, commit: first, by: ada });
  if (update.maintainer) upstream.setMeta(pkgbase, { Maintainer: update.maintainer });
  const files = makePackage({ pkgbase, pkgver: update.pkgver ?? '1.0.1', ...(update.extraPkgbuild ? { extraPkgbuild: update.extraPkgbuild } : {}) });
  const commit = await upstream.push(pkgbase, files, 'Update');
  await aurgate.app.sync({ only: [pkgbase], trigger: 'cli' });
  expect(getPendingRevision(aurgate.app.db, pkgbase)?.commit).toBe(commit);
  return { pkgbase, first, commit };
}

const cli = (args: string[]) => aurgate.cli([...args, '--by', 'ada'], {}, password);

describe('cooldown auto-approval (opt-in)', () => {
  it('is off by default: nothing is approved however long a routine update waits', async () => {
    const { pkgbase, commit } = await withPendingUpdate('cool-off');
    expect(await applyCooldownPolicies(aurgate.app, Date.now() + 1000 * HOUR)).toEqual([]);
    expect(getPendingRevision(aurgate.app.db, pkgbase)?.commit).toBe(commit);
  });

  it('approves a routine update by an unchanged maintainer after N hours, from the sync, audited as the policy’s', async () => {
    const set = await cli(['policy', 'cooldown', 'cool-*', '--hours', '24', '--note', 'routine python churn']);
    expect(set.code, set.stderr).toBe(0);
    const { pkgbase, first, commit } = await withPendingUpdate('cool-routine');
    // The sync that recorded it evaluated the rule: too early.
    expect(getPendingRevision(aurgate.app.db, pkgbase)?.commit).toBe(commit);
    expect((await applyCooldownPolicies(aurgate.app, Date.now() + 23 * HOUR))[0]).toMatchObject({ outcome: 'waiting' });

    // A day later the next scheduled sync approves it (only the clock moves; git, SQLite and HTTP are real).
    // The worker runs other files after this one (isolate: false): the clock goes back whatever happens.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 25 * HOUR);
      await aurgate.app.sync({ trigger: 'schedule' });
    } finally {
      vi.useRealTimers();
    }

    const approved = getRevision(aurgate.app.db, pkgbase, commit);
    expect(approved).toMatchObject({ state: 'approved', decidedBy: 'policy:cooldown#1' });
    expect(getServedRevision(aurgate.app.db, pkgbase)?.commit).toBe(commit);
    expect((await aurgate.app.served.actualState(pkgbase)).head).toBe(commit);
    // Signed and logged like any approval, naming the rule as the reviewer.
    const attested = aurgate.app.trust.approvalOf(pkgbase, commit);
    expect(attested && aurgate.app.trust.statementOf(attested).predicate.reviewers.map((reviewer) => reviewer.name)).toEqual(['policy:cooldown#1']);
    const [audit] = listAudit(aurgate.app.db, { pkgbase, action: 'policy.auto-approved' });
    expect(audit).toMatchObject({
      actor: 'policy:cooldown#1',
      channel: 'system',
      commit,
      detail: { class: 'routine', maintainer: 'alice', rule: { pattern: 'cool-*', hours: 24, by: 'ada' }, version: '1.0.1-1' },
    });
    // The rule itself was audited as a policy change by the admin who set it.
    expect(listAudit(aurgate.app.db, { action: 'policy.rule-added' })).toEqual([
      expect.objectContaining({ actor: 'ada', channel: 'cli', detail: expect.objectContaining({ pattern: 'cool-*', hours: 24 }) }),
    ]);
    expect(first).not.toBe(commit);
  });

  it('declines what is not routine, a changed maintainer, and packages the rule does not cover', async () => {
    await cli(['policy', 'cooldown', 'cool-*', '--hours', '1']);
    const build = await withPendingUpdate('cool-build', { extraPkgbuild: 'build() {\n  make\n}\n' });
    const adopted = await withPendingUpdate('cool-adopted', { maintainer: 'mallory' });
    const other = await withPendingUpdate('elsewhere');
    const outcomes = await applyCooldownPolicies(aurgate.app, Date.now() + 48 * HOUR);
    expect(outcomes.find((o) => o.pkgbase === build.pkgbase)).toMatchObject({ outcome: 'declined', why: 'class build-logic-changed' });
    expect(outcomes.find((o) => o.pkgbase === adopted.pkgbase)).toMatchObject({
      outcome: 'declined',
      why: 'the maintainer changed or the package was orphaned',
    });
    expect(outcomes.find((o) => o.pkgbase === other.pkgbase)).toBeUndefined();
    for (const { pkgbase, commit } of [build, adopted, other]) expect(getPendingRevision(aurgate.app.db, pkgbase)?.commit).toBe(commit);
    expect(listAudit(aurgate.app.db, { action: 'policy.auto-approved' })).toEqual([]);
  });
});

describe('emergency freeze', () => {
  it('holds serving at the current approvals: no automatic or manual approval while frozen; revocation still works; lifting it is audited', async () => {
    await cli(['policy', 'cooldown', '*', '--hours', '1']);
    const a = await withPendingUpdate('frozen-a');
    const b = await withPendingUpdate('frozen-b');
    const frozen = await cli(['policy', 'freeze', '--reason', 'mass takeover under investigation']);
    expect(frozen.code, frozen.stderr).toBe(0);

    const outcomes = await applyCooldownPolicies(aurgate.app, Date.now() + 48 * HOUR);
    expect(outcomes.map((o) => o.outcome)).toEqual(['held', 'held']);
    await expect(aurgate.app.approve({ pkgbase: a.pkgbase, commit: a.commit, by: ada })).rejects.toThrow(
      /is frozen .*mass takeover under investigation/,
    );
    const manual = await aurgate.cli(['approve', a.pkgbase, '--commit', a.commit, '--reviewer', 'ada'], {}, password);
    expect(manual.code).not.toBe(0);
    expect(manual.stderr).toContain('aurgate policy unfreeze *');
    expect(getServedRevision(aurgate.app.db, a.pkgbase)?.commit).toBe(a.first);
    // Taking something out of service is never blocked by a freeze.
    await aurgate.app.revoke({ pkgbase: b.pkgbase, commit: b.first, by: ada, note: 'suspicious' });
    expect(getServedRevision(aurgate.app.db, b.pkgbase)).toBeNull();

    // The web admin shows the freeze; an admin lifts it there, and approvals work again.
    const admin = new AdminClient(await aurgate.serve());
    await admin.login('ada', TEST_PASSWORD);
    const page = await admin.page('/admin/policy');
    expect(page.html).toContain('Frozen: *');
    expect(page.html).toContain('froze *: mass takeover under investigation');
    const lifted = await admin.post('/admin/policy/rules/remove', { kind: 'freeze', pattern: '*' });
    expect(lifted.headers.get('location')).toBe('/admin/policy?notice=policy-unfrozen');
    expect(await aurgate.app.approve({ pkgbase: a.pkgbase, commit: a.commit, by: ada })).toMatchObject({ approved: true });
    expect(listAudit(aurgate.app.db, { action: 'policy' }).map((entry) => [entry.action, entry.actor, entry.channel])).toEqual([
      ['policy.unfrozen', 'ada', 'web'],
      ['policy.frozen', 'ada', 'cli'],
      ['policy.rule-added', 'ada', 'cli'],
      ['policy.seeded', 'system', 'system'],
    ]);
    const show = JSON.parse((await aurgate.cli(['policy', 'show', '--json'])).stdout) as { rules: Array<{ kind: string; pattern: string }> };
    expect(show.rules).toEqual([expect.objectContaining({ kind: 'cooldown', pattern: '*' })]);
  });
});
