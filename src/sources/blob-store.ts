import { randomBytes, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { TamperedError } from '../trust/errors.js';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Source files on disk, each named by the sha256 of its bytes: `<root>/<first two hex>/<sha256>`.
 * Downloads land in `<root>/tmp/` and are renamed into place only after they were verified, so a
 * blob path never holds a partial or unverified file. Reading a blob hashes it again: a file changed
 * on disk is refused, never served.
 */
export class BlobStore {
  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(path.join(this.root, 'tmp'), { recursive: true });
    // Downloads a crashed process left behind are garbage.
    await rm(path.join(this.root, 'tmp'), { recursive: true, force: true });
    await mkdir(path.join(this.root, 'tmp'), { recursive: true });
  }

  /** A fresh path for one download (created by the downloader with O_EXCL). */
  tempPath(): string {
    return path.join(this.root, 'tmp', `${Date.now()}-${randomBytes(8).toString('hex')}`);
  }

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new TypeError(`not a sha256: ${sha256}`);
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  /** Moves a verified download into place (an existing blob with that name is the same bytes). */
  async adopt(tempFile: string, sha256: string): Promise<void> {
    const target = this.pathOf(sha256);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(tempFile, target);
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      (info) => info.isFile(),
      () => false,
    );
  }

  /** Hashes the stored file; throws TamperedError when its bytes no longer match its name. */
  async verify(sha256: string): Promise<{ path: string; size: number }> {
    const file = this.pathOf(sha256);
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      size += chunk.length;
      hash.update(chunk);
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) throw new TamperedError('digest-mismatch', `source blob ${sha256} on disk hashes to ${actual}: refused`);
    return { path: file, size };
  }

  async remove(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  async discard(tempFile: string): Promise<void> {
    await rm(tempFile, { force: true });
  }
}
