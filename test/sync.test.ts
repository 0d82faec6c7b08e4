import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { Aurgate } from '../src/compose.js';
import { Busy, Conflict, InvalidInput, NotFound } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { listAudit } from '../src/quarantine/audit.js';
import { getPackage, listAllowlist } from '../src/quarantine/packages.js';
import { getPendingRevision, getRevision, listRevisions } from '../src/quarantine/revisions.js';
import { listRuns } from '../src/sync/runs.js';
import type { Actor } from '../src/quarantine/actor.js';
import { account, TEST_PASSWORD } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { until } from './support/until.js';
import { TestUpstream } from './support/upstream.js';

let upstream: TestUpstream;
let aurgate: Harness;
let rita: Actor;

const gitRequests = () => upstream.requests.filter((request) => request.kind === 'git').length;

beforeAll(async () => {
  upstream = await TestUpstream.start();
});
afterAll(async () => {
  await upstream.stop();
});
beforeEach(async () => {
  upstream.fail('none');
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  rita = await account(aurgate.app, 'rita');
});
afterEach(async () => {
  await aurgate.close();
});

let counter = 0;
async function newPackage(options: { pkgver?: string } = {}): Promise<{ pkgbase: string; commit: string }> {
  counter += 1;
  const pkgbase = `sync-test-${counter}-${Date.now() % 100000}`;
  const commit = await upstream.addPackage(makePackage({ pkgbase, pkgver: options.pkgver ?? '1.0.0' }), { Maintainer: 'alice' });
  return { pkgbase, commit };
}

