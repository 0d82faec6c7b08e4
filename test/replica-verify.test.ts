import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AurgateReplica } from '../src/compose-replica.js';
import { loadConfig } from '../src/config.js';
import { packageRepoPath } from '../src/git/repo-paths.js';
import { startReplicaServer } from '../src/http/replica-server.js';
import type { RunningServer } from '../src/http/server.js';
import { createLogger } from '../src/log.js';
import { account } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, tempDir } from './support/git-client.js';
import { startPublicAurgate, type Harness } from './support/harness.js';
import { until } from './support/until.js';
import { TestUpstream } from './support/upstream.js';

/**
 * A replica refuses what its primary signed but cannot back: here the primary's snapshot checksum was
 * altered before an approval, so the approval attests an archive sha256 the commit does not produce.
 * The replica (in this process: the multi-process deployment is test/replica.test.ts) must halt
 * before anything of that commit reaches its served repo, alert the webhook, and keep serving.
 */
let upstream: TestUpstream;
let primary: Harness & { url: string };
let replica: AurgateReplica;
let server: RunningServer;
let hook: Server;
const alerts: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  upstream = await TestUpstream.start();
  primary = await startPublicAurgate({ upstreamUrl: upstream.url });
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      alerts.push(JSON.parse(body) as Record<string, unknown>);
      res.end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const config = loadConfig({
    AURGATE_DATA_DIR: await tempDir('replica-verify-'),
    AURGATE_UPSTREAM_URL: 'http://127.0.0.1:9',
    AURGATE_REPLICA_OF: primary.url,
    AURGATE_TRUSTED_KEY: primary.app.trust.pinnedKeys().trim(),
    AURGATE_REPLICA_POLL_MS: '100',
    AURGATE_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
  });
  replica = new AurgateReplica(config, createLogger('silent', { process: 'test' }));
  server = await startReplicaServer(replica, { port: 0 });
});

afterAll(async () => {
  await server?.close(2000);
  replica?.close();
  hook?.close();
  await primary?.close();
  await upstream?.stop();
});

async function approve(pkgbase: string): Promise<string> {
  const commit = await upstream.addPackage(makePackage({ pkgbase, pkgver: '1.0' }));
  await primary.app.allow([pkgbase], 'tester');
  await primary.app.sync({ trigger: 'cli' });
  return commit;
}

describe('a replica verifying what its primary signed', () => {
  it('halts on an attested archive checksum the commit does not produce, serving nothing of it', async () => {
    const good = await approve('good');
    await primary.app.approve({ pkgbase: 'good', commit: good, by: await account(primary.app, 'rita') });
    await until(() => replica.follower.status().appliedEntries === 1);
    const bad = await approve('bad');
    // Someone with the primary's disk changed the recorded checksum: the approval signs it as it is.
    primary.app.snapshots.record('bad', bad, { sha256: 'ab'.repeat(32), size: 1 });
    await primary.app.approve({ pkgbase: 'bad', commit: bad, by: await account(primary.app, 'rita') });

    await until(() => replica.follower.status().state === 'halted');
    const status = replica.follower.status();
    expect(status.halt?.kind).toBe('digest-mismatch');
    expect(status.halt?.reason).toContain(`attests ${'ab'.repeat(32)}`);
    expect(status.appliedEntries).toBe(1);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('digest-mismatch');
    const servedBad = packageRepoPath(path.join(replica.config.dataDir, 'served'), 'bad');
    expect(existsSync(servedBad) ? (await gitClient(['cat-file', '-e', `${bad}^{commit}`], servedBad)).code : 1).not.toBe(0);
    expect((await fetch(`${server.url}/snapshot/bad/${bad}.tar.gz`)).status).toBe(404);
    expect((await fetch(`${server.url}/snapshot/good/${good}.tar.gz`)).status).toBe(200);
    await until(() => alerts.length > 0);
    expect(alerts[0]).toMatchObject({ event: 'replica.halted', kind: 'digest-mismatch' });
  });
});
