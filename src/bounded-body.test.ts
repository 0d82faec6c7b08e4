import { describe, expect, it } from 'vitest';
import { readBodyWithin } from './bounded-body.js';

/** A body that never ends, counting how many chunks were pulled from it and whether it was cancelled. */
function endless(chunkBytes: number): { body: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulls = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls += 1;
      controller.enqueue(new Uint8Array(chunkBytes));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, pulled: () => pulls, cancelled: () => cancelled };
}

describe('reading a body within a bound', () => {
  it('stops an endless body just past the bound, cancels it, and throws the caller’s error', async () => {
    const stream = endless(1024);
    await expect(readBodyWithin(stream.body, 10 * 1024, () => new RangeError('too large'))).rejects.toThrow(RangeError);
    expect(stream.pulled()).toBeLessThanOrEqual(13);
    expect(stream.cancelled()).toBe(true);
  });

  it('returns a body within the bound whole, and an absent body as empty', async () => {
    const body = new Response('x'.repeat(5000)).body;
    expect((await readBodyWithin(body, 5000, () => new Error('too large'))).toString()).toBe('x'.repeat(5000));
    expect((await readBodyWithin(null, 10, () => new Error('too large'))).length).toBe(0);
  });
});
