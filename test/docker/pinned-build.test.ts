import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockFile } from '../../src/pin/lock-file.js';
import { renderLock, shellWord } from '../../src/pin/format.js';
import { dockerfileWord } from '../../src/pin/format-portable.js';
import { account } from '../support/accounts.js';
import { docker, dockerOk, dockerUnavailableReason, MAKEPKG_STAND_IN_IMAGE, type DockerResult } from '../support/docker.js';
import { makePackage } from '../support/fixture-packages.js';
import { tempDir } from '../support/git-client.js';
import { REPO_ROOT, startPublicAurgate, type Harness } from '../support/harness.js';
import { TestUpstream } from '../support/upstream.js';

/**
 * The portable pinned build, run for real: examples/Dockerfile.portable-build with a lock from a live
 * aurgate, built by the legacy builder (no BuildKit, so no `ADD --checksum`) with --network host so the
 * build reaches the test's aurgate on 127.0.0.1. Every build uses --no-cache: a cached fetch step would
 * hide a revocation (README says what that means for users).
 */
const EXAMPLE = path.join(REPO_ROOT, 'examples/Dockerfile.portable-build');
const LOCK_BLOCK = /^# ---- lock:.*\n([\s\S]*?)^# ---- end of lock.*$/m;
const PACKAGES = ['portable-lib', 'portable-app'];
const unavailable = await dockerUnavailableReason();
if (unavailable) console.warn(`test/docker/pinned-build.test.ts skipped: ${unavailable}`);

