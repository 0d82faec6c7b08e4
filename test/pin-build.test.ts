import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockFile } from '../src/app/lock.js';
import { makePackage } from './support/fixture-packages.js';
import { tempDir } from './support/git-client.js';
import { REPO_ROOT, startPublicAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';
import { account } from './support/accounts.js';
import { CHILD_HANG_GUARD_MS } from './support/hang-guard.js';

/**
 * The examples are run, not just read: the pinned archives are fetched and checked the way BuildKit's
 * `ADD --checksum` does, unpacked and built with the example Dockerfile's own RUN lines (makepkg as an
 * unprivileged user; installing with -si needs Arch's pacman, so here it builds with --nodeps), and the CI
 * job's verify script runs against a live server.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
const PACKAGES = ['build-lib', 'build-app'];
const ADD_LINE = /^ADD --checksum=sha256:([0-9a-f]{64}) (\S+) \/aur\/([a-z0-9][a-z0-9.+_-]*)\.tar\.gz$/;

function sh(
  shell: 'sh' | 'bash',
  script: string,
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      shell,
      ['-c', script],
      { cwd, env: { PATH: process.env['PATH'] ?? '', HOME: cwd, ...env }, timeout: CHILD_HANG_GUARD_MS },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const has = (command: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** The `run: |` block of the step with the given id, dedented. */
function stepScript(yaml: string, id: string): string {
  const lines = yaml.split('\n');
  const start = lines.findIndex((line) => line.trim() === `- id: ${id}`);
  const runAt = lines.findIndex((line, index) => index > start && line.trim() === 'run: |');
  const indent = (lines[runAt] ?? '').search(/\S/);
  const body: string[] = [];
  for (const line of lines.slice(runAt + 1)) {
    if (line.trim() !== '' && line.search(/\S/) <= indent) break;
    body.push(line);
  }
  const margin = Math.min(...body.filter((line) => line.trim()).map((line) => line.search(/\S/)));
  return body.map((line) => line.slice(margin)).join('\n');
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  const started = await startPublicAurgate({ upstreamUrl: upstream.url });
  aurgate = started;
  url = started.url;
  for (const pkgbase of PACKAGES) {
    const commit = await upstream.addPackage(makePackage({ pkgbase, pkgver: '1.2.3', depends: pkgbase === 'build-app' ? ['build-lib'] : [] }));
    await aurgate.app.allow([pkgbase], 'tester');
    await aurgate.app.sync({ only: [pkgbase], trigger: 'cli' });
    await aurgate.app.approve({ pkgbase, commit, by: await account(aurgate.app, 'rita') });
  }
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

describe('examples/Dockerfile.arch-build', () => {
  it('has its lock block in exactly the form `aurgate lock --format dockerfile` prints, and builds what it adds', async () => {
    const example = await readFile(path.join(REPO_ROOT, 'examples/Dockerfile.arch-build'), 'utf8');
    expect(example.split('\n')[0]).toBe('# syntax=docker/dockerfile:1');
    expect(example).toMatch(/^FROM archlinux:base-devel$/m);
    const adds = example.split('\n').filter((line) => line.startsWith('ADD '));
    expect(adds.length).toBeGreaterThan(0);
    for (const line of adds) expect(line).toMatch(ADD_LINE);
    const order = /^ARG AUR_PACKAGES="([^"]+)"$/m.exec(example)?.[1]?.split(' ');
    expect(order).toEqual(adds.map((line) => ADD_LINE.exec(line)?.[3]));
    expect(example).toMatch(/useradd --create-home --shell \/bin\/bash builder/);
    expect(example).toMatch(/^USER builder$/m);
    expect(example).toMatch(/makepkg -si --noconfirm/);
  });

  // Like test/support/makepkg.ts: makepkg refuses root, so it runs as the `builder` user .ci/run creates,
  // with PACMAN=true standing in for the pacman Debian's makepkg lacks. Missing tools are an error, not a skip.
  it('fetches the pinned archives as ADD --checksum does, unpacks and builds them with its own RUN lines', async () => {
    const lockText = await (await fetch(`${url}/api/v1/lock?pkg=${PACKAGES.join(',')}&format=dockerfile`)).text();
    const root = await tempDir('aurgate-archbuild-');
    await chmod(root, 0o755);
    await mkdir(path.join(root, 'aur'));
    const order: string[] = [];
    for (const line of lockText.split('\n').filter((entry) => entry.startsWith('ADD '))) {
      const [, sha256 = '', source = '', pkgbase = ''] = ADD_LINE.exec(line) ?? [];
      const bytes = Buffer.from(await (await fetch(source)).arrayBuffer());
      // BuildKit refuses the build on a mismatch; so does this.
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
      await writeFile(path.join(root, 'aur', `${pkgbase}.tar.gz`), bytes);
      order.push(pkgbase);
    }
    expect(order).toEqual(PACKAGES);
    const example = (await readFile(path.join(REPO_ROOT, 'examples/Dockerfile.arch-build'), 'utf8')).replace(/\\\n/g, ' ');
    const runs = example.split('\n').filter((line) => line.startsWith('RUN '));
    const relocate = (line: string) => line.slice(4).replaceAll('/aur/', `${root}/aur/`).replaceAll('/build', `${root}/build`);
    const unpack = relocate(runs.find((line) => line.includes('tar -xzf')) ?? '');
    const unpacked = await sh('sh', unpack, root, { AUR_PACKAGES: order.join(' ') });
    expect(unpacked.code, unpacked.stderr).toBe(0);
    const build = relocate(runs.find((line) => line.includes('makepkg')) ?? '').replace('makepkg -si', 'makepkg --nodeps');
    const built = await sh(
      'sh',
      `${process.getuid?.() === 0 ? 'runuser -u builder -- ' : ''}env PACMAN=true AUR_PACKAGES='${order.join(' ')}' sh -c '${build.replaceAll("'", "'\\''")}'`,
      root,
    );
    expect(built.code, built.stdout + built.stderr).toBe(0);
    for (const pkgbase of PACKAGES) {
      expect(
        readdirSync(path.join(root, 'build', pkgbase)).some((file) => /^.+-1\.2\.3-1-any\.pkg\.tar\.\w+$/.test(file)),
        pkgbase,
      ).toBe(true);
    }
  });
});

