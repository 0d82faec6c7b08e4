import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aurgate } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { packageRepoPath } from '../src/git/repo-paths.js';
import { createLogger } from '../src/log.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { account } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, tempDir } from './support/git-client.js';
import { runCliInProcess, startPublicAurgate, type Harness } from './support/harness.js';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { until } from './support/until.js';
import { TestUpstream } from './support/upstream.js';

/**
 * A primary and two replicas as a deployment runs them, all on 127.0.0.1: replicas are real
 * `aurgate serve --replica-of` processes with no route to upstream. The scenarios run in order on the
 * same three nodes: approvals and revocations reach both, a replica restarted with entries pending
 * resumes, the primary goes down and the replicas keep serving, and a primary restored from an older
 * backup that approves something else (a forked log) is refused.
 */
let upstream: TestUpstream;
let primary: Harness & { url: string };
let work: string;
let keysFile: string;
let keyLine: string;
const replicaDirs: string[] = [];
const replicas: ServeProcess[] = [];
const heads: Record<string, string> = {};
let backup: string;

interface ReplicaReadiness {
  status: string;
  replica: {
    state: string;
    verifiedEntries: number;
    appliedEntries: number;
    halt: { kind: string; reason: string } | null;
    lastError: string | null;
  };
}

async function readyz(url: string): Promise<{ code: number; body: ReplicaReadiness }> {
  const response = await fetch(`${url}/readyz`);
  return { code: response.status, body: (await response.json()) as ReplicaReadiness };
}

async function caughtUp(url: string, size: number): Promise<void> {
  await until(async () => (await readyz(url)).body.replica.appliedEntries >= size);
}

async function publish(pkgbase: string, pkgver: string, app = primary.app): Promise<string> {
  const isNew = !heads[pkgbase];
  const commit = isNew ? await upstream.addPackage(makePackage({ pkgbase, pkgver })) : await upstream.push(pkgbase, makePackage({ pkgbase, pkgver }));
  if (isNew) await app.allow([pkgbase], 'tester');
  heads[pkgbase] = commit;
  await app.sync({ trigger: 'cli' });
  await app.approve({ pkgbase, commit, by: await account(app, 'rita') });
  return commit;
}

async function rpcVersion(url: string, name: string): Promise<string | null> {
  const body = (await (await fetch(`${url}/rpc/v5/info?arg[]=${name}`)).json()) as { results: Array<{ Version: string }> };
  return body.results[0]?.Version ?? null;
}

async function snapshotSha(
  url: string,
  pkgbase: string,
  commit: string,
): Promise<{ status: number; sha256: string; header: string | null; cache: string | null }> {
  const response = await fetch(`${url}/snapshot/${pkgbase}/${commit}.tar.gz`);
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    header: response.headers.get('x-checksum-sha256'),
    cache: response.headers.get('cache-control'),
  };
}

async function cloneHead(url: string, pkgbase: string): Promise<string> {
  const dir = await tempDir('replica-clone-');
  const clone = await gitClient(['clone', '--quiet', `${url}/${pkgbase}.git`, dir], work);
  expect(clone.code, clone.stderr).toBe(0);
  return (await gitClient(['rev-parse', 'HEAD'], dir)).stdout.trim();
}

function replicaEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  // No route to any AUR: a replica must never need upstream.
  return { AURGATE_DATA_DIR: dataDir, AURGATE_UPSTREAM_URL: 'http://127.0.0.1:9', AURGATE_REPLICA_POLL_MS: '100', ...extra };
}

async function startReplica(number: 0 | 1): Promise<ServeProcess> {
  // One replica takes its settings from flags, the other from the environment.
  const started =
    number === 0
      ? await startServeProcess(replicaEnv(replicaDirs[0] as string), ['--replica-of', primary.url, '--trusted-key', keysFile])
      : await startServeProcess(replicaEnv(replicaDirs[1] as string, { AURGATE_REPLICA_OF: primary.url, AURGATE_TRUSTED_KEY: keyLine }));
  replicas[number] = started;
  return started;
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  primary = await startPublicAurgate({ upstreamUrl: upstream.url });
  work = await tempDir('replica-test-');
  keysFile = path.join(work, 'primary.keys');
  await writeFile(keysFile, primary.app.trust.pinnedKeys());
  keyLine = primary.app.trust.pinnedKeys().trim().split('\n').at(-1) as string;
  replicaDirs.push(await tempDir('replica-a-'), await tempDir('replica-b-'));
});

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  await primary?.close();
  await upstream?.stop();
});

