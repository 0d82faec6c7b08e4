import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open.js';
import { GitError, StorageError } from '../errors.js';
import { ARCHIVE_GZIP_OPTIONS, gzipToFile, sha256File, SnapshotStore, writeArchive } from './snapshots.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const tempDir = (): string => mkdtempSync(path.join(os.tmpdir(), 'aurgate-snapshots-'));

/** Chunks of irregular sizes, 1 byte to 64 KiB, the way a pipe hands them over. */
function irregularChunks(bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (let index = 0; offset < bytes.length; index += 1) {
    const size = 1 + ((index * 7919) % 65536);
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/** A bare repo `<root>/<name>.git`, as served repos are laid out, with one commit of the given files. */
function repoWith(files: Record<string, Buffer | string>, name = 'example'): { root: string; repo: string; commit: string } {
  const work = tempDir();
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=A', '-c', 'user.email=a@example.org', ...args], { cwd: work, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'master');
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(work, file), content);
  git('add', '.');
  git('commit', '-q', '-m', 'files');
  const root = tempDir();
  git('clone', '-q', '--bare', work, path.join(root, `${name}.git`));
  return { root, repo: path.join(root, `${name}.git`), commit: git('rev-parse', 'HEAD') };
}

describe('streamed snapshot archives', () => {
  it('are byte for byte what gzipSync made of the whole tar, fed in many chunks', async () => {
    // Compressible and incompressible stretches, so deflate's block decisions are exercised.
    const text = Buffer.from('pkgname=example\npkgver=1.0\nsource=("https://example.org/x.tar.gz")\n'.repeat(40_000));
    const tar = Buffer.concat([text, randomBytes(3 * 1024 * 1024), text.subarray(0, 1_000_000)]);
    expect(tar.length).toBeGreaterThan(6 * 1024 * 1024);
    const chunks = irregularChunks(tar);
    expect(chunks.length).toBeGreaterThan(100);
    const file = path.join(tempDir(), 'streamed.tar.gz');
    const written = await gzipToFile(Readable.from(chunks), file, { maxTarBytes: tar.length, pkgbase: 'x', commit: 'c' });
    const expected = gzipSync(tar, ARCHIVE_GZIP_OPTIONS);
    const streamed = readFileSync(file);
    expect(streamed.equals(expected)).toBe(true);
    expect(written).toEqual({ sha256: sha256(expected), size: expected.length });
    expect(await sha256File(file)).toBe(written.sha256);
  });

  it('match what the buffered build recorded for a real commit', async () => {
    const { repo, commit } = repoWith({ PKGBUILD: 'pkgname=example\n', 'data.bin': randomBytes(2 * 1024 * 1024) });
    const file = path.join(tempDir(), 'archive.tar.gz');
    const written = await writeArchive(repo, 'example', commit, file);
    const tar = execFileSync('git', ['archive', '--format=tar', '--prefix=example/', commit], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
    expect(written.sha256).toBe(sha256(gzipSync(tar, ARCHIVE_GZIP_OPTIONS)));
  });

  it('fail past the size cap, when git fails, and when the file cannot be written', async () => {
    const { repo, commit } = repoWith({ 'data.bin': randomBytes(1024 * 1024) });
    const dir = tempDir();
    await expect(writeArchive(repo, 'example', commit, path.join(dir, 'capped.tar.gz'), 256 * 1024)).rejects.toThrow(StorageError);
    await expect(writeArchive(repo, 'example', 'f'.repeat(40), path.join(dir, 'missing.tar.gz'))).rejects.toThrow(GitError);
    await expect(writeArchive(repo, 'example', commit, path.join(dir, 'no-such-dir', 'x.tar.gz'))).rejects.toThrow(/ENOENT/);
  });

  it('are cached and recorded once built, and leave nothing behind when the build fails', async () => {
    const { root, commit } = repoWith({ PKGBUILD: 'pkgname=example\n' });
    const cacheDir = tempDir();
    const db = openDatabase(path.join(tempDir(), 'test.db'));
    const store = new SnapshotStore(db, root, cacheDir);
    const built = await store.get('example', commit);
    expect(store.recorded('example', commit)).toEqual({ sha256: built.sha256, size: built.size });
    expect(await sha256File(built.file)).toBe(built.sha256);

    const missing = 'f'.repeat(40);
    await expect(store.get('example', missing)).rejects.toThrow(GitError);
    expect(store.recorded('example', missing)).toBeNull();
    expect(readdirSync(cacheDir, { recursive: true }).map(String).sort()).toEqual(['example', `example/${commit}.tar.gz`]);
    db.close();
  });
});
