import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseInfoBody, RpcClient } from './rpc-client.js';

/** A real HTTP server on 127.0.0.1 answering every request with `answer`; counts requests. */
async function withServer(answer: RequestListener, run: (url: string, requests: () => number) => Promise<void>): Promise<void> {
  let requests = 0;
  const server = createServer((req, res) => ((requests += 1), answer(req, res)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => requests);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const noRetry = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

const valid = {
  ID: 1,
  Name: 'foo',
  PackageBaseID: 2,
  PackageBase: 'foo',
  Version: '1.0-1',
  NumVotes: 3,
  Popularity: 0.5,
  FirstSubmitted: 10,
  LastModified: 20,
  Maintainer: 'alice',
};

describe('upstream RPC responses', () => {
  it('parses the AUR envelope into packages with defaults for omitted fields', () => {
    const [pkg] = parseInfoBody(JSON.stringify({ resultcount: 1, results: [valid], type: 'multiinfo', version: 5 }), 'application/json');
    expect(pkg).toMatchObject({ Name: 'foo', Maintainer: 'alice', OutOfDate: null, Keywords: [], CoMaintainers: [] });
  });

  it('names what is wrong with bodies the AUR never sends', () => {
    expect(() => parseInfoBody('<!DOCTYPE html><title>Just a moment</title>', 'text/html; charset=utf-8')).toThrow(/expected JSON, got text\/html/);
    expect(() => parseInfoBody('{"resultcount":1,"res', 'application/json')).toThrow(/malformed JSON/);
    expect(() => parseInfoBody(JSON.stringify({ resultcount: 1, results: {}, type: 'multiinfo' }), 'application/json')).toThrow(
      /not an RPC envelope/,
    );
    expect(() =>
      parseInfoBody(JSON.stringify({ resultcount: 1, results: [{ ...valid, NumVotes: '3' }], type: 'multiinfo' }), 'application/json'),
    ).toThrow(/foo: field NumVotes/);
    expect(() =>
      parseInfoBody(JSON.stringify({ resultcount: 0, results: [], type: 'error', error: 'Rate limit reached' }), 'application/json'),
    ).toThrow(/the AUR answered an error: Rate limit reached/);
  });

  it('batches names so every request URL stays short', () => {
    const client = new RpcClient({ baseUrl: 'https://aur.example.org', timeoutMs: 1000 });
    const names = Array.from({ length: 1000 }, (_, index) => `package-with-a-long-name-${index}`);
    const batches = client.batches(names);
    expect(batches.flat()).toEqual(names);
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(150);
    expect(batches.length).toBeGreaterThan(6);
  });

  it('stops reading an answer that never ends at the byte cap, without retrying it', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const endless: RequestListener = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const more = () => {
        while (res.write(chunk));
      };
      res.on('drain', more);
      res.on('error', () => {});
      more();
    };
    await withServer(endless, async (url, requests) => {
      const client = new RpcClient({ baseUrl: url, timeoutMs: 60_000, maxBytes: 1024 * 1024 });
      await expect(client.info(['foo'])).rejects.toThrow(/RPC info for foo failed: the answer is larger than 1048576 bytes/);
      expect(requests()).toBe(1);
    });
  });

  it('gives up on an answer whose body stalls, at the deadline', async () => {
    const stalled: RequestListener = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"resultcount":1,');
    };
    await withServer(stalled, async (url) => {
      const client = new RpcClient({ baseUrl: url, timeoutMs: 300, retry: noRetry });
      await expect(client.info(['foo'])).rejects.toThrow(/RPC info for foo failed: no complete answer within 300 ms/);
    });
  });
});
