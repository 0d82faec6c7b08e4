import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bodyRefusal, decodedBody, readPrefix } from './request-body.js';

/** A request body as the HTTP adapter hands it over: a web stream, in chunks. */
function webBody(bytes: Buffer, chunk = 1000): ReadableStream<Uint8Array> {
  const parts = Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk));
  return Readable.toWeb(Readable.from(parts)) as ReadableStream<Uint8Array>;
}

async function failure(stream: Readable): Promise<unknown> {
  try {
    for await (const _chunk of stream);
  } catch (error) {
    return error;
  }
  return null;
}

describe('request bodies', () => {
  it('pass through as sent, or gunzipped', async () => {
    const body = Buffer.from('0009done\n0000'.repeat(1000));
    expect(await text(decodedBody(webBody(body), false, 1 << 20))).toBe(body.toString());
    expect(await text(decodedBody(webBody(gzipSync(body)), true, 1 << 20))).toBe(body.toString());
    expect(await text(decodedBody(null, false, 10))).toBe('');
  });

  it('fail with 413 at the cap on bytes received or decoded', async () => {
    expect(bodyRefusal(await failure(decodedBody(webBody(Buffer.alloc(5000)), false, 4096))).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(4096 * 4);
    const error = await failure(decodedBody(webBody(bomb), true, 64 * 1024));
    expect(bodyRefusal(error).status).toBe(413);
    expect(String(error)).toContain('decoded request body is larger than 65536 bytes');
  });

  it('fail with 400 when the gzip stream is broken', async () => {
    const broken = gzipSync(Buffer.alloc(100_000, 'a')).subarray(0, 50);
    expect(bodyRefusal(await failure(decodedBody(webBody(broken, 10), true, 1 << 20))).status).toBe(400);
    expect(bodyRefusal(await failure(decodedBody(webBody(Buffer.from('not gzip at all')), true, 1 << 20))).status).toBe(400);
  });

  it('can be peeked at without losing a byte', async () => {
    const small = decodedBody(webBody(Buffer.from('short request')), false, 1 << 20);
    expect(await readPrefix(small, 100)).toEqual({ bytes: Buffer.from('short request'), ended: true });
    const bytes = Buffer.from(Array.from({ length: 50_000 }, (_, i) => i % 251));
    const large = decodedBody(webBody(bytes), false, 1 << 20);
    const start = await readPrefix(large, 4096);
    expect(start.ended).toBe(false);
    expect(start.bytes.length).toBeGreaterThan(4096);
    const rest: Buffer[] = [];
    for await (const chunk of large) rest.push(chunk as Buffer);
    expect(Buffer.concat(rest).equals(bytes)).toBe(true);
  });
});
