import { existsSync, readFileSync, readlinkSync, renameSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { fork } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacmanRepo } from '../src/repo/pacman-repo.js';
import type { RepoKey } from '../src/repo/pgp-key.js';
import { tempDir } from './support/git-client.js';
import { startAurgate, type Harness } from './support/harness.js';
import { runMakepkg } from './support/makepkg.js';
import { TestUpstream } from './support/upstream.js';
import { mustRun, PacmanClient } from './support/pacman-client.js';

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
let pacman: PacmanClient;

async function buildPackage(name: string): Promise<string> {
  const dir = path.join(await tempDir('aurgate-repo-build-'), name);
  await mkdir(dir);
  await writeFile(path.join(dir, 'PKGBUILD'), PKGBUILDS[name] ?? '');
  await runMakepkg(dir, ['--nodeps', '--noconfirm', '--noprogressbar'], { PKGEXT: '.pkg.tar.zst' });
  const file = (await readdir(dir)).find((entry) => entry.endsWith('.pkg.tar.zst'));
  if (!file) throw new Error(`makepkg left no package in ${dir}`);
  return path.join(dir, file);
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

/** A package file made by hand (not by makepkg): a .PKGINFO as given and one file, named `fileName`. */
async function craftPackage(fileName: string, pkginfo: string): Promise<string> {
  const dir = await tempDir('aurgate-repo-craft-');
  await writeFile(path.join(dir, '.PKGINFO'), pkginfo);
  await mkdir(path.join(dir, 'usr/share/aurgate-test'), { recursive: true });
  await writeFile(path.join(dir, 'usr/share/aurgate-test', `${fileName}.txt`), 'crafted\n');
  const out = path.join(await tempDir('aurgate-repo-crafted-'), fileName);
  await mustRun('bsdtar', ['--zstd', '-cf', out, '-C', dir, '.PKGINFO', 'usr']);
  return out;
}

const pkginfo = (pkgname: string, version: string, arch: string, extra = '') =>
  `pkgname = ${pkgname}\npkgbase = ${pkgname}\npkgver = ${version}\npkgdesc = crafted\nsize = 8\narch = ${arch}\n${extra}`;

/** What a reader of the x86_64 directory sees: the generation it links to and the database's bytes. */
const snapshot = () => ({ generation: readlinkSync(repo.archDir('x86_64')), db: readFileSync(served('aurgate.db')) });

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
  pacman = await PacmanClient.trusting(url, key.fingerprint);
  gnupg = pacman.gnupg;
});

afterAll(async () => {
  // pacman-key started a gpg-agent for the keyring: stop it, it is ours.
  await pacman?.close();
  await aurgate?.close();
  await upstream?.stop();
});

