import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { forEachConcurrently } from '../src/sync/pool.js';
import { makePackage } from '../test/support/fixture-packages.js';

/**
 * Builds N upstream bare repos without running git: each object is written as a loose object
 * (zlib of "<type> <size>\0<content>", named by its SHA-1), exactly what `git hash-object -w` writes.
 * Running `git init` + `git commit` per repo costs a dozen process spawns each and would make set-up
 * of 1000 packages take longer than the benchmarks themselves. The bench checks one repo with
 * `git fsck --strict` so a format slip cannot go unnoticed (aurgate's mirror fetch runs fsck too).
 */

export interface UpstreamPackageInfo {
  pkgbase: string;
  version: string;
  head: string;
  /** The RPC v5 info result for the package, serialized once. */
  rpcResult: string;
}

const AUTHOR = 'Bench Packager <packager@example.org>';
/** A fixed epoch keeps the repos (and so every commit id) identical from run to run. */
const EPOCH = 1_700_000_000;

interface GitObject {
  id: string;
  compressed: Buffer;
}

function gitObject(type: 'blob' | 'tree' | 'commit', content: Buffer): GitObject {
  const raw = Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
  return { id: createHash('sha1').update(raw).digest('hex'), compressed: deflateSync(raw) };
}

/** Tree entries sorted by name in byte order (all plain files here, so no trailing-slash rule applies). */
function treeOf(files: ReadonlyArray<[string, string]>): GitObject {
  const sorted = [...files].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return gitObject('tree', Buffer.concat(sorted.flatMap(([name, id]) => [Buffer.from(`100644 ${name}\0`), Buffer.from(id, 'hex')])));
}

function commitOf(tree: string, parent: string | null, at: number, message: string): GitObject {
  const lines = [
    `tree ${tree}`,
    ...(parent ? [`parent ${parent}`] : []),
    `author ${AUTHOR} ${at} +0000`,
    `committer ${AUTHOR} ${at} +0000`,
    '',
    message,
    '',
  ];
  return gitObject('commit', Buffer.from(lines.join('\n')));
}

/** A file of the size AUR repos typically carry besides PKGBUILD (an .install script or a patch). */
function installScript(pkgbase: string, revision: number): string {
  const lines = [`# ${pkgbase} install script, revision ${revision}`];
  for (let i = 0; i < 40; i += 1) lines.push(`post_upgrade_step_${i}() { echo "${pkgbase}: step ${i} of revision ${revision}"; }`);
  return `${lines.join('\n')}\n`;
}

async function writeBareRepo(repo: string, objects: readonly GitObject[], head: string): Promise<void> {
  await mkdir(path.join(repo, 'refs', 'heads'), { recursive: true });
  await mkdir(path.join(repo, 'refs', 'tags'), { recursive: true });
  await mkdir(path.join(repo, 'objects', 'pack'), { recursive: true });
  await mkdir(path.join(repo, 'objects', 'info'), { recursive: true });
  await writeFile(path.join(repo, 'HEAD'), 'ref: refs/heads/master\n');
  await writeFile(path.join(repo, 'config'), '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n');
  await writeFile(path.join(repo, 'refs', 'heads', 'master'), `${head}\n`);
  const written = new Set<string>();
  for (const object of objects) {
    if (written.has(object.id)) continue;
    written.add(object.id);
    const dir = path.join(repo, 'objects', object.id.slice(0, 2));
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, object.id.slice(2)), object.compressed);
  }
}

export function benchPackageName(index: number): string {
  return `benchpkg-${String(index).padStart(5, '0')}`;
}

