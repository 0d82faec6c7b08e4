import { describe, expect, it } from 'vitest';
import { parseInfoBody, RpcClient } from './rpc-client.js';

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
});