describe('a signed pacman repository', () => {
  it('pacman installs an app and its dependency from it, verifying packages and database with the repository key', async () => {
    const result = await pacman.install(APP);
    expect(result.output).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(readFileSync(path.join(result.root, 'usr/share/aurgate-test/app.txt'), 'utf8')).toBe('hello from app\n');
    expect(readFileSync(path.join(result.root, 'usr/share/aurgate-test/lib.txt'), 'utf8')).toBe('hello from lib\n');
    expect(await readdir(path.join(result.root, 'var/lib/pacman/local'))).toEqual(expect.arrayContaining([`${APP}-2.0-1`, `${LIB}-1.0-1`]));
  });

  it('pacman refuses a package whose bytes were changed on the server', async () => {
    const result = await withFlippedByte(served(LIB_FILE), () => pacman.install(APP));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(
      /aurgate-test-lib-1\.0-1-any\.pkg\.tar\.zst is corrupted \(invalid or corrupted package \((PGP signature|checksum)\)\)/,
    );
    expect(existsSync(path.join(result.root, 'usr/share/aurgate-test/lib.txt'))).toBe(false);
  });

  it('pacman refuses a database whose bytes were changed on the server', async () => {
    const result = await withFlippedByte(served('aurgate.db'), () => pacman.install(APP));
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
      const result = await pacman.install(APP);
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

describe('hostile package files', () => {
  it.each([
    [
      'a name that is no package file name',
      async () => craftPackage('notes.txt', pkginfo('x', '1-1', 'any')),
      /notes\.txt" is not a package file name/,
    ],
    [
      'a file that is no archive',
      async () => {
        const file = path.join(await tempDir('aurgate-repo-junk-'), 'junk-1.0-1-any.pkg.tar.zst');
        writeFileSync(file, 'not an archive at all');
        return file;
      },
      /junk-1\.0-1-any\.pkg\.tar\.zst: not a pacman package \(no \.PKGINFO could be read/,
    ],
    [
      'an archive without .PKGINFO',
      async () => craftPackage('nopkginfo-1.0-1-any.pkg.tar.zst', ''),
      /nopkginfo-1\.0-1-any\.pkg\.tar\.zst: not a pacman package/,
    ],
    [
      'a name that is not what its .PKGINFO says',
      async () => craftPackage('aurgate-test-other-9.9-1-any.pkg.tar.zst', pkginfo(LIB, '1.0-1', 'any')),
      /aurgate-test-other-9\.9-1-any\.pkg\.tar\.zst: the file name does not match its \.PKGINFO \(pkgname aurgate-test-lib, pkgver 1\.0-1, arch any/,
    ],
    [
      'a .PKGINFO key that repo-add would declare as one of its own variables',
      async () => craftPackage('evil-1.0-1-any.pkg.tar.zst', pkginfo('evil', '1.0-1', 'any', 'tmpdir = /\n')),
      /evil-1\.0-1-any\.pkg\.tar\.zst: \.PKGINFO line 7: unknown key "tmpdir"/,
    ],
    [
      'a .PKGINFO key that runs a command in repo-add',
      async () => craftPackage('evil-1.0-1-any.pkg.tar.zst', pkginfo('evil', '1.0-1', 'any', 'a[$(touch${IFS}/tmp/aurgate-pwned)] = 1\n')),
      /evil-1\.0-1-any\.pkg\.tar\.zst: \.PKGINFO line 7 is not "key = value"/,
    ],
    [
      'an architecture the repository does not carry',
      async () => craftPackage('armpkg-1.0-1-aarch64.pkg.tar.zst', pkginfo('armpkg', '1.0-1', 'aarch64')),
      /armpkg-1\.0-1-aarch64\.pkg\.tar\.zst: architecture aarch64 is not one of this repository's \(x86_64\)/,
    ],
  ])('refuses %s, naming the file and the cause, and adds nothing of the update', async (_what, make, message) => {
    const before = snapshot();
    const file = await make();
    // The valid package beside it does not go in either: an update is all or nothing.
    await expect(repo.addPackages([built[LIB] ?? '', file])).rejects.toThrow(message);
    await expect(repo.addPackages([built[LIB] ?? '', file])).rejects.toMatchObject({ code: 'invalid_input' });
    expect(snapshot()).toEqual(before);
    expect(existsSync('/tmp/aurgate-pwned')).toBe(false);
  });

  it('refuses a file that is missing or not a regular file, and two versions of one package in one update', async () => {
    await expect(repo.addPackages(['/nonexistent/aurgate-test-lib-1.0-1-any.pkg.tar.zst'])).rejects.toThrow(
      /\/nonexistent\/aurgate-test-lib-1\.0-1-any\.pkg\.tar\.zst: cannot read the package file \(ENOENT\)/,
    );
    const dir = path.join(await tempDir('aurgate-repo-dir-'), 'dirpkg-1.0-1-any.pkg.tar.zst');
    await mkdir(dir);
    await expect(repo.addPackages([dir])).rejects.toThrow(/dirpkg-1\.0-1-any\.pkg\.tar\.zst: not a regular file/);
    const other = await craftPackage('aurgate-test-lib-1.1-1-any.pkg.tar.zst', pkginfo(LIB, '1.1-1', 'any'));
    await expect(repo.addPackages([built[LIB] ?? '', other])).rejects.toThrow(/two files of package aurgate-test-lib in one update/);
  });
});

describe('serving the repository', () => {
  it('answers HEAD and GET with the length and an ETag, and 304 when the ETag matches', async () => {
    const bytes = readFileSync(served(APP_FILE));
    const head = await fetch(`${url}/repo/aurgate/os/x86_64/${APP_FILE}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    const etag = head.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f-]+"$/);
    const get = await fetch(`${url}/repo/aurgate/os/x86_64/${APP_FILE}`);
    expect(Buffer.from(await get.arrayBuffer())).toEqual(bytes);
    expect(get.headers.get('etag')).toBe(etag);
    expect((await fetch(`${url}/repo/aurgate/os/x86_64/${APP_FILE}`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    const db = await fetch(`${url}/repo/aurgate/os/x86_64/aurgate.db`);
    expect(Buffer.from(await db.arrayBuffer())).toEqual(readFileSync(served('aurgate.db.tar.gz')));
  });

  it.each([
    '/repo/aurgate/os/x86_64/..%2F..%2F..%2Frepo-key%2Fprivate.asc',
    '/repo/aurgate/os/x86_64/%2E%2E',
    '/repo/aurgate/os/..%2F..%2F..%2Frepo-key/private.asc',
    '/repo/aurgate/os/x86_64/.aurgate.db.tmp',
    '/repo/aurgate/os/x86_64/no-such-1.0-1-any.pkg.tar.zst',
    '/repo/aurgate/os/aarch64/aurgate.db',
    '/repo/other/os/x86_64/aurgate.db',
    '/repo/..%2Frepo-key/key.asc',
    '/repo/aurgate/os/x86_64/aurgate.db%00.sig',
  ])('answers 404 with a message for %s', async (target) => {
    const answer = await fetch(`${url}${target}`);
    expect(answer.status).toBe(404);
    // `%2E%2E` is `..` to the URL parser: that request never reaches the repository's routes.
    expect(await answer.text()).toMatch(/^(aurgate: no such (file in the package repository|package repository)|not found)\n$/);
  });

  it('serves no link that leads out of the repository, even one planted in it', async () => {
    const planted = served('planted.asc');
    symlinkSync(path.join(aurgate.config.paths.repoKey, 'private.asc'), planted);
    try {
      expect((await fetch(`${url}/repo/aurgate/os/x86_64/planted.asc`)).status).toBe(404);
    } finally {
      unlinkSync(planted);
    }
  });
});

describe('updating the repository', () => {
  it('removes packages for pacman at its next refresh, reports names it does not hold, and takes them back', async () => {
    expect(await repo.removePackages([APP, 'never-added'])).toEqual({ removed: [APP], absent: ['never-added'] });
    const gone = await pacman.install(APP);
    expect(gone.code).not.toBe(0);
    expect(gone.output).toMatch(/target not found: aurgate-test-app/);
    expect(existsSync(served(APP_FILE))).toBe(false);
    expect((await pacman.install(LIB)).code).toBe(0);
    expect(await repo.removePackages([APP])).toEqual({ removed: [], absent: [APP] });
    await repo.addPackages([built[APP] ?? '']);
    expect((await pacman.install(APP)).code).toBe(0);
  });

  it('puts an any package into every architecture directory and an x86_64 one into its own, each database signed', async () => {
    const root = await tempDir('aurgate-repo-arches-');
    const multi = await PacmanRepo.open({ root, key, db: aurgate.app.db, name: 'multi', arches: ['x86_64', 'aarch64'] });
    const added = await multi.addPackages([built[LIB] ?? '', built[APP] ?? '']);
    expect(added.map((pkg) => [pkg.repoArch, pkg.pkgname]).sort()).toEqual([
      ['aarch64', LIB],
      ['x86_64', APP],
      ['x86_64', LIB],
    ]);
    for (const arch of ['x86_64', 'aarch64']) {
      const dir = multi.archDir(arch);
      await mustRun('gpg', ['--homedir', gnupg, '--verify', path.join(dir, 'multi.db.sig'), path.join(dir, 'multi.db')]);
      await mustRun('gpg', ['--homedir', gnupg, '--verify', path.join(dir, `${LIB_FILE}.sig`), path.join(dir, LIB_FILE)]);
    }
    expect(existsSync(path.join(multi.archDir('aarch64'), APP_FILE))).toBe(false);
  });

  it('loses no update when writers in two other processes and this one add at once', async () => {
    const extra = await craftPackage('aurgate-test-extra-1.0-1-any.pkg.tar.zst', pkginfo('aurgate-test-extra', '1.0-1', 'any'));
    await repo.removePackages([LIB, APP]);
    const worker = path.join(await tempDir('aurgate-repo-worker-'), 'add.mjs');
    const compose = new URL('../src/compose.ts', import.meta.url).href;
    const config = new URL('../src/config.ts', import.meta.url).href;
    const log = new URL('../src/log.ts', import.meta.url).href;
    writeFileSync(
      worker,
      [
        `const { Aurgate } = await import(${JSON.stringify(compose)});`,
        `const { loadConfig } = await import(${JSON.stringify(config)});`,
        `const { createLogger } = await import(${JSON.stringify(log)});`,
        `const app = new Aurgate(loadConfig(process.env), createLogger('warn', {}));`,
        `await (await app.pacmanRepo()).addPackages([process.argv[2]]);`,
        `app.close();`,
      ].join('\n'),
    );
    const add = (file: string) =>
      new Promise<void>((resolve, reject) => {
        const child = fork(worker, [file], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...aurgate.env } });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker adding ${file} exited ${code}`))));
      });
    await Promise.all([add(built[LIB] ?? ''), add(extra), repo.addPackages([built[APP] ?? ''])]);
    expect((await repo.listPackages()).map((pkg) => pkg.pkgname).sort()).toEqual([APP, 'aurgate-test-extra', LIB]);
    // The database that came out last is signed by the key pacman trusts.
    await mustRun('gpg', ['--homedir', gnupg, '--verify', served('aurgate.db.sig'), served('aurgate.db')]);
    await repo.removePackages(['aurgate-test-extra']);
    expect((await pacman.install(APP)).code).toBe(0);
  });
});