describe('allowlist and first sync', () => {
  it('allow resolves the name upstream, fetches at once, and the first revision waits for review', async () => {
    const { pkgbase, commit } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    const summary = await aurgate.app.sync({ only: [pkgbase], trigger: 'allow' });
    expect(summary).toMatchObject({ packages: 1, fetched: 1, newRevisions: 1, failed: 0, status: 'ok' });
    const pending = getPendingRevision(aurgate.app.db, pkgbase);
    expect(pending).toMatchObject({ commit, state: 'pending', baseCommit: null, version: '1.0.0-1', srcinfoError: null });
    expect(pending?.upstreamMeta?.Maintainer).toBe('alice');
    expect(pending?.author.name).toBe('Test Packager');
    expect(pending?.commits.map((c) => c.id)).toEqual([commit]);
  });

  it('an unknown package name is a clear error and nothing is written', async () => {
    const { pkgbase } = await newPackage();
    await expect(aurgate.app.allow([pkgbase, 'no-such-package-anywhere'], 'tester')).rejects.toThrow(/unknown AUR package: no-such-package-anywhere/);
    expect(listAllowlist(aurgate.app.db)).toEqual([]);
    await expect(aurgate.app.allow(['../etc/passwd'], 'tester')).rejects.toBeInstanceOf(InvalidInput);
  });

  it('the CLI allows, lists and disallows by name', async () => {
    const { pkgbase } = await newPackage();
    const allowed = await aurgate.cli(['allow', pkgbase]);
    expect(allowed.stderr).toBe('');
    expect(allowed.stdout).toContain(`allowed ${pkgbase}`);
    expect(allowed.stdout).toMatch(/sync ok: 1 packages, 1 fetched, 1 new revisions, 0 failed/);
    const listed = JSON.parse((await aurgate.cli(['allowlist', '--json'])).stdout) as Array<{ pkgname: string }>;
    expect(listed.map((entry) => entry.pkgname)).toEqual([pkgbase]);
    const unknown = await aurgate.cli(['allow', 'does-not-exist-upstream']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('unknown AUR package: does-not-exist-upstream');
    expect((await aurgate.cli(['disallow', pkgbase])).stdout).toContain(`disallowed ${pkgbase}`);
    expect((await aurgate.cli(['disallow', pkgbase])).code).toBe(3);
  });
});

describe('change detection', () => {
  it('nothing changed upstream: no new revision and no git fetch', async () => {
    const { pkgbase } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    upstream.resetRequests();
    const summary = await aurgate.app.sync({ trigger: 'cli' });
    expect(summary).toMatchObject({ fetched: 0, newRevisions: 0, failed: 0 });
    expect(gitRequests()).toBe(0);
    expect(upstream.requests.filter((request) => request.kind === 'rpc').length).toBe(1);
    expect(listRevisions(aurgate.app.db, pkgbase)).toHaveLength(1);
  });

  it('a push becomes a new pending revision reviewed against the last approved one', async () => {
    const { pkgbase, commit: first } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    await aurgate.app.approve({ pkgbase, commit: first, by: rita });
    const second = await upstream.push(pkgbase, makePackage({ pkgbase, pkgver: '1.1.0' }), 'Update to 1.1.0');
    const summary = await aurgate.app.sync({ trigger: 'cli' });
    expect(summary).toMatchObject({ fetched: 1, newRevisions: 1 });
    expect(getPendingRevision(aurgate.app.db, pkgbase)).toMatchObject({
      commit: second,
      baseCommit: first,
      version: '1.1.0-1',
      historyRewritten: false,
    });
  });

  it('two pushes before review: one pending, the older superseded, the diff spans both', async () => {
    const { pkgbase, commit: first } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    await aurgate.app.approve({ pkgbase, commit: first, by: rita });
    const second = await upstream.push(pkgbase, makePackage({ pkgbase, pkgver: '1.1.0' }));
    await aurgate.app.sync({ trigger: 'cli' });
    const third = await upstream.push(pkgbase, makePackage({ pkgbase, pkgver: '1.2.0' }));
    await aurgate.app.sync({ trigger: 'cli' });
    expect(getRevision(aurgate.app.db, pkgbase, second)?.state).toBe('superseded');
    const pending = getPendingRevision(aurgate.app.db, pkgbase);
    expect(pending).toMatchObject({ commit: third, baseCommit: first });
    expect(pending?.commits.map((c) => c.id)).toEqual([third, second]);
    const diff = await aurgate.cli(['diff', pkgbase]);
    expect(diff.stdout).toContain('-pkgver=1.0.0');
    expect(diff.stdout).toContain('+pkgver=1.2.0');
  });

  it('a force-push is recorded and flagged, never silently followed', async () => {
    const { pkgbase, commit: first } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    await aurgate.app.approve({ pkgbase, commit: first, by: rita });
    const rewritten = await upstream.rewriteHistory(pkgbase, makePackage({ pkgbase, pkgver: '6.6.6' }));
    await aurgate.app.sync({ trigger: 'cli' });
    expect(getPendingRevision(aurgate.app.db, pkgbase)).toMatchObject({ commit: rewritten, historyRewritten: true, baseCommit: first });
    expect(listAudit(aurgate.app.db, { pkgbase, action: 'upstream.history-rewritten' })).toHaveLength(1);
  });

  it('a package deleted upstream is flagged and what was mirrored stays', async () => {
    const { pkgbase, commit } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    await aurgate.app.approve({ pkgbase, commit, by: rita });
    await upstream.deletePackage(pkgbase);
    await aurgate.app.sync({ trigger: 'cli' });
    expect(getPackage(aurgate.app.db, pkgbase)?.upstreamStatus).toBe('deleted');
    expect(listAudit(aurgate.app.db, { pkgbase, action: 'upstream.deleted' })).toHaveLength(1);
    expect(getRevision(aurgate.app.db, pkgbase, commit)?.state).toBe('approved');
  });
});

describe('decisions', () => {
  it('approve or reject with a commit that is not the pending one is refused', async () => {
    const { pkgbase, commit: first } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    const second = await upstream.push(pkgbase, makePackage({ pkgbase, pkgver: '2.0.0' }));
    await aurgate.app.sync({ trigger: 'cli' });
    await expect(aurgate.app.approve({ pkgbase, commit: first, by: rita })).rejects.toBeInstanceOf(Conflict);
    expect(() => aurgate.app.reject({ pkgbase, commit: first, by: rita, note: 'no' })).toThrow(Conflict);
    const cli = await aurgate.cli(['approve', pkgbase, '--commit', first.slice(0, 10), '--reviewer', 'rita'], {}, `${TEST_PASSWORD}\n`);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toContain(`the pending one is ${second}`);
    expect(() => aurgate.app.reject({ pkgbase, commit: second, by: rita, note: '  ' })).toThrow(/reason is required/);
    const rejected = await aurgate.cli(
      ['reject', pkgbase, '--commit', second, '--reviewer', 'rita', '--reason', 'adds a binary'],
      {},
      `${TEST_PASSWORD}\n`,
    );
    expect(rejected.stdout).toContain(`rejected ${pkgbase} ${second}`);
    expect(getRevision(aurgate.app.db, pkgbase, second)?.state).toBe('rejected');
    expect(listAudit(aurgate.app.db, { pkgbase, action: 'revision.rejected' })[0]).toMatchObject({
      actor: 'rita',
      detail: { reason: 'adds a binary' },
    });
  });

  it('a decided revision cannot be decided again and the audit log refuses edits', async () => {
    const { pkgbase, commit } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    await aurgate.app.approve({ pkgbase, commit, by: rita });
    await expect(aurgate.app.approve({ pkgbase, commit, by: rita })).rejects.toThrow(/no pending revision \(commit .* is approved\)/);
    expect(() => aurgate.app.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(() => aurgate.app.db.prepare("UPDATE audit_log SET actor = 'x'").run()).toThrow(/append-only/);
    await expect(aurgate.app.approve({ pkgbase: 'unknown-pkg', commit, by: rita })).rejects.toBeInstanceOf(NotFound);
  });
});

describe('malformed upstream data', () => {
  it('a malformed .SRCINFO is recorded, reviewable and marked', async () => {
    const { pkgbase, commit: first } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    await aurgate.app.approve({ pkgbase, commit: first, by: rita });
    const broken = await upstream.push(pkgbase, { '.SRCINFO': 'pkgbase = x\nthis line has no equals sign\n' }, 'break it', {
      bumpLastModified: true,
    });
    await aurgate.app.sync({ trigger: 'cli', full: true });
    const pending = getPendingRevision(aurgate.app.db, pkgbase);
    expect(pending?.commit).toBe(broken);
    expect(pending?.srcinfoError).toMatch(/line 2/);
    const listed = await aurgate.cli(['pending']);
    expect(listed.stdout).toContain('MALFORMED .SRCINFO');
  });

  for (const mode of ['down', 'html', 'truncated', 'wrong-types', 'rpc-500'] as const) {
    it(`upstream ${mode}: the run records the error and loses nothing already mirrored`, async () => {
      const { pkgbase, commit } = await newPackage();
      await aurgate.app.allow([pkgbase], 'tester');
      await aurgate.app.sync({ trigger: 'cli' });
      await aurgate.app.approve({ pkgbase, commit, by: rita });
      await upstream.push(pkgbase, makePackage({ pkgbase, pkgver: '9.0.0' }));
      upstream.fail(mode);
      const summary = await aurgate.app.sync({ trigger: 'cli', full: true });
      upstream.fail('none');
      expect(summary.status).toBe('failed');
      expect(summary.errors[0]?.pkgbase).toBe(pkgbase);
      expect(summary.errors[0]?.error).toMatch(mode === 'down' ? /fetch failed|ECONNRESET|socket|other side closed/i : /upstream RPC info/);
      expect(listRuns(aurgate.app.db, 1)[0]).toMatchObject({ status: 'failed', failed: 1 });
      expect(getPackage(aurgate.app.db, pkgbase)?.lastError).toContain(pkgbase);
      expect(getRevision(aurgate.app.db, pkgbase, commit)?.state).toBe('approved');
      expect(getPendingRevision(aurgate.app.db, pkgbase)).toBeNull();
      const recovered = await aurgate.app.sync({ trigger: 'cli' });
      expect(recovered).toMatchObject({ failed: 0, newRevisions: 1 });
    });
  }

  it('upstream slow: the request times out, the run records it', async () => {
    const { pkgbase } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    // Only the sync runs with the short timeout (a second process's view of the same data dir), and
    // upstream holds its requests until released, so no machine is fast enough to beat the timeout.
    const impatient = new Aurgate(loadConfig({ ...aurgate.env, AURGATE_UPSTREAM_TIMEOUT_MS: '300' }), createLogger('warn', { process: 'test' }));
    upstream.fail('slow', { delayMs: 600_000, only: 'rpc' });
    try {
      const summary = await impatient.sync({ trigger: 'cli' });
      expect(summary.status).toBe('failed');
      expect(summary.errors[0]?.error).toMatch(/timeout|aborted/i);
      expect(listRuns(aurgate.app.db, 1)[0]).toMatchObject({ status: 'failed', failed: 1 });
    } finally {
      upstream.fail('none');
      impatient.close();
    }
  });
});

describe('one sync at a time', () => {
  it('two aurgate sync processes at once: one runs, the other is refused with exit code 5', async () => {
    const { pkgbase } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    // Upstream holds the first sync's RPC request (its timeout is longer than any test), so that sync
    // is certainly mid-run, lock held, when the second one starts; then the request is released.
    upstream.resetRequests();
    upstream.fail('slow', { delayMs: 600_000, only: 'rpc' });
    try {
      const first = aurgate.cliProcess(['sync'], { AURGATE_UPSTREAM_TIMEOUT_MS: '600000' });
      await until(() => upstream.requests.some((request) => request.kind === 'rpc'));
      const second = await aurgate.cliProcess(['sync']);
      expect(second.code, second.stderr).toBe(5);
      expect(second.stderr).toMatch(/another sync is running \(pid \d+/);
      upstream.fail('none');
      const done = await first;
      expect(done.code, done.stderr).toBe(0);
      expect(done.stdout).toMatch(/sync ok: 1 packages, 1 fetched, 1 new revisions, 0 failed/);
    } finally {
      upstream.fail('none');
    }
  });

  it('the lock of a killed process is taken over at once', () => {
    aurgate.app.db
      .prepare("INSERT INTO locks (name, owner_pid, owner_host, acquired_at, heartbeat_at) VALUES ('sync', 999999, ?, 0, ?)")
      .run(hostname(), Date.now());
    return expect(aurgate.app.sync({ trigger: 'cli' })).resolves.toMatchObject({ status: 'ok' });
  });

  it("a live process that was given a dead holder's pid does not keep the lock (pids are reused after a container restart)", async () => {
    // A process alive now, but not the one that took the lock: its start time differs.
    const stranger = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      aurgate.app.db
        .prepare("INSERT INTO locks (name, owner_pid, owner_host, owner_started, acquired_at, heartbeat_at) VALUES ('sync', ?, ?, '1', 0, ?)")
        .run(stranger.pid, hostname(), Date.now());
      await expect(aurgate.app.sync({ trigger: 'cli' })).resolves.toMatchObject({ status: 'ok' });
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it('a run whose process is gone shows as interrupted at once, not only when the next sync starts', async () => {
    const runId = Number(
      aurgate.app.db.prepare("INSERT INTO sync_runs (started_at, trigger, status) VALUES (?, 'schedule', 'running')").run(Date.now()).lastInsertRowid,
    );
    aurgate.app.db
      .prepare("INSERT INTO locks (name, owner_pid, owner_host, acquired_at, heartbeat_at) VALUES ('sync', 999999, ?, 0, ?)")
      .run(hostname(), Date.now());
    const status = JSON.parse((await aurgate.cli(['status', '--json'])).stdout) as { runs: Array<{ id: number; status: string }> };
    expect(status.runs.find((run) => run.id === runId)?.status).toBe('interrupted');
    aurgate.app.db.prepare('DELETE FROM locks').run();
  });

  it('an in-process second sync gets Busy', async () => {
    const { pkgbase } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    const first = aurgate.app.sync({ trigger: 'cli' });
    await expect(aurgate.app.sync({ trigger: 'cli' })).rejects.toBeInstanceOf(Busy);
    await first;
  });
});

describe('size cap', () => {
  it('a repository larger than AURGATE_MAX_REPO_BYTES is refused and nothing of it is recorded', async () => {
    const capped = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_MAX_REPO_BYTES: String(64 * 1024) } });
    try {
      counter += 1;
      const pkgbase = `huge-${counter}-${Date.now() % 100000}`;
      const noise = randomBytes(512 * 1024).toString('base64');
      await upstream.addPackage(makePackage({ pkgbase, extraFiles: { 'payload.txt': noise } }));
      await capped.app.allow([pkgbase], 'tester');
      const summary = await capped.app.sync({ trigger: 'cli' });
      expect(summary.failed).toBe(1);
      expect(summary.errors[0]?.error).toMatch(/more than the 65536-byte cap|larger than the 65536-byte cap/);
      expect(listRevisions(capped.app.db, pkgbase)).toHaveLength(0);
    } finally {
      await capped.close();
    }
  });
});

describe('RPC metadata lagging behind git', () => {
  it('a push that RPC does not show yet is found by the periodic full check (or sync --full)', async () => {
    const { pkgbase, commit } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    await aurgate.app.approve({ pkgbase, commit, by: rita });
    // Same version, LastModified not bumped: RPC shows nothing new although git moved.
    const lagging = await upstream.push(pkgbase, makePackage({ pkgbase, pkgver: '1.0.0', extraPkgbuild: '# a quiet change' }), 'quiet', {
      bumpLastModified: false,
    });
    upstream.resetRequests();
    const quiet = await aurgate.app.sync({ trigger: 'cli' });
    expect(quiet).toMatchObject({ fetched: 0, newRevisions: 0 });
    expect(gitRequests()).toBe(0);
    expect(getPendingRevision(aurgate.app.db, pkgbase)).toBeNull();
    const full = await aurgate.app.sync({ trigger: 'cli', full: true });
    expect(getPendingRevision(aurgate.app.db, pkgbase)?.commit).toBe(lagging);
    expect(full.failed).toBe(0);
  });

  it('with AURGATE_FULL_CHECK_HOURS=0 every run git-fetches every package', async () => {
    const eager = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_FULL_CHECK_HOURS: '0' } });
    try {
      const { pkgbase } = await newPackage();
      await eager.app.allow([pkgbase], 'tester');
      await eager.app.sync({ trigger: 'cli' });
      const again = await eager.app.sync({ trigger: 'cli' });
      expect(again).toMatchObject({ fetched: 1, newRevisions: 0 });
    } finally {
      await eager.close();
    }
  });
});

