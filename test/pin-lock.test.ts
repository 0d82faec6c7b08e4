import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockFile } from '../src/pin/lock.js';
import { startServer } from '../src/server.js';
import { makePackage } from './support/fixture-packages.js';
import { tempDir } from './support/git-client.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { freePort } from './support/ports.js';
import { account } from './support/accounts.js';

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
const heads: Record<string, string> = {};

function sh(script: string, cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', script],
      { cwd, env: { PATH: process.env['PATH'] ?? '', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' } },
      (error, _out, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
    );
  });
}

async function writeLock(lock: unknown): Promise<string> {
  const file = path.join(await tempDir('aurgate-lockfile-'), 'aurgate.lock.json');
  await writeFile(file, JSON.stringify(lock, null, 2));
  return file;
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  const port = await freePort();
  aurgate = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_PORT: String(port), AURGATE_PUBLIC_URL: `http://127.0.0.1:${port}` } });
  aurgate.server = await startServer(aurgate.app, { schedule: false, port });
  url = aurgate.server.url;
  heads['lock-lib'] = await upstream.addPackage(makePackage({ pkgbase: 'lock-lib', pkgver: '0.9', epoch: '1' }));
  heads['lock-split'] = await upstream.addPackage(
    makePackage({ pkgbase: 'lock-split', pkgnames: ['lock-split-cli', 'lock-split-doc'], pkgver: '3.2' }),
  );
  await upstream.addPackage(makePackage({ pkgbase: 'lock-pending' }));
  await aurgate.app.allow(['lock-lib', 'lock-split-cli', 'lock-pending'], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: 'lock-lib', commit: heads['lock-lib'], by: await account(aurgate.app, 'rita'), note: 'reviewed' });
  await aurgate.app.approve({ pkgbase: 'lock-split', commit: heads['lock-split'], by: await account(aurgate.app, 'sam') });
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

