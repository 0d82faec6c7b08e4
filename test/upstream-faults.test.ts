import { readdir, readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RPC_ANSWER_BYTES } from '../src/upstream/rpc-client.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/**
 * What the fault probe found from outside, against the real CLI process: an upstream that hangs or
 * never stops answering must not keep `aurgate sync` alive or let it grow.
 */
let upstream: TestUpstream;
let aurgate: Harness;

beforeAll(async () => {
  upstream = await TestUpstream.start();
  await upstream.addPackage(makePackage({ pkgbase: 'stalls' }));
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  await aurgate.app.allow(['stalls'], 'test');
});

afterEach(() => upstream.fail('none'));

afterAll(async () => {
  await aurgate?.close();
  await upstream?.stop();
});

/** Command lines of every process on the machine that names `needle` (git and its remote helpers). */
async function processesNaming(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) found.push(cmdline.replaceAll('\0', ' '));
  }
  return found;
}

describe('aurgate sync against a faulty upstream', () => {
  it('exits when upstream git hangs: the fetch and its remote helper are killed at the deadline', async () => {
    upstream.fail('slow', { only: 'git', delayMs: 600_000 });
    const result = await aurgate.cliProcess(['sync'], { AURGATE_GIT_TIMEOUT_MS: '1000' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/stalls: git fetch of stalls failed: timed out after 1000 ms/);
    expect(await processesNaming(upstream.cloneUrl('stalls'))).toEqual([]);
  });

  it('stops reading an RPC answer that never ends at the byte cap, and exits naming it', async () => {
    upstream.fail('endless');
    upstream.resetRequests();
    // A deadline far away: only the cap can end this answer.
    const result = await aurgate.cliProcess(['sync'], { AURGATE_UPSTREAM_TIMEOUT_MS: '600000' });
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(`the answer is larger than ${MAX_RPC_ANSWER_BYTES} bytes`);
    expect(upstream.requests.filter((request) => request.kind === 'rpc')).toHaveLength(1);
  });
});