describe('read replicas', () => {
  it('replicate approvals with verified archives and serve every client endpoint from their own state', async () => {
    await publish('alpha', '1.0');
    await publish('beta', '1.0');
    const [one, two] = [await startReplica(0), await startReplica(1)];
    for (const replica of [one, two]) {
      await caughtUp(replica.url, 2);
      expect((await readyz(replica.url)).code).toBe(200);
      expect(await rpcVersion(replica.url, 'alpha')).toBe('1.0-1');
      expect(await cloneHead(replica.url, 'beta')).toBe(heads['beta']);
      const onReplica = await snapshotSha(replica.url, 'alpha', heads['alpha'] as string);
      const onPrimary = await snapshotSha(primary.url, 'alpha', heads['alpha'] as string);
      expect(onReplica.status).toBe(200);
      expect(onReplica.sha256).toBe(onPrimary.sha256);
      expect(onReplica.cache).toContain('immutable');
      expect(await (await fetch(`${replica.url}/log/checkpoint`)).text()).toBe(primary.app.trust.checkpoint());
      expect(await (await fetch(`${replica.url}/attestations/alpha/${heads['alpha']}.intoto.jsonl`)).text()).toBe(
        await (await fetch(`${primary.url}/attestations/alpha/${heads['alpha']}.intoto.jsonl`)).text(),
      );
      expect((await fetch(`${replica.url}/admin`)).status).toBe(404);
      const lock = (await (await fetch(`${replica.url}/api/v1/lock?pkg=alpha`)).json()) as {
        packages: Array<{ sha256: string; attestation?: object }>;
      };
      expect(lock.packages[0]?.sha256).toBe(onPrimary.sha256);
      expect(lock.packages[0]?.attestation).toBeDefined();
    }
  });

  it('apply new approvals and revocations, removing revoked objects physically', async () => {
    const revoked = heads['beta'] as string;
    await publish('alpha', '2.0');
    await primary.app.revoke({ pkgbase: 'beta', commit: revoked, by: await account(primary.app, 'ada', 'admin'), note: 'malware found' });
    const size = primary.app.trust.size();
    expect(size).toBe(4);
    for (const [number, replica] of replicas.entries()) {
      await caughtUp(replica.url, size);
      expect(await rpcVersion(replica.url, 'alpha')).toBe('2.0-1');
      expect(await rpcVersion(replica.url, 'beta')).toBeNull();
      const gone = await snapshotSha(replica.url, 'beta', revoked);
      expect(gone.status).toBe(410);
      const servedBeta = packageRepoPath(path.join(replicaDirs[number] as string, 'served'), 'beta');
      expect((await gitClient(['cat-file', '-e', `${revoked}^{commit}`], servedBeta)).code).not.toBe(0);
      expect((await gitClient(['ls-remote', `${replica.url}/beta.git`], work)).code).not.toBe(0);
    }
  });

  it('a replica restarted with entries pending resumes where it stopped', async () => {
    const [, two] = replicas as [ServeProcess, ServeProcess];
    await two.stop();
    await publish('gamma', '1.0');
    // The fork scenario below restores this backup: the log without its next entry.
    backup = path.join(await tempDir('replica-backup-'), 'b');
    const made = await primary.cli(['backup', backup]);
    expect(made.code, made.stderr).toBe(0);
    await publish('alpha', '3.0');
    const restarted = await startReplica(1);
    await caughtUp(restarted.url, primary.app.trust.size());
    expect(await rpcVersion(restarted.url, 'gamma')).toBe('1.0-1');
    expect(await rpcVersion(restarted.url, 'alpha')).toBe('3.0-1');
    expect(await cloneHead(restarted.url, 'alpha')).toBe(heads['alpha']);
  });

  it('keep serving clones, RPC and snapshots while the primary is down', async () => {
    for (const replica of replicas) await caughtUp(replica.url, primary.app.trust.size());
    await primary.server?.close(2000);
    for (const replica of replicas) {
      await until(async () => (await readyz(replica.url)).body.replica.lastError !== null);
      const ready = await readyz(replica.url);
      expect(ready.code).toBe(200);
      expect(ready.body.replica.state).toBe('following');
      expect(await cloneHead(replica.url, 'gamma')).toBe(heads['gamma']);
      expect(await rpcVersion(replica.url, 'alpha')).toBe('3.0-1');
      const snapshot = await snapshotSha(replica.url, 'alpha', heads['alpha'] as string);
      expect(snapshot.status).toBe(200);
      expect(snapshot.sha256).toBe(snapshot.header);
    }
  });

  it('refuse a primary that rewrote its log, keep serving, and say why', async () => {
    const verified = primary.app.trust.size();
    // The primary's backup from before its last approval, restored and made to approve something else:
    // a log of the same size as the one the replicas verified, with another last entry.
    const restoredDir = await tempDir('replica-restored-');
    const previous = heads['alpha'] as string;
    const env = { ...primary.env, AURGATE_DATA_DIR: restoredDir };
    const restored = await runCliInProcess(['restore', backup], env);
    expect(restored.code, restored.stderr).toBe(0);
    const forked = new Aurgate(loadConfig(env), createLogger('warn', { process: 'test' }));
    let server: RunningServer | undefined;
    try {
      await publish('delta', '1.0', forked);
      expect(forked.trust.size()).toBe(verified);
      server = await startServer(forked, { schedule: false, port: primary.server?.port ?? 0 });
      for (const replica of replicas) {
        await until(async () => (await readyz(replica.url)).body.replica.state === 'halted');
        const ready = await readyz(replica.url);
        expect(ready.code).toBe(503);
        expect(ready.body.replica.halt?.kind).toBe('fork');
        expect(ready.body.replica.halt?.reason).toMatch(/forked/);
        // Still serving what it verified, including the revision the forked primary no longer has.
        expect(await rpcVersion(replica.url, 'alpha')).toBe('3.0-1');
        expect(await cloneHead(replica.url, 'alpha')).toBe(previous);
        expect(await rpcVersion(replica.url, 'delta')).toBeNull();
        const metrics = await (await fetch(`${replica.url}/metrics`)).text();
        expect(metrics).toMatch(/^aurgate_replica_halted 1$/m);
        expect(replica.logs()).toContain('replica halted');
      }
      const status = await runCliInProcess(['status'], replicaEnv(replicaDirs[0] as string));
      expect(status.stdout).toMatch(/HALTED .*\(fork\): the log forked/);
      expect(status.code).toBe(1);
    } finally {
      await server?.close(2000);
      forked.close();
    }
  });
});
