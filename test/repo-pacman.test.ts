import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PacmanRepo } from '../src/repo/pacman-repo.js';
import type { RepoKey } from '../src/repo/pgp-key.js';
import { tempDir } from './support/git-client.js';
import { CHILD_HANG_GUARD_MS } from './support/hang-guard.js';
import { startAurgate, type Harness } from './support/harness.js';
import { runMakepkg } from './support/makepkg.js';
import { TestUpstream } from './support/upstream.js';

/**
 * The signed repository against the real pacman 6.0.2 (gpgme, GnuPG 2.2): packages built by makepkg,
 * added through PacmanRepo, served by the real server, installed by pacman as root into a scratch
 * root whose keyring trusts only the repository key fetched from /repo/aurgate/key.asc. Each tamper
 * test restores what it changed, and each pacman run gets a fresh root and cache.
 */
const LIB = 'aurgate-test-lib';
const APP = 'aurgate-test-app';
const LIB_FILE = `${LIB}-1.0-1-any.pkg.tar.zst`;
const APP_FILE = `${APP}-2.0-1-x86_64.pkg.tar.zst`;

const PKGBUILDS: Record<string, string> = {
  [LIB]: `pkgname=${LIB}
pkgver=1.0
pkgrel=1
pkgdesc='a library for the repository test'
arch=(any)
license=(MIT)
package() { install -Dm644 /dev/stdin "$pkgdir/usr/share/aurgate-test/lib.txt" <<<"hello from lib"; }
`,
  [APP]: `pkgname=${APP}
pkgver=2.0
pkgrel=1
pkgdesc='an app for the repository test'
arch=(x86_64)
license=(MIT)
depends=(${LIB})
package() { install -Dm644 /dev/stdin "$pkgdir/usr/share/aurgate-test/app.txt" <<<"hello from app"; }
`,
};

let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
let repo: PacmanRepo;
let key: RepoKey;
let built: Record<string, string>;
let gnupg: string;

interface Run {
  code: number;
  output: string;
}

function run(program: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(program, args, { timeout: CHILD_HANG_GUARD_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

async function mustRun(program: string, args: readonly string[]): Promise<string> {
  const result = await run(program, args);
  if (result.code !== 0) throw new Error(`${program} ${args.join(' ')} failed (${result.code}): ${result.output}`);
  return result.output;
}

async function buildPackage(name: string): Promise<string> {
  const dir = path.join(await tempDir('aurgate-repo-build-'), name);
  await mkdir(dir);
  await writeFile(path.join(dir, 'PKGBUILD'), PKGBUILDS[name] ?? '');
  await runMakepkg(dir, ['--nodeps', '--noconfirm', '--noprogressbar'], { PKGEXT: '.pkg.tar.zst' });
  const file = (await readdir(dir)).find((entry) => entry.endsWith('.pkg.tar.zst'));
  if (!file) throw new Error(`makepkg left no package in ${dir}`);
  return path.join(dir, file);
}

function pacmanConf(): string {
  return `[options]
Architecture = x86_64
SigLevel = Required DatabaseRequired
LocalFileSigLevel = Optional

[aurgate]
Server = ${url}/repo/aurgate/os/$arch
`;
}

/** `pacman -Sy <targets>` into a fresh root with a fresh cache, as root. */
async function pacmanInstall(...targets: string[]): Promise<Run & { root: string }> {
  const root = await tempDir('aurgate-pacman-root-');
  await mkdir(path.join(root, 'var/lib/pacman'), { recursive: true });
  const cache = await tempDir('aurgate-pacman-cache-');
  const conf = path.join(root, 'pacman.conf');
  await writeFile(conf, pacmanConf());
  const base = ['--root', root, '--dbpath', path.join(root, 'var/lib/pacman'), '--gpgdir', gnupg, '--cachedir', cache, '--config', conf];
  const result = await run('pacman', [...base, '--noconfirm', '--noprogressbar', '--disable-download-timeout', '-Sy', ...targets]);
  return { ...result, root };
}

/** The file pacman downloads as `<name>` from the x86_64 directory. */
const served = (name: string) => path.join(repo.archDir('x86_64'), name);

/** Runs `fn` with one byte of a served file flipped, in place (the file is shared by its hard links), then restores it. */
async function withFlippedByte<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const original = readFileSync(file);
  const tampered = Buffer.from(original);
  const at = Math.floor(tampered.length / 2);
  tampered.writeUInt8(tampered.readUInt8(at) ^ 0x01, at);
  writeFileSync(file, tampered);
  try {
    return await fn();
  } finally {
    writeFileSync(file, original);
  }
}

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  const [lib = '', app = ''] = await Promise.all([buildPackage(LIB), buildPackage(APP)]);
  built = { [LIB]: lib, [APP]: app };
  url = await aurgate.serve();
  repo = await aurgate.app.pacmanRepo();
  key = await aurgate.app.repoKey();
  await repo.addPackages([lib, app]);

  // The client side: a keyring of its own that trusts exactly the key the server hands out.
  gnupg = path.join(await tempDir('aurgate-pacman-gnupg-'), 'gnupg');
  const keyFile = path.join(path.dirname(gnupg), 'aurgate.asc');
  await writeFile(keyFile, await (await fetch(`${url}/repo/aurgate/key.asc`)).text());
  const keyring = ['--gpgdir', gnupg, '--config', '/dev/null'];
  await mustRun('pacman-key', [...keyring, '--init']);
  await mustRun('pacman-key', [...keyring, '--add', keyFile]);
  await mustRun('pacman-key', [...keyring, '--lsign-key', key.fingerprint]);
});