describe('examples/ci-verify-lock.yml', () => {
  it('passes while the lock holds, and fails naming a changed checksum or a revocation', async () => {
    // .ci/run installs curl and jq; a missing tool is an error, not a skip.
    for (const tool of ['bash', 'curl', 'jq', 'sha256sum']) expect(has(tool), `${tool} is installed`).toBe(true);
    const script = stepScript(await readFile(path.join(REPO_ROOT, 'examples/ci-verify-lock.yml'), 'utf8'), 'verify-lock');
    expect(script).toContain('sha256sum --check');
    const lock = (await (await fetch(`${url}/api/v1/lock?pkg=${PACKAGES.join(',')}`)).json()) as LockFile;
    const dir = await tempDir('aurgate-ci-');
    await writeFile(path.join(dir, 'aurgate.lock.json'), JSON.stringify(lock, null, 2));
    const ok = await sh('bash', script, dir);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout.trim().split('\n')).toEqual(['OK     build-lib', 'OK     build-app']);

    const tampered = { ...lock, packages: lock.packages.map((entry, index) => (index === 0 ? { ...entry, sha256: '0'.repeat(64) } : entry)) };
    await writeFile(path.join(dir, 'aurgate.lock.json'), JSON.stringify(tampered));
    const changed = await sh('bash', script, dir);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('DRIFT  build-lib: checksum changed');

    await aurgate.app.revoke({
      pkgbase: 'build-app',
      commit: lock.packages[1]?.commit ?? '',
      by: await account(aurgate.app, 'sec', 'admin'),
      note: 'postinstall phones home',
    });
    await writeFile(path.join(dir, 'aurgate.lock.json'), JSON.stringify(lock));
    const revoked = await sh('bash', script, dir);
    expect(revoked.code).toBe(1);
    expect(revoked.stdout).toContain('OK     build-lib');
    expect(revoked.stdout).toMatch(/DRIFT {2}build-app: revoked: .*postinstall phones home/);
    expect(existsSync(path.join(dir, 'aurgate.lock.json'))).toBe(true);
  });
});
