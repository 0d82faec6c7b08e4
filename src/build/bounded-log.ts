import { createWriteStream, type WriteStream } from 'node:fs';

/** The end of a failed build's output names the failure: always kept, however long the build talked. */
export const LOG_TAIL_BYTES = 64 * 1024;

/**
 * A build's log on disk, at most about `maxBytes`: its beginning as it comes, then only the last
 * LOG_TAIL_BYTES in memory, appended when the log closes after a line saying how much was cut.
 */
export class BoundedLog {
  private readonly file: WriteStream;
  private readonly headBytes: number;
  private written = 0;
  /** Bytes that came after the head was full. */
  private beyond = 0;
  /** The last LOG_TAIL_BYTES (and up to one chunk more) of all output, as it came. */
  private readonly chunks: Buffer[] = [];
  private chunkBytes = 0;
  private failure: Error | null = null;

  constructor(path: string, maxBytes: number) {
    this.headBytes = Math.max(0, maxBytes - LOG_TAIL_BYTES);
    this.file = createWriteStream(path, { flags: 'w', mode: 0o640 });
    // A full disk must not crash the process; the build reports what failed.
    this.file.on('error', (error) => (this.failure ??= error));
  }

  write(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    while (this.chunks.length > 1 && this.chunkBytes - (this.chunks[0]?.length ?? 0) >= LOG_TAIL_BYTES)
      this.chunkBytes -= this.chunks.shift()?.length ?? 0;
    const head = chunk.subarray(0, Math.max(0, this.headBytes - this.written));
    if (head.length > 0) this.file.write(head);
    this.written += head.length;
    this.beyond += chunk.length - head.length;
  }

  /** The last `count` non-empty lines of the output, for an error message (one line, bounded). */
  lastLines(count: number): string {
    return this.recent()
      .toString('utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .slice(-count)
      .join(' | ')
      .slice(0, 500);
  }

  private recent(): Buffer {
    const joined = Buffer.concat(this.chunks);
    return joined.subarray(Math.max(0, joined.length - LOG_TAIL_BYTES));
  }

  async close(): Promise<void> {
    if (this.beyond > 0) {
      const recent = this.recent();
      const kept = Math.min(this.beyond, recent.length);
      if (this.beyond > kept) this.file.write(`\n[aurgate: ${this.beyond - kept} bytes of output cut here (AURGATE_BUILD_MAX_LOG_BYTES)]\n`);
      this.file.write(recent.subarray(recent.length - kept));
    }
    await new Promise<void>((resolve) => this.file.end(() => resolve()));
    if (this.failure) throw this.failure;
  }
}
