import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/accounts/tokens.js';
import { disableUser } from '../src/app/accounts.js';
import { listAudit } from '../src/quarantine/audit.js';
import { listAllowlist } from '../src/quarantine/packages.js';
import { getPendingRevision, getServedRevision } from '../src/quarantine/revisions.js';
import { account, TEST_PASSWORD } from './support/accounts.js';
import { AdminClient, tokenApi } from './support/admin-client.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type CliResult, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/**
 * Decisions belong to real, authenticated accounts, whichever way they come in, and the approval
 * policy is one fact in the database. The server runs in this process; every CLI command is a
 * separate process on the same data dir, some with an AURGATE_REQUIRED_APPROVALS of their own.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
const PASSWORD_LINE = `${TEST_PASSWORD}\n`;
const PACKAGES = ['id-one', 'id-two', 'id-three', 'id-four'] as const;
const tokens = { ada: '', rev1: '', rob: '', vic: '' };

const pendingCommit = (pkgbase: string): string => getPendingRevision(aurgate.app.db, pkgbase)?.commit ?? '';
const approveCli = (pkgbase: string, args: string[], env: Record<string, string> = {}, input = PASSWORD_LINE): Promise<CliResult> =>
  aurgate.cli(['approve', pkgbase, '--commit', pendingCommit(pkgbase), ...args], env, input);

async function signedIn(name: string): Promise<AdminClient> {
  const client = new AdminClient(url);
  expect((await client.login(name, TEST_PASSWORD)).status).toBe(303);
  return client;
}

// Several accounts (scrypt), syncs and publishes: a generous limit so a loaded machine cannot fail the setup.
beforeAll(async () => {
  upstream = await TestUpstream.start();
  for (const pkgbase of [...PACKAGES, 'id-extra', 'id-other']) await upstream.addPackage(makePackage({ pkgbase }));
  // The database is seeded with the two-person rule by the first process that opens it.
  aurgate = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_REQUIRED_APPROVALS: '2' } });
  await aurgate.app.allow([...PACKAGES], 'test');
  await aurgate.app.sync({ trigger: 'cli' });
  const ada = await account(aurgate.app, 'ada', 'admin');
  const rev1 = await account(aurgate.app, 'rev1', 'reviewer');
  const rob = await account(aurgate.app, 'rob', 'reviewer');
  const vic = await account(aurgate.app, 'vic', 'viewer');
  await account(aurgate.app, 'gone', 'reviewer');
  disableUser(aurgate.app.db, 'gone', 'test');
  tokens.ada = createToken(aurgate.app.db, ada.user, { name: 'ops', scopes: ['admin'] }).token;
  tokens.rev1 = createToken(aurgate.app.db, rev1.user, { name: 'ci', scopes: ['review'] }).token;
  tokens.rob = createToken(aurgate.app.db, rob.user, { name: 'ci', scopes: ['review'] }).token;
  tokens.vic = createToken(aurgate.app.db, vic.user, { name: 'ci', scopes: ['read'] }).token;
  url = await aurgate.serve();
}, 300_000);
afterAll(async () => {
  await aurgate?.close();
  await upstream?.stop();
});

/** Decisions, not what the sync and the classifier record about a revision. */
const isDecision = (entry: { action: string }): boolean => entry.action !== 'revision.recorded' && entry.action !== 'revision.classified';

describe('a CLI decision', () => {
  const cases: Array<[string, () => Promise<CliResult>, RegExp]> = [
    ['no name and no token', () => approveCli('id-one', [], {}, ''), /needs credentials: set AURGATE_TOKEN/],
    ['an unknown name', () => approveCli('id-one', ['--reviewer', 'nobody-real']), /unknown account, disabled account or wrong password/],
    ['a wrong password', () => approveCli('id-one', ['--reviewer', 'rev1'], {}, 'not the password at all\n'), /wrong password/],
    ['a disabled account', () => approveCli('id-one', ['--reviewer', 'gone']), /disabled account/],
    ['a forged token', () => approveCli('id-one', [], { AURGATE_TOKEN: 'aurgate_forged' }), /AURGATE_TOKEN is not a valid API token/],
    [
      "a token of someone else's",
      () => approveCli('id-one', ['--reviewer', 'rob'], { AURGATE_TOKEN: tokens.rev1 }),
      /does not match the user of AURGATE_TOKEN \(rev1\)/,
    ],
  ];
  for (const [name, run, message] of cases) {
    it(`is refused with exit code 7 (not authenticated) for ${name}, and nothing is recorded`, async () => {
      const result = await run();
      expect(result.code, result.stderr).toBe(7);
      expect(result.stderr).toMatch(message);
      expect(listAudit(aurgate.app.db, { action: 'revision' }).filter(isDecision)).toEqual([]);
    });
  }

  it('is forbidden (exit 4) from an account without the right role', async () => {
    const viewer = await approveCli('id-one', ['--reviewer', 'vic']);
    expect(viewer.code, viewer.stderr).toBe(4);
    expect(viewer.stderr).toContain('approving needs the review permission; vic is a viewer');
    const readToken = await approveCli('id-one', [], { AURGATE_TOKEN: tokens.vic });
    expect(readToken.code, readToken.stderr).toBe(4);
    const revoke = await aurgate.cli(['revoke', 'id-one', '--commit', pendingCommit('id-one'), '--reason', 'x', '--by', 'rev1'], {}, PASSWORD_LINE);
    expect(revoke.code, revoke.stderr).toBe(4);
    expect(revoke.stderr).toContain('revoking needs the admin permission');
  });
});

