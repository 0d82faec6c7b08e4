import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BoundedLog, LOG_TAIL_BYTES } from './bounded-log.js';

describe('a build log', () => {
  it('keeps the beginning and the end of endless output within its cap, and says what it cut', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'aurgate-log-')), 'build.log');
    const log = new BoundedLog(file, 2 * LOG_TAIL_BYTES);
    log.write(Buffer.from('==> Making package: demo\n'));
    for (let line = 0; line < 40_000; line += 1) log.write(Buffer.from(`compiling unit ${line}\n`));
    log.write(Buffer.from('==> ERROR: A failure occurred in build().\n'));
    await log.close();
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('==> Making package: demo\n')).toBe(true);
    expect(text.endsWith('==> ERROR: A failure occurred in build().\n')).toBe(true);
    expect(text).toMatch(/\[aurgate: \d+ bytes of output cut here \(AURGATE_BUILD_MAX_LOG_BYTES\)\]/);
    expect(Buffer.byteLength(text)).toBeLessThan(2 * LOG_TAIL_BYTES + 200);
    expect(log.lastLines(2)).toBe('compiling unit 39999 | ==> ERROR: A failure occurred in build().');
  });

  it('keeps a short log whole, with no notice', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'aurgate-log-')), 'build.log');
    const log = new BoundedLog(file, 2 * LOG_TAIL_BYTES);
    log.write(Buffer.from('one\ntwo\n'));
    await log.close();
    expect(await readFile(file, 'utf8')).toBe('one\ntwo\n');
  });
});