describe('status and pending for scripts', () => {
  it('status --json shows the recorded runs and each package; pending --json the queue', async () => {
    const { pkgbase, commit } = await newPackage();
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ trigger: 'cli' });
    const status = JSON.parse((await aurgate.cli(['status', '--json'])).stdout) as {
      runs: Array<{ trigger: string; status: string; packages: number; newRevisions: number; startedAt: number; finishedAt: number }>;
      packages: Array<{ pkgbase: string; upstreamStatus: string }>;
      pending: number;
    };
    expect(status.runs[0]).toMatchObject({ trigger: 'cli', status: 'ok', packages: 1, newRevisions: 1 });
    expect(status.runs[0]?.finishedAt).toBeGreaterThanOrEqual(status.runs[0]?.startedAt ?? Infinity);
    expect(status.packages).toEqual([expect.objectContaining({ pkgbase, upstreamStatus: 'present' })]);
    expect(status.pending).toBe(1);
    const pending = JSON.parse((await aurgate.cli(['pending', '--json'])).stdout) as Array<{ pkgbase: string; commit: string; base: string | null }>;
    expect(pending).toEqual([expect.objectContaining({ pkgbase, commit, base: null })]);
    expect((await aurgate.cli(['status'])).stdout).toMatch(/last sync #\d+ ok .*1 packages/);
  });
});