/** Rebuilds a lock from the pins a rendered block shows, so the block can be compared with a fresh rendering. */
function lockShownIn(block: string): LockFile {
  const head = /^# aurgate lock \(portable form\) from (\S+) at (\S+)$/m.exec(block);
  const comments = [...block.matchAll(/^# (\S+) (\S+) ([0-9a-f]{40}) approved by (.+)$/gm)];
  const calls = [...block.matchAll(/^ {4}aurgate_fetch (\S+) ([0-9a-f]{40}) ([0-9a-f]{64});/gm)];
  expect(calls.map((call) => call[1])).toEqual(comments.map((comment) => comment[1]));
  return {
    version: 1,
    server: head?.[1] ?? '',
    generatedAt: head?.[2] ?? '',
    packages: comments.map(([, pkgbase = '', version = '', commit = '', approvedBy = ''], index) => ({
      pkgname: pkgbase,
      pkgbase,
      version,
      commit,
      url: `${head?.[1]}/snapshot/${pkgbase}/${commit}.tar.gz`,
      sha256: calls[index]?.[3] ?? '',
      approvedBy,
      approvedAt: null,
    })),
  };
}

describe('examples/Dockerfile.portable-build', () => {
  it('carries a lock block exactly as `aurgate lock --format dockerfile-portable` prints it, and builds as builder', async () => {
    const example = await readFile(EXAMPLE, 'utf8');
    expect(example).toMatch(/^FROM aurgate-test\/makepkg:bookworm$/m);
    expect(example).not.toMatch(/^# syntax/m);
    expect(example).not.toMatch(/^ADD /m);
    const block = LOCK_BLOCK.exec(example)?.[1] ?? '';
    expect(block).toBe(renderLock(lockShownIn(block), 'dockerfile-portable'));
    expect(example.indexOf('\nUSER builder\n')).toBeGreaterThan(0);
    expect(example.indexOf('makepkg --nodeps')).toBeGreaterThan(example.indexOf('\nUSER builder\n'));
  });
});

describe.skipIf(unavailable !== null)('the portable pinned build in a real engine (legacy builder)', () => {
  let upstream: TestUpstream;
  let aurgate: Harness & { url: string };
  let lockBlock: string;
  const tags: string[] = [];
  const heads: Record<string, string> = {};

  /** The example with its lock block replaced, built without cache; the output is stdout and stderr together. */
  async function buildExample(block: string, buildArgs: Record<string, string> = {}): Promise<DockerResult & { tag: string; output: string }> {
    const example = await readFile(EXAMPLE, 'utf8');
    return build(
      example.replace(LOCK_BLOCK, (whole, old: string) => whole.replace(old, block)),
      buildArgs,
    );
  }

  async function build(dockerfile: string, buildArgs: Record<string, string> = {}): Promise<DockerResult & { tag: string; output: string }> {
    const context = await tempDir('aurgate-portable-build-');
    await writeFile(path.join(context, 'Dockerfile'), dockerfile);
    const tag = `aurgate-test/portable-build:${path
      .basename(context)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')}`;
    tags.push(tag);
    const args = Object.entries(buildArgs).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]);
    const result = await docker(['build', '--network', 'host', '--no-cache', '--force-rm', ...args, '-t', tag, context]);
    return { ...result, tag, output: result.stdout + result.stderr };
  }

  beforeAll(async () => {
    const image = await docker(['image', 'inspect', MAKEPKG_STAND_IN_IMAGE]);
    if (image.code !== 0) throw new Error(`${MAKEPKG_STAND_IN_IMAGE} is missing: the docker-offline script builds it`);
    upstream = await TestUpstream.start();
    aurgate = await startPublicAurgate({ upstreamUrl: upstream.url });
    for (const pkgbase of PACKAGES) {
      heads[pkgbase] = await upstream.addPackage(
        makePackage({ pkgbase, pkgver: '2.1.0', depends: pkgbase === 'portable-app' ? ['portable-lib'] : [] }),
      );
      await aurgate.app.allow([pkgbase], 'tester');
      await aurgate.app.sync({ only: [pkgbase], trigger: 'cli' });
      await aurgate.app.approve({ pkgbase, commit: heads[pkgbase] ?? '', by: await account(aurgate.app, 'rita') });
    }
    const response = await fetch(`${aurgate.url}/api/v1/lock?pkg=${PACKAGES.join(',')}&format=dockerfile-portable`);
    expect(response.status).toBe(200);
    lockBlock = await response.text();
  });
  afterAll(async () => {
    if (tags.length > 0) await docker(['image', 'rm', '--force', ...tags]);
    await aurgate?.close();
    await upstream?.stop();
  });

  it('the CLI prints the same block as the HTTP API', async () => {
    const result = await aurgate.cli(['lock', ...PACKAGES, '--format', 'dockerfile-portable']);
    expect(result.code, result.stderr).toBe(0);
    const withoutTime = (text: string) => text.replace(/ at \S+\n/, '\n');
    expect(withoutTime(result.stdout)).toBe(withoutTime(lockBlock));
    expect(lockBlock).toContain(`ARG AURGATE_URL=${aurgate.url}\n`);
  });

  it('builds the approved packages with makepkg as builder, in lock order', async () => {
    const built = await buildExample(lockBlock);
    expect(built.code, built.output.slice(-4000)).toBe(0);
    const making = PACKAGES.map((pkgbase) => built.output.indexOf(`==> Making package: ${pkgbase} 2.1.0-1`));
    expect(making[0]).toBeGreaterThan(0);
    expect(making[1]).toBeGreaterThan(making[0] ?? Infinity);
    const listing = await dockerOk([
      'run',
      '--rm',
      '--network',
      'host',
      built.tag,
      'sh',
      '-c',
      'cat /aur/build-order; echo --; stat -c "%U %n" /packages/*',
    ]);
    const [order = '', files = ''] = listing.split('--\n');
    expect(order.trim().split('\n')).toEqual(PACKAGES);
    for (const pkgbase of PACKAGES) expect(files).toMatch(new RegExp(`^builder /packages/${pkgbase}-2\\.1\\.0-1-any\\.pkg\\.tar\\.\\w+$`, 'm'));
  });

  it('fails naming the package when its bytes differ from the lock', async () => {
    const pinned = /aurgate_fetch portable-app \S+ ([0-9a-f]{64});/.exec(lockBlock)?.[1] ?? '';
    expect(pinned).toMatch(/^[0-9a-f]{64}$/);
    const wrong = pinned.replace(/^./, (first) => (first === '0' ? '1' : '0'));
    const built = await buildExample(lockBlock.replace(pinned, wrong));
    expect(built.code).not.toBe(0);
    expect(built.output).toContain(
      `aurgate: portable-app: sha256 mismatch: ${aurgate.url}/snapshot/portable-app/${heads['portable-app']}.tar.gz has ${pinned} but the lock pins ${wrong}`,
    );
    expect(built.output).not.toContain('==> Making package');
  });

  it('fails naming the server when it cannot be reached, with the URL from the build ARG', async () => {
    const built = await buildExample(lockBlock, { AURGATE_URL: 'http://127.0.0.1:1' });
    expect(built.code).not.toBe(0);
    expect(built.output).toMatch(
      new RegExp(
        `aurgate: portable-lib: cannot fetch http://127\\.0\\.0\\.1:1/snapshot/portable-lib/${heads['portable-lib']}\\.tar\\.gz: server unreachable`,
      ),
    );
  });

  it('refuses a build argument that is not an http(s) URL rather than letting curl guess a scheme', async () => {
    const built = await buildExample(lockBlock, { AURGATE_URL: '127.0.0.1:1' });
    expect(built.code).not.toBe(0);
    expect(built.output).toContain("aurgate: AURGATE_URL must be an http:// or https:// URL, not '127.0.0.1:1'");
  });

  it('passes the ARG default through Dockerfile quoting unchanged, whatever the URL holds', async () => {
    const odd = `http://127.0.0.1:1/a$HOME"b\\c'd \${e}`;
    const built = await build(
      `FROM ${MAKEPKG_STAND_IN_IMAGE}\nARG AURGATE_URL=${dockerfileWord(odd)}\nRUN printf 'url<%s>\\n' "$AURGATE_URL" && test "$AURGATE_URL" = ${shellWord(odd)}\n`,
    );
    expect(built.code, built.output).toBe(0);
    expect(built.stdout).toContain(`url<${odd}>`);
  });

  // Last: the revocation changes the server's state for the package.
  it('fails naming the revocation and its reason once a pinned snapshot is revoked', async () => {
    await aurgate.app.revoke({
      pkgbase: 'portable-app',
      commit: heads['portable-app'] ?? '',
      by: await account(aurgate.app, 'sec', 'admin'),
      note: 'postinstall phones home',
    });
    const built = await buildExample(lockBlock);
    expect(built.code).not.toBe(0);
    expect(built.output).toContain(
      `aurgate: portable-app: ${aurgate.url}/snapshot/portable-app/${heads['portable-app']}.tar.gz answered HTTP 410: aurgate: portable-app ${heads['portable-app']} was revoked: postinstall phones home`,
    );
  });
});