/** Writes `<reposDir>/<pkgbase>.git` for every package and returns what the RPC must answer about each. */
export async function buildUpstreamRepos(reposDir: string, count: number, commits: number): Promise<UpstreamPackageInfo[]> {
  const indexes = Array.from({ length: count }, (_, index) => index);
  const infos: UpstreamPackageInfo[] = new Array<UpstreamPackageInfo>(count);
  await forEachConcurrently(indexes, 16, async (index) => {
    const pkgbase = benchPackageName(index);
    const objects: GitObject[] = [];
    let parent: string | null = null;
    let version = '';
    for (let revision = 0; revision < commits; revision += 1) {
      const pkgver = `1.0.${revision}`;
      version = `${pkgver}-1`;
      const files = makePackage({
        pkgbase,
        pkgver,
        depends: ['glibc', `benchlib${index % 50}`],
        extraFiles: { [`${pkgbase}.install`]: installScript(pkgbase, revision) },
      });
      const blobs = Object.entries(files).map(([name, text]): [string, GitObject] => [name, gitObject('blob', Buffer.from(text))]);
      const tree = treeOf(blobs.map(([name, blob]) => [name, blob.id]));
      const commit = commitOf(tree.id, parent, EPOCH + index * 100 + revision, revision === 0 ? 'Initial import' : `Update to ${pkgver}`);
      objects.push(...blobs.map(([, blob]) => blob), tree, commit);
      parent = commit.id;
    }
    if (parent === null) throw new Error('a package needs at least one commit');
    await writeBareRepo(path.join(reposDir, `${pkgbase}.git`), objects, parent);
    infos[index] = { pkgbase, version, head: parent, rpcResult: rpcResultOf(pkgbase, index, version) };
  });
  return infos;
}

/** The AUR's info fields for the package (what src/upstream/rpc-schema.ts validates, plus the lists). */
function rpcResultOf(pkgbase: string, index: number, version: string): string {
  const modified = EPOCH + index * 100 + 99;
  return JSON.stringify({
    ID: 10_000 + index,
    Name: pkgbase,
    PackageBaseID: 20_000 + index,
    PackageBase: pkgbase,
    Version: version,
    Description: `Test package ${pkgbase}`,
    URL: `https://example.org/${pkgbase}`,
    URLPath: `/cgit/aur.git/snapshot/${pkgbase}.tar.gz`,
    NumVotes: index % 97,
    Popularity: (index % 13) / 7,
    OutOfDate: null,
    Maintainer: 'packager',
    Submitter: 'packager',
    FirstSubmitted: EPOCH,
    LastModified: modified,
    Depends: ['glibc', `benchlib${index % 50}`],
    License: ['MIT'],
    Keywords: [],
    CoMaintainers: [],
  });
}

/**
 * Pushes a routine update straight into a bench repo (loose objects and the branch ref, as the
 * build above writes them): `pkgver` with regenerated .SRCINFO, the install script of `scriptRevision`
 * (the head's, for a routine update). The commit
 * is dated `at` (epoch seconds). Returns the new head.
 */
export async function pushVersion(
  reposDir: string,
  index: number,
  parent: string,
  pkgver: string,
  at: number,
  scriptRevision: number,
): Promise<string> {
  const pkgbase = benchPackageName(index);
  const files = makePackage({
    pkgbase,
    pkgver,
    depends: ['glibc', `benchlib${index % 50}`],
    extraFiles: { [`${pkgbase}.install`]: installScript(pkgbase, scriptRevision) },
  });
  const blobs = Object.entries(files).map(([name, text]): [string, GitObject] => [name, gitObject('blob', Buffer.from(text))]);
  const tree = treeOf(blobs.map(([name, blob]) => [name, blob.id]));
  const commit = commitOf(tree.id, parent, at, `Update to ${pkgver}`);
  const repo = path.join(reposDir, `${pkgbase}.git`);
  for (const object of [...blobs.map(([, blob]) => blob), tree, commit]) {
    const dir = path.join(repo, 'objects', object.id.slice(0, 2));
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, object.id.slice(2)), object.compressed);
  }
  await writeFile(path.join(repo, 'refs', 'heads', 'master'), `${commit.id}\n`);
  return commit.id;
}
