import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestApproval, gatherApprovalEvidence } from '../src/app/attest.js';
import { publishPackage } from '../src/app/publish.js';
import { inTransaction } from '../src/db/open.js';
import { approveRevision } from '../src/quarantine/decisions.js';
import { getPendingRevision } from '../src/quarantine/revisions.js';
import { servableRange } from '../src/quarantine/servable-range.js';
import { account } from './support/accounts.js';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, tempDir } from './support/git-client.js';
import { startPublicAurgate, type Harness } from './support/harness.js';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { until } from './support/until.js';
import { TestUpstream } from './support/upstream.js';

/**
 * A replica applies the primary's range rule again: each approval's attested range must name every
 * commit its history makes servable on the replica. A primary that serves a commit outside the range
 * it signed (a bug or a compromise) halts the replica, which keeps serving what it verified.
 */
let upstream: TestUpstream;
let primary: Harness & { url: string };
let replica: ServeProcess;
const PKG = 'ranged';
const c = { v1: '', v2: '', v3: '', v4: '', v5: '' };

interface Ready {
  replica: { state: string; appliedEntries: number; halt: { kind: string; reason: string } | null };
}
const readyz = async (): Promise<Ready> => (await (await fetch(`${replica.url}/readyz`)).json()) as Ready;

async function replicaHead(): Promise<string> {
  const dir = await tempDir('replica-range-clone-');
  const clone = await gitClient(['clone', '--quiet', `${replica.url}/${PKG}.git`, 'work'], dir);
  expect(clone.code, clone.stderr).toBe(0);
  return (await gitClient(['rev-parse', 'HEAD'], path.join(dir, 'work'))).stdout.trim();
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  primary = await startPublicAurgate({ upstreamUrl: upstream.url });
  const work = await tempDir('replica-range-');
  const keys = path.join(work, 'primary.keys');
  await writeFile(keys, primary.app.trust.pinnedKeys());
  c.v1 = await upstream.addPackage(makePackage({ pkgbase: PKG, pkgver: '1.0' }));
  await primary.app.allow([PKG], 'tester');
  await primary.app.sync({ trigger: 'cli' });
  await primary.app.approve({ pkgbase: PKG, commit: c.v1, by: await account(primary.app, 'rita', 'reviewer') });
  const env = { AURGATE_DATA_DIR: await tempDir('replica-range-data-'), AURGATE_UPSTREAM_URL: 'http://127.0.0.1:9', AURGATE_REPLICA_POLL_MS: '100' };
  replica = await startServeProcess(env, ['--replica-of', primary.url, '--trusted-key', keys]);
}, 300_000);
afterAll(async () => {
  await replica?.stop();
  await primary?.close();
  await upstream?.stop();
});

describe('a replica and the attested range', () => {
  it('applies an approval whose range names every commit it serves', async () => {
    c.v2 = await upstream.push(PKG, makePackage({ pkgbase: PKG, pkgver: '2.0' }));
    c.v3 = await upstream.push(PKG, makePackage({ pkgbase: PKG, pkgver: '3.0' }));
    await primary.app.sync({ trigger: 'cli' });
    const result = await primary.app.approve({ pkgbase: PKG, commit: c.v3, by: await account(primary.app, 'rita') });
    expect(result.range).toEqual([c.v3, c.v2]);
    await until(async () => (await readyz()).replica.appliedEntries >= 2);
    expect(await replicaHead()).toBe(c.v3);
  });

  it('halts on a served commit outside the attested range, and keeps serving what it verified', async () => {
    c.v4 = await upstream.push(PKG, makePackage({ pkgbase: PKG, pkgver: '4.0' }));
    c.v5 = await upstream.push(PKG, makePackage({ pkgbase: PKG, pkgver: '5.0' }));
    await primary.app.sync({ trigger: 'cli' });
    // A primary that signs a range leaving out v4 but serves v5 with its history (v4 included).
    const { app } = primary;
    const pending = getPendingRevision(app.db, PKG)!;
    const range = await servableRange(app.db, app.mirror.repoPath(PKG), pending);
    const forged = { ...range, commits: range.commits.filter((entry) => entry.commit !== c.v4) };
    const evidence = await gatherApprovalEvidence(app, app.mirror.repoPath(PKG), pending);
    const rita = await account(app, 'rita');
    inTransaction(app.db, () => {
      const decided = approveRevision(app.db, { pkgbase: PKG, commit: c.v5, by: rita }, forged);
      attestApproval(app.db, app, decided.revision, evidence, forged);
    });
    await publishPackage(app.db, app.served, PKG);
    await until(async () => (await readyz()).replica.state === 'halted');
    const { halt } = (await readyz()).replica;
    expect(halt?.kind).toBe('outside-range');
    expect(halt?.reason).toContain(c.v4);
    expect(await replicaHead()).toBe(c.v3);
    const fetched = await gitClient(['ls-remote', `${replica.url}/${PKG}.git`], await tempDir('replica-range-ls-'));
    expect(fetched.stdout).not.toContain(c.v5);
    expect(fetched.stdout).not.toContain(c.v4);
  });
});