describe('the two-person rule', () => {
  it('counts REV1 and rev1 as one account, and needs two distinct accounts, whatever a CLI process has in its environment', async () => {
    // This process says one approval is enough; the database says two, and the database decides.
    const first = await approveCli('id-one', ['--reviewer', 'REV1'], { AURGATE_REQUIRED_APPROVALS: '1' });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('1 of 2 required');
    expect(first.stderr).toContain('AURGATE_REQUIRED_APPROVALS=1 is ignored: the database requires 2 approvals');
    expect(getServedRevision(aurgate.app.db, 'id-one')).toBeNull();

    const again = await approveCli('id-one', ['--reviewer', 'rev1']);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('rev1 already approved');
    const web = await signedIn('rev1');
    expect((await web.post('/admin/review/id-one/approve', { commit: pendingCommit('id-one') })).status).toBe(409);
    expect(getServedRevision(aurgate.app.db, 'id-one')).toBeNull();

    const second = await approveCli('id-one', ['--reviewer', 'rob']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('now served');
    const approvals = aurgate.app.db.prepare('SELECT user_id, reviewer FROM approvals ORDER BY at').all();
    expect(approvals).toEqual([
      { user_id: expect.any(Number), reviewer: 'rev1' },
      { user_id: expect.any(Number), reviewer: 'rob' },
    ]);
  });

  it('reports a disagreeing AURGATE_REQUIRED_APPROVALS in `status` and `config`, and never applies it', async () => {
    const env = { AURGATE_REQUIRED_APPROVALS: '1' };
    const status = await aurgate.cli(['status'], env);
    expect(status.stdout).toContain('policy: 2 approvals required (from the database)');
    expect(status.stdout).toContain('WARNING: AURGATE_REQUIRED_APPROVALS=1 is ignored');
    const config = await aurgate.cli(['config'], env);
    expect(config.stdout).toContain('WARNING: AURGATE_REQUIRED_APPROVALS=1 is ignored');
    const show = await aurgate.cli(['policy', 'show', '--json'], env);
    expect(JSON.parse(show.stdout)).toMatchObject({ requiredApprovals: 2, warning: expect.stringContaining('is ignored') });
    // An agreeing or absent variable is no news.
    expect((await aurgate.cli(['status'])).stdout).not.toContain('WARNING');
  });
});

describe('the policy, set by an admin', () => {
  it('is changed from the CLI (authenticated, audited) and enforced by the server process', async () => {
    const refused = await aurgate.cli(['policy', 'set', 'required-approvals', '1', '--by', 'rob'], {}, PASSWORD_LINE);
    expect(refused.code, refused.stderr).toBe(4);
    const changed = await aurgate.cli(['policy', 'set', 'required-approvals', '1', '--by', 'ada'], {}, PASSWORD_LINE);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('changed from 2 to 1');
    expect(listAudit(aurgate.app.db, { action: 'policy.changed' })[0]).toMatchObject({
      actor: 'ada',
      channel: 'cli',
      detail: { setting: 'required-approvals', from: 2, to: 1 },
    });
    // The server was started with AURGATE_REQUIRED_APPROVALS=2, yet one approval now serves.
    const web = await signedIn('rev1');
    const approved = await web.post('/admin/review/id-two/approve', { commit: pendingCommit('id-two') });
    expect(approved.headers.get('location')).toBe('/admin/packages/id-two?notice=approved');
  });

  it('is changed through the JSON API and the Policy page, and a CLI process enforces it', async () => {
    expect((await tokenApi(url, tokens.vic, 'PUT', '/admin/api/policy', { requiredApprovals: 2 })).status).toBe(403);
    const put = await tokenApi(url, tokens.ada, 'PUT', '/admin/api/policy', { requiredApprovals: 2 });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ requiredApprovals: 2, updatedBy: 'ada', previous: { requiredApprovals: 1 } });
    expect(listAudit(aurgate.app.db, { action: 'policy.changed' })[0]).toMatchObject({ channel: 'api', detail: { from: 1, to: 2 } });

    const cli = await approveCli('id-three', ['--reviewer', 'rob']);
    expect(cli.stdout).toContain('1 of 2 required');

    const viewer = await signedIn('vic');
    const page = (await viewer.page('/admin/policy')).html;
    expect(page).toContain('<strong>2</strong> distinct accounts');
    expect(page).not.toContain('name="requiredApprovals"');
    const admin = await signedIn('ada');
    expect((await admin.page('/admin/policy')).html).toContain('name="requiredApprovals"');
    expect((await admin.post('/admin/policy', { requiredApprovals: '3' })).headers.get('location')).toBe('/admin/policy?notice=policy-saved');
    expect((await admin.post('/admin/policy', { requiredApprovals: 'many' })).status).toBe(400);
    expect((await viewer.post('/admin/policy', { requiredApprovals: '1' })).status).toBe(403);
    expect(listAudit(aurgate.app.db, { action: 'policy.changed' })[0]).toMatchObject({ actor: 'ada', channel: 'web', detail: { from: 2, to: 3 } });
    expect((await tokenApi(url, tokens.ada, 'PUT', '/admin/api/policy', { requiredApprovals: 2 })).status).toBe(200);
  });
});

