import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aurgate } from '../src/compose.js';
import { createLogger } from '../src/log.js';
import { startServer } from '../src/http/server.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { account } from './support/accounts.js';

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
const PKG = 'pinned-snap';
const commits: Record<'v1' | 'v2' | 'pending' | 'rejected', string> = { v1: '', v2: '', pending: '', rejected: '' };

async function download(base: string, pkgbase: string, commit: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const response = await fetch(`${base}/snapshot/${pkgbase}/${commit}.tar.gz`);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  url = await aurgate.serve();
  commits.v1 = await upstream.addPackage(makePackage({ pkgbase: PKG, pkgver: '1.0', extraFiles: { 'fix.patch': 'one\n' } }));
  await aurgate.app.allow([PKG], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit: commits.v1, by: await account(aurgate.app, 'rita') });
  commits.v2 = await upstream.push(PKG, makePackage({ pkgbase: PKG, pkgver: '2.0' }), 'Update to 2.0');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit: commits.v2, by: await account(aurgate.app, 'rita') });
  commits.rejected = await upstream.push(PKG, makePackage({ pkgbase: PKG, pkgver: '3.0' }), 'Update to 3.0');
  await aurgate.app.sync({ trigger: 'cli' });
  aurgate.app.reject({ pkgbase: PKG, commit: commits.rejected, by: await account(aurgate.app, 'rita'), note: 'curl | sh in build()' });
  commits.pending = await upstream.push(PKG, makePackage({ pkgbase: PKG, pkgver: '4.0' }), 'Update to 4.0');
  await aurgate.app.sync({ trigger: 'cli' });
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

describe('immutable per-revision snapshots /snapshot/<pkgbase>/<commit>.tar.gz', () => {
  const first: Record<string, Buffer> = {};

  it('serve every approved revision, with its sha256 in the headers, as an archive of exactly its files', async () => {
    for (const version of ['v1', 'v2'] as const) {
      const { status, bytes, headers } = await download(url, PKG, commits[version]);
      expect(status).toBe(200);
      expect(headers.get('x-checksum-sha256')).toBe(sha256(bytes));
      expect(headers.get('cache-control')).toContain('immutable');
      first[version] = bytes;
    }
    const listing = execFileSync('tar', ['-tzf', '-'], { input: first['v1'] }).toString().trim().split('\n').sort();
    expect(listing).toEqual([`${PKG}/`, `${PKG}/.SRCINFO`, `${PKG}/PKGBUILD`, `${PKG}/fix.patch`]);
    const recorded = aurgate.app.db.prepare('SELECT sha256 FROM snapshots WHERE pkgbase = ? AND commit_id = ?').get(PKG, commits.v1) as {
      sha256: string;
    };
    expect(recorded.sha256).toBe(sha256(first['v1']!));
  });

  it('are byte-identical after a server restart (a new process state on the same data dir)', async () => {
    await aurgate.server?.close(1000);
    aurgate.server = undefined;
    const second = new Aurgate(aurgate.config, createLogger('warn', { process: 'restarted' }));
    const restarted = await startServer(second, { schedule: false, port: 0 });
    try {
      for (const version of ['v1', 'v2'] as const)
        expect(sha256((await download(restarted.url, PKG, commits[version])).bytes)).toBe(sha256(first[version]!));
    } finally {
      await restarted.close(1000);
      second.close();
    }
    url = await aurgate.serve();
  });

  it('are rebuilt byte-identical after the snapshot cache is wiped, even a while later', async () => {
    await rm(aurgate.config.paths.snapshots, { recursive: true, force: true });
    // Archives carry the commit time, never the build time: a rebuild a second later is the same file.
    await sleep(1100);
    for (const version of ['v1', 'v2'] as const) {
      const { status, bytes } = await download(url, PKG, commits[version]);
      expect(status).toBe(200);
      expect(sha256(bytes)).toBe(sha256(first[version]!));
    }
  });

  it('answer 304 to a matching If-None-Match and HEAD without a body', async () => {
    const tag = `"${sha256(first['v1']!)}"`;
    const cached = await fetch(`${url}/snapshot/${PKG}/${commits.v1}.tar.gz`, { headers: { 'If-None-Match': tag } });
    expect(cached.status).toBe(304);
    const head = await fetch(`${url}/snapshot/${PKG}/${commits.v1}.tar.gz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(first['v1']!.length));
  });

  it('answer 404 for pending, rejected, unknown and malformed revisions', async () => {
    for (const commit of [commits.pending, commits.rejected, 'c'.repeat(40)]) {
      const { status, bytes } = await download(url, PKG, commit);
      expect(status, commit).toBe(404);
      expect(bytes.toString()).toContain('not an approved revision');
    }
    expect((await download(url, PKG, commits.v1.slice(0, 12))).status).toBe(404);
    expect((await download(url, 'not-allowed', commits.v1)).status).toBe(404);
    expect((await fetch(`${url}/snapshot/..%2f..%2fetc/${commits.v1}.tar.gz`)).status).toBe(404);
  });

  it('answer 410 with the reason once the revision is revoked, while older approvals stay served', async () => {
    await aurgate.app.revoke({
      pkgbase: PKG,
      commit: commits.v2,
      by: await account(aurgate.app, 'sec-team', 'admin'),
      note: 'CVE-2026-0001: backdoored source URL',
    });
    const revoked = await download(url, PKG, commits.v2);
    expect(revoked.status).toBe(410);
    expect(revoked.bytes.toString()).toContain('CVE-2026-0001: backdoored source URL');
    const older = await download(url, PKG, commits.v1);
    expect(older.status).toBe(200);
    expect(sha256(older.bytes)).toBe(sha256(first['v1']!));
  });
});
