import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decideTakedown, packageSignals } from '../src/app/signals.js';
import { listAudit } from '../src/quarantine/audit.js';
import type { Actor } from '../src/quarantine/actor.js';
import { getPendingRevision, getServedRevision, listApprovedRevisions } from '../src/quarantine/revisions.js';
import { account, TEST_PASSWORD } from './support/accounts.js';
import { AdminClient } from './support/admin-client.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

let upstream: TestUpstream;
let aurgate: Harness;
let ada: Actor;

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
  await aurgate.close();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Date.now() % 100000}`;

/** Packages upstream, allowlisted and synced at 1.0.0 (and approved), each maintained by its own long-time maintainer. */
async function mirroredAndApproved(prefix: string, count: number, approve = true): Promise<string[]> {
  const names = Array.from({ length: count }, () => unique(prefix));
  for (const [index, pkgbase] of names.entries()) await upstream.addPackage(makePackage({ pkgbase }), { Maintainer: `keeper${index}` });
  await aurgate.app.allow(names, 'tester');
  await aurgate.app.sync({ only: names, trigger: 'allow' });
  for (const pkgbase of approve ? names : []) {
    const pending = getPendingRevision(aurgate.app.db, pkgbase);
    await aurgate.app.approve({ pkgbase, commit: pending?.commit ?? '', by: ada });
  }
  return names;
}

async function bump(pkgbase: string, pkgver: string): Promise<void> {
  await upstream.push(pkgbase, makePackage({ pkgbase, pkgver }), `Update to ${pkgver}`);
}

async function flagsOf(pkgbase: string) {
  const pending = getPendingRevision(aurgate.app.db, pkgbase);
  if (!pending) throw new Error(`${pkgbase} has nothing pending`);
  return aurgate.app.reviews.flags(pending);
}

describe('cross-package adoption signal', () => {
  it('a wave of 30 packages taken over by two new accounts in one sync flags every one of them high, naming the account', async () => {
    // Pending first revisions (publishing and updating 30 repos would only slow the test): the flags
    // land on whatever waits for review, and on every update recorded later.
    const wave = await mirroredAndApproved('wave', 30, false);
    const [quiet] = await mirroredAndApproved('quiet', 1);
    // The June 2026 pattern: 30 packages taken over by two fresh accounts between two syncs.
    for (const [index, pkgbase] of wave.entries()) upstream.setMeta(pkgbase, { Maintainer: index % 2 === 0 ? 'fresh-one' : 'fresh-two' });
    // One ordinary takeover elsewhere: not part of a wave.
    upstream.setMeta(quiet ?? '', { Maintainer: 'heir' });
    await bump(quiet ?? '', '1.0.1');
    const summary = await aurgate.app.sync({ trigger: 'cli' });
    expect(summary).toMatchObject({ newRevisions: 1, failed: 0 });

    for (const [index, pkgbase] of wave.entries()) {
      const flags = await flagsOf(pkgbase);
      const account = index % 2 === 0 ? 'fresh-one' : 'fresh-two';
      const waveFlags = flags.filter((flag) => flag.check === 'adoption-wave');
      expect(waveFlags).toHaveLength(1);
      expect(waveFlags[0]).toMatchObject({ severity: 'high' });
      expect(waveFlags[0]?.reason).toContain(`"${account}" took this package over from "keeper${index}"`);
      expect(waveFlags[0]?.reason).toContain('adopted or took over 15 mirrored packages within 72 h');
    }
    // The takeover itself is told once, with its date, instead of the bare endpoint comparison.
    const quietFlags = await flagsOf(quiet ?? '');
    expect(quietFlags.map((flag) => flag.check)).not.toContain('adoption-wave');
    expect(quietFlags.filter((flag) => flag.check === 'first-push').map((flag) => flag.reason)).toEqual([
      expect.stringContaining('"heir" took the package over from "keeper0"'),
    ]);
    expect(quietFlags.filter((flag) => flag.check === 'maintainer-change' && flag.severity === 'high')).toEqual([]);

    // The timeline shows both observations; the change is audited; a second sync records nothing new.
    const timeline = packageSignals(aurgate.app.db, wave[0] ?? '');
    expect(timeline.ownership.map((row) => [row.maintainer, row.previousMaintainer, row.firstSeen])).toEqual([
      ['keeper0', null, true],
      ['fresh-one', 'keeper0', false],
    ]);
    expect(timeline.signals.map((signal) => signal.kind)).toEqual(['adoption-wave']);
    expect(listAudit(aurgate.app.db, { action: 'upstream.ownership-changed' })).toHaveLength(31);
    await aurgate.app.sync({ trigger: 'cli' });
    expect(packageSignals(aurgate.app.db, wave[0] ?? '').signals).toHaveLength(1);
    expect(listAudit(aurgate.app.db, { action: 'upstream.ownership-changed' })).toHaveLength(31);
  });

  it('an orphaning and re-adoption between two syncs is kept in the timeline and flagged with both dates', async () => {
    const [pkgbase = ''] = await mirroredAndApproved('orphan', 1);
    upstream.setMeta(pkgbase, { Maintainer: null });
    await aurgate.app.sync({ only: [pkgbase], trigger: 'cli' });
    upstream.setMeta(pkgbase, { Maintainer: 'adopter' });
    await bump(pkgbase, '1.0.1');
    await aurgate.app.sync({ only: [pkgbase], trigger: 'cli' });
    const flags = await flagsOf(pkgbase);
    const orphan = flags.filter((flag) => flag.check === 'orphan-adopted');
    expect(orphan).toHaveLength(1);
    expect(orphan[0]?.reason).toMatch(/^The package was orphaned on .* \(maintainer "keeper0"\) and adopted by "adopter" on .*first push\.$/);
    expect(flags.map((flag) => flag.check)).not.toContain('first-push');
  });
});

describe('takedown', () => {
  async function takenDown(): Promise<{ pkgbase: string; approved: string }> {
    const [pkgbase = ''] = await mirroredAndApproved('takedown', 1);
    const approved = getServedRevision(aurgate.app.db, pkgbase)?.commit ?? '';
    await upstream.deletePackage(pkgbase);
    await aurgate.app.sync({ only: [pkgbase], trigger: 'cli' });
    return { pkgbase, approved };
  }

  it('a package deleted upstream raises a high signal; an admin keeps it on the package page, audited, and it stays served', async () => {
    const { pkgbase, approved } = await takenDown();
    const view = packageSignals(aurgate.app.db, pkgbase);
    expect(view.signals).toEqual([expect.objectContaining({ kind: 'upstream-deleted', severity: 'high', commit: approved })]);
    expect(view.takedown).toEqual({ servedCommit: approved, decisions: [] });
    await expect(decideTakedown(aurgate.app, { pkgbase, choice: 'keep', by: ada, note: ' ' })).rejects.toThrow(/a reason is required/);

    const admin = new AdminClient(await aurgate.serve());
    expect((await admin.login('ada', TEST_PASSWORD)).status).toBe(303);
    const page = await admin.page(`/admin/packages/${pkgbase}`);
    expect(page.html).toContain('Deleted upstream');
    expect(page.html).toContain('Maintainers over time');
    expect(page.html).toContain('keeper0');
    expect(page.html).toContain('upstream-deleted');
    const kept = await admin.post(`/admin/packages/${pkgbase}/takedown`, { choice: 'keep', reason: 'merged into <another> package' });
    expect(kept.status).toBe(303);
    expect(kept.headers.get('location')).toBe(`/admin/packages/${pkgbase}?notice=takedown-kept`);
    expect((await aurgate.app.served.actualState(pkgbase)).head).toBe(approved);
    const [audit] = listAudit(aurgate.app.db, { pkgbase, action: 'takedown.kept' });
    expect(audit).toMatchObject({ actor: 'ada', channel: 'web', commit: approved, detail: { reason: 'merged into <another> package' } });
    const after = await admin.page(`/admin/packages/${pkgbase}`);
    expect(after.html).toContain('merged into &lt;another&gt; package');
    expect(after.html).not.toContain('merged into <another>');
  });

  it('withdrawing (`aurgate takedown … withdraw`) revokes every approved revision through the revoke use case: nothing of it is served any more', async () => {
    const { pkgbase, approved } = await takenDown();
    const url = await aurgate.serve();
    const info = async () => ((await (await fetch(`${url}/rpc/v5/info/${pkgbase}`)).json()) as { resultcount: number }).resultcount;
    expect(await info()).toBe(1);
    const result = await aurgate.cli(['takedown', pkgbase, 'withdraw', '--reason', 'malware report', '--by', 'ada'], {}, `${TEST_PASSWORD}\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`withdrew ${pkgbase}: revoked ${approved}\n`);
    expect(listApprovedRevisions(aurgate.app.db, pkgbase)).toEqual([]);
    expect(await aurgate.app.served.actualState(pkgbase)).toEqual({ approved: [], head: null });
    expect(await info()).toBe(0);
    expect(listAudit(aurgate.app.db, { pkgbase, action: 'revision.revoked' })[0]?.detail?.['reason']).toBe(
      'withdrawn after the upstream takedown: malware report',
    );
    expect(listAudit(aurgate.app.db, { pkgbase, action: 'takedown.withdrawn' })).toEqual([expect.objectContaining({ actor: 'ada', channel: 'cli' })]);
    const history = JSON.parse((await aurgate.cli(['history', pkgbase, '--json'])).stdout) as {
      takedown: { servedCommit: string | null; decisions: unknown[] };
    };
    expect(history.takedown).toMatchObject({ servedCommit: null, decisions: [expect.objectContaining({ action: 'takedown.withdrawn' })] });
  });

  it('only an admin decides, and only for a package that is deleted upstream', async () => {
    const { pkgbase } = await takenDown();
    const rita = await account(aurgate.app, 'rita', 'reviewer');
    await expect(decideTakedown(aurgate.app, { pkgbase, choice: 'withdraw', by: rita, note: 'x' })).rejects.toThrow(/admin/);
    const [present = ''] = await mirroredAndApproved('present', 1);
    await expect(decideTakedown(aurgate.app, { pkgbase: present, choice: 'keep', by: ada, note: 'x' })).rejects.toThrow(/not deleted upstream/);
  });
});