afterAll(async () => {
  // pacman-key started a gpg-agent for the keyring: stop it, it is ours.
  if (gnupg) await run('gpgconf', ['--homedir', gnupg, '--kill', 'all']);
  await aurgate?.close();
  await upstream?.stop();
});

describe('a signed pacman repository', () => {
  it('pacman installs an app and its dependency from it, verifying packages and database with the repository key', async () => {
    const result = await pacmanInstall(APP);
    expect(result.output).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(readFileSync(path.join(result.root, 'usr/share/aurgate-test/app.txt'), 'utf8')).toBe('hello from app\n');
    expect(readFileSync(path.join(result.root, 'usr/share/aurgate-test/lib.txt'), 'utf8')).toBe('hello from lib\n');
    expect(await readdir(path.join(result.root, 'var/lib/pacman/local'))).toEqual(expect.arrayContaining([`${APP}-2.0-1`, `${LIB}-1.0-1`]));
  });

  it('pacman refuses a package whose bytes were changed on the server', async () => {
    const result = await withFlippedByte(served(LIB_FILE), () => pacmanInstall(APP));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(
      /aurgate-test-lib-1\.0-1-any\.pkg\.tar\.zst is corrupted \(invalid or corrupted package \((PGP signature|checksum)\)\)/,
    );
    expect(existsSync(path.join(result.root, 'usr/share/aurgate-test/lib.txt'))).toBe(false);
  });

  it('pacman refuses a database whose bytes were changed on the server', async () => {
    const result = await withFlippedByte(served('aurgate.db'), () => pacmanInstall(APP));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/failed to synchronize all databases \(invalid or corrupted database \(PGP signature\)\)/);
    expect(existsSync(path.join(result.root, 'usr/share/aurgate-test'))).toBe(false);
  });

  it('pacman refuses an unsigned database under DatabaseRequired', async () => {
    const signature = served('aurgate.db.sig');
    const aside = `${signature}.aside`;
    renameSync(signature, aside);
    try {
      expect((await fetch(`${url}/repo/aurgate/os/x86_64/aurgate.db.sig`)).status).toBe(404);
      const result = await pacmanInstall(APP);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/failed retrieving file 'aurgate\.db\.sig'.*404[\s\S]*failed to synchronize all databases/);
      expect(existsSync(path.join(result.root, 'usr/share/aurgate-test'))).toBe(false);
    } finally {
      renameSync(aside, signature);
    }
  });

  it('serves the key pacman-key imports, the one `aurgate key export-pgp` prints', async () => {
    const served = await fetch(`${url}/repo/aurgate/key.asc`);
    expect(served.headers.get('content-type')).toBe('application/pgp-keys');
    const armored = await served.text();
    expect(armored).toBe(key.armoredPublicKey);
    expect((await aurgate.cli(['key', 'export-pgp'])).stdout).toBe(armored.endsWith('\n') ? armored : `${armored}\n`);
    const fingerprint = await aurgate.cli(['key', 'export-pgp', '--fingerprint']);
    expect(fingerprint).toMatchObject({ code: 0, stdout: `${key.fingerprint}\n` });
    const listed = await mustRun('gpg', ['--homedir', gnupg, '--with-colons', '--fingerprint', key.fingerprint]);
    expect(listed).toContain(`fpr:::::::::${key.fingerprint}:`);
  });

  it('lists what it holds: the any package in the x86_64 directory, with the size and checksum pacman checks', async () => {
    const packages = await repo.listPackages();
    expect(packages.map((pkg) => [pkg.repoArch, pkg.pkgname, pkg.version, pkg.arch, pkg.filename]).sort()).toEqual([
      ['x86_64', APP, '2.0-1', 'x86_64', APP_FILE],
      ['x86_64', LIB, '1.0-1', 'any', LIB_FILE],
    ]);
    const lib = packages.find((pkg) => pkg.pkgname === LIB);
    expect(lib?.size).toBe(statSync(built[LIB] ?? '').size);
    expect(lib?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