describe('the channel of each decision', () => {
  it('is recorded as web, api or cli and shown by the audit API and page', async () => {
    // id-three: rob approved from the CLI above; rev1 completes it with an API token.
    const api = await tokenApi(url, tokens.rev1, 'POST', '/admin/api/revisions/id-three/approve', { commit: pendingCommit('id-three') });
    expect(await api.json()).toMatchObject({ approved: true, approvals: 2, required: 2 });
    // A token also authenticates the CLI; the channel is still the CLI.
    const byToken = await approveCli('id-four', [], { AURGATE_TOKEN: tokens.rob }, '');
    expect(byToken.code, byToken.stderr).toBe(0);

    const channels = (pkgbase: string) =>
      listAudit(aurgate.app.db, { pkgbase, action: 'revision' })
        .filter(isDecision)
        .map((entry) => `${entry.actor}:${entry.channel ?? '?'}`);
    expect(channels('id-one')).toEqual(['rob:cli', 'rev1:cli']);
    expect(channels('id-two')).toEqual(['rev1:web']);
    expect(channels('id-three')).toEqual(['rev1:api', 'rob:cli']);
    expect(channels('id-four')).toEqual(['rob:cli']);

    const audit = await tokenApi(url, tokens.vic, 'GET', '/admin/api/audit?package=id-three&action=revision.approved');
    expect(((await audit.json()) as { entries: unknown[] }).entries).toMatchObject([{ actor: 'rev1', channel: 'api' }]);
    const viewer = await signedIn('vic');
    const page = (await viewer.page('/admin/audit?package=id-three&channel=api')).html;
    expect(page).toContain('<th>Channel</th>');
    expect(page).toContain('<td>api</td>');
    expect(page).not.toContain('<td>cli</td>');
  });
});

describe('allowlist changes from the CLI', () => {
  it('work without --by; with --by the name must be an enabled admin account', async () => {
    const reviewer = await aurgate.cli(['allow', 'id-extra', '--no-fetch', '--by', 'rob']);
    expect(reviewer.code, reviewer.stderr).toBe(4);
    expect(reviewer.stderr).toContain('needs an admin account; rob is a reviewer');
    const unknown = await aurgate.cli(['allow', 'id-extra', '--no-fetch', '--by', 'nobody-real']);
    expect(unknown.code).toBe(4);
    const admin = await aurgate.cli(['allow', 'id-extra', '--no-fetch', '--by', 'ADA']);
    expect(admin.code, admin.stderr).toBe(0);
    const plain = await aurgate.cli(['allow', 'id-other', '--no-fetch']);
    expect(plain.code, plain.stderr).toBe(0);
    const entries = listAllowlist(aurgate.app.db);
    expect(entries.find((entry) => entry.pkgname === 'id-extra')?.addedBy).toBe('ada');
    expect(entries.find((entry) => entry.pkgname === 'id-other')?.addedBy).toMatch(/^cli:/);
    expect(listAudit(aurgate.app.db, { pkgbase: 'id-extra', action: 'allowlist.add' })[0]).toMatchObject({ actor: 'ada', channel: 'cli' });
  });
});
