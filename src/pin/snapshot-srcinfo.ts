import { once } from 'node:events';
import { createGunzip, type Gunzip } from 'node:zlib';
import { MAX_SRCINFO_BYTES } from '../srcinfo/parse.js';

const BLOCK = 512;

/**
 * Picks `<pkgbase>/.SRCINFO` out of a snapshot archive (gzip-compressed tar, as `git archive` writes
 * it) while the archive streams past, keeping only the current header and that one file in memory.
 * Hand-written because only ustar headers and pax `path` records are needed (what git archive
 * emits) and no tar library is a dependency; anything else in the archive is skipped unread.
 */
export class SnapshotSrcinfo {
  private readonly gunzip: Gunzip;
  private readonly wanted: string;
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes of the current entry's content (rounded to blocks) still to pass. */
  private skip = 0;
  private collecting: Buffer[] | null = null;
  private collectBytes = 0;
  private paxPath: string | null = null;
  private readingPax: { size: number; chunks: Buffer[] } | null = null;
  private found: string | null = null;
  private failed: string | null = null;
  private readonly finished: Promise<void>;

  constructor(pkgbase: string) {
    this.wanted = `${pkgbase}/.SRCINFO`;
    this.gunzip = createGunzip();
    this.finished = new Promise((resolve) => {
      this.gunzip.on('data', (chunk: Buffer) => this.consume(chunk));
      this.gunzip.on('error', (error) => {
        this.failed ??= `the snapshot is not gzip: ${error.message}`;
        resolve();
      });
      this.gunzip.on('end', resolve);
      this.gunzip.on('close', resolve);
    });
  }

  /** Feeds the next compressed bytes, waiting while gunzip is behind; once the file was found the rest is ignored. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.found !== null || this.failed !== null || this.gunzip.destroyed) return;
    if (!this.gunzip.write(chunk)) await Promise.race([once(this.gunzip, 'drain').catch(() => undefined), this.finished]);
  }

  /** The .SRCINFO text, or an error saying why there is none. */
  async result(): Promise<{ text: string } | { error: string }> {
    if (this.found === null && this.failed === null) this.gunzip.end();
    else this.gunzip.destroy();
    await this.finished;
    if (this.found !== null) return { text: this.found };
    return { error: this.failed ?? `the snapshot has no ${this.wanted}` };
  }

  private consume(chunk: Buffer): void {
    if (this.found !== null || this.failed !== null) return;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.found === null && this.failed === null) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, this.pending.length);
        if (take === 0) return;
        this.content(this.pending.subarray(0, take));
        this.pending = this.pending.subarray(take);
        this.skip -= take;
        if (this.skip === 0) this.entryDone();
        continue;
      }
      if (this.pending.length < BLOCK) return;
      this.header(this.pending.subarray(0, BLOCK));
      this.pending = this.pending.subarray(BLOCK);
    }
    if (this.found !== null || this.failed !== null) this.gunzip.destroy();
  }

  private header(block: Buffer): void {
    if (block.every((byte) => byte === 0)) return;
    const size = Number.parseInt(field(block, 124, 12) || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0) return void (this.failed = 'the snapshot is not a tar archive');
    const type = String.fromCharCode(block[156] ?? 0);
    const prefix = field(block, 345, 155);
    const name = this.paxPath ?? (prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100));
    if (type !== 'x' && type !== 'g') this.paxPath = null;
    this.skip = Math.ceil(size / BLOCK) * BLOCK;
    this.collectBytes = size;
    if (type === 'x') this.readingPax = size <= 64 * 1024 ? { size, chunks: [] } : null;
    else if ((type === '0' || type === '\0') && name === this.wanted) {
      if (size > MAX_SRCINFO_BYTES) return void (this.failed = `${this.wanted} is larger than ${MAX_SRCINFO_BYTES} bytes`);
      this.collecting = [];
    }
    if (this.skip === 0) this.entryDone();
  }

  private content(bytes: Buffer): void {
    const target = this.collecting ?? this.readingPax?.chunks;
    if (target) target.push(Buffer.from(bytes));
  }

  private entryDone(): void {
    if (this.collecting) this.found = Buffer.concat(this.collecting).subarray(0, this.collectBytes).toString('utf8');
    if (this.readingPax) {
      const records = Buffer.concat(this.readingPax.chunks).subarray(0, this.readingPax.size).toString('utf8');
      this.paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records)?.[1] ?? null;
    }
    this.collecting = null;
    this.readingPax = null;
  }
}

/** A NUL-terminated header field. */
function field(block: Buffer, offset: number, length: number): string {
  const bytes = block.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return bytes
    .subarray(0, end < 0 ? bytes.length : end)
    .toString('utf8')
    .trim();
}