describe('aurgate lock', () => {
  let lock: LockFile;

  it('pins the served head of each package with its snapshot URL, sha256 and approval, in the given order', async () => {
    const result = await aurgate.cli(['lock', 'lock-split-cli', 'lock-lib']);
    expect(result.code, result.stderr).toBe(0);
    lock = JSON.parse(result.stdout) as LockFile;
    expect(lock).toMatchObject({ version: 1, server: url });
    expect(Date.parse(lock.generatedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(lock.packages.map((entry) => [entry.pkgname, entry.pkgbase, entry.version, entry.commit, entry.approvedBy])).toEqual([
      ['lock-split-cli', 'lock-split', '3.2-1', heads['lock-split'], 'sam'],
      ['lock-lib', 'lock-lib', '1:0.9-1', heads['lock-lib'], 'rita'],
    ]);
    for (const entry of lock.packages) {
      expect(entry.url).toBe(`${url}/snapshot/${entry.pkgbase}/${entry.commit}.tar.gz`);
      expect(Date.parse(entry.approvedAt ?? '')).toBeGreaterThan(0);
      const bytes = Buffer.from(await (await fetch(entry.url)).arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
    }
  });

  it('prints BuildKit ADD --checksum lines for a Dockerfile', async () => {
    const result = await aurgate.cli(['lock', 'lock-lib', 'lock-split-doc', '--format', 'dockerfile']);
    expect(result.code, result.stderr).toBe(0);
    const adds = result.stdout.split('\n').filter((line) => line.startsWith('ADD '));
    const byBase = Object.fromEntries(lock.packages.map((entry) => [entry.pkgbase, entry]));
    expect(adds).toEqual([
      `ADD --checksum=sha256:${byBase['lock-lib']?.sha256} ${byBase['lock-lib']?.url} /aur/lock-lib.tar.gz`,
      `ADD --checksum=sha256:${byBase['lock-split']?.sha256} ${byBase['lock-split']?.url} /aur/lock-split.tar.gz`,
    ]);
  });

  it('prints git commands that really clone, detach at the pinned commit and check it', async () => {
    const result = await aurgate.cli(['lock', 'lock-lib', '--format', 'git']);
    expect(result.code, result.stderr).toBe(0);
    const line = result.stdout.trim();
    expect(line).toBe(
      `git clone ${url}/lock-lib.git /aur/lock-lib && git -C /aur/lock-lib checkout --detach ${heads['lock-lib']} && test "$(git -C /aur/lock-lib rev-parse HEAD)" = ${heads['lock-lib']}`,
    );
    const dir = await tempDir('aurgate-gitlock-');
    const run = await sh(line.replaceAll('/aur/', `${dir}/`), dir);
    expect(run.code, run.stderr).toBe(0);
    const tampered = await sh(line.replaceAll('/aur/', `${dir}/x-`).replace(/= [0-9a-f]{40}$/, `= ${'0'.repeat(40)}`), dir);
    expect(tampered.code).not.toBe(0);
  });

  it('fails with exit 3 naming every package that is not served, and writes nothing', async () => {
    const result = await aurgate.cli(['lock', 'lock-lib', 'no-such-pkg', 'lock-pending']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('no-such-pkg is not on the allowlist');
    expect(result.stderr).toContain('lock-pending is awaiting review');
    expect((await aurgate.cli(['lock', 'lock-lib', '--format', 'yaml'])).code).toBe(2);
  });
});

describe('GET /api/v1/lock', () => {
  it('gives the same packages for pkg=a&pkg=b and pkg=a,b', async () => {
    const repeated = (await (await fetch(`${url}/api/v1/lock?pkg=lock-lib&pkg=lock-split-cli`)).json()) as LockFile;
    const response = await fetch(`${url}/api/v1/lock?pkg=lock-lib,lock-split-cli`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const joined = (await response.json()) as LockFile;
    expect(joined.packages).toEqual(repeated.packages);
    expect(joined.packages.map((entry) => entry.pkgname)).toEqual(['lock-lib', 'lock-split-cli']);
    expect(joined.server).toBe(url);
  });

  it('renders the dockerfile form, and names unserved packages in a JSON 404', async () => {
    const text = await (await fetch(`${url}/api/v1/lock?pkg=lock-lib&format=dockerfile`)).text();
    expect(text).toMatch(/^ADD --checksum=sha256:[0-9a-f]{64} \S+ \/aur\/lock-lib\.tar\.gz$/m);
    const missing = await fetch(`${url}/api/v1/lock?pkg=lock-lib,lock-pending`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toContain('lock-pending');
    expect((await fetch(`${url}/api/v1/lock`)).status).toBe(400);
    expect((await fetch(`${url}/api/v1/lock?pkg=..%2Fetc`)).status).toBe(400);
  });
});

describe('aurgate verify', () => {
  let lock: LockFile;
  beforeAll(async () => {
    lock = (await (await fetch(`${url}/api/v1/lock?pkg=lock-lib,lock-split-doc`)).json()) as LockFile;
  });

  it('prints OK lines and exits 0 while everything is still served as pinned', async () => {
    const result = await aurgate.cli(['verify', await writeLock(lock)]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/).slice(0, 2).join(' ')),
    ).toEqual(['OK lock-lib', 'OK lock-split-doc']);
  });

  it('exits 1 naming each drift: a changed checksum and a revision the server never approved', async () => {
    const [lib, doc] = lock.packages as [LockFile['packages'][0], LockFile['packages'][0]];
    const drifted = {
      ...lock,
      packages: [
        { ...lib, sha256: 'f'.repeat(64) },
        { ...doc, commit: 'e'.repeat(40) },
      ],
    };
    const result = await aurgate.cli(['verify', await writeLock(drifted)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/DRIFT +lock-lib .*checksum changed: lock has f{64}, server sent [0-9a-f]{64}/);
    expect(result.stdout).toMatch(/DRIFT +lock-split-doc .*gone \(HTTP 404/);
  });

  it("asks --server instead of the lock's server, and exits 6 when the server cannot be reached", async () => {
    const elsewhere = { ...lock, server: 'http://127.0.0.1:9' };
    const overridden = await aurgate.cli(['verify', await writeLock(elsewhere), '--server', url, '--json']);
    expect(overridden.code, overridden.stderr).toBe(0);
    expect((JSON.parse(overridden.stdout) as Array<{ kind: string }>).map((entry) => entry.kind)).toEqual(['ok', 'ok']);
    const unreachable = await aurgate.cli(['verify', await writeLock(elsewhere), '--timeout', '2000']);
    expect(unreachable.code).toBe(6);
    expect(unreachable.stdout).toMatch(/^ERROR +lock-lib/m);
  });

  it('refuses a file that is not a lock with exit 2', async () => {
    const result = await aurgate.cli(['verify', await writeLock({ version: 1, packages: [] })]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not an aurgate lock');
  });
});
