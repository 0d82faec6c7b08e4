import { describe, expect, it } from 'vitest';
import { responseCache } from './cache.js';
import type { Rendered } from './shape.js';
import { relationName } from '../../srcinfo/rpc-fields.js';
import { PyFloat, writeJson } from './json.js';
import { decodeComponent, infoBody, parseForm, parseQuery, parseVersion, searchBody } from './request.js';

describe('parseQuery (aurweb parse_args for the legacy GET)', () => {
  it.each([
    ['arg[]=a&arg[]=b', ['b', 'a']],
    ['arg%5B%5D=a&arg%5B%5D=b&type=info&v=5', ['b', 'a']],
    ['arg=x&arg[]=a&arg[]=b', ['b', 'a']],
    ['arg[]=a&arg=x', ['x']],
    ['arg[]=a&arg=x&arg[]=b&v=5', ['b']],
    ['arg=libc++', ['libc++']],
    ['arg=libc%2B%2B', ['libc++']],
    ['arg&v=5', []],
    ['arg=', ['']],
  ])('%s → %j', (query, args) => {
    expect(parseQuery(query).args).toEqual(args);
  });

  it('decodes scalars like Starlette: + is a space, the last value wins', () => {
    expect(parseQuery('by=name&by=name+desc&v=5&v=4').scalars).toEqual({ by: 'name desc', v: '4' });
  });
});

describe('parseForm (POST bodies)', () => {
  it('takes arg first, then every arg[]; ignores a leading &; empty scalars are absent', () => {
    expect(parseForm('&arg[]=a&arg=x&arg%5B%5D=b&by=&v=5')).toEqual({ scalars: { arg: 'x', v: '5' }, args: ['x', 'a', 'b'] });
    expect(parseForm('arg=foo+bar').args).toEqual(['foo bar']);
  });
});

describe('decoding never throws', () => {
  it('turns invalid percent-encoding into U+FFFD or keeps it literally', () => {
    expect(decodeComponent('%ff%fe', false)).toBe('\ufffd\ufffd');
    expect(decodeComponent('a%zz%', false)).toBe('a%zz%');
    expect(decodeComponent('%E2%82', false)).toBe('\ufffd');
    expect(decodeComponent('%C3%A9+x', true)).toBe('é x');
  });

  it('parses versions like FastAPI int', () => {
    expect([parseVersion(undefined), parseVersion('5'), parseVersion('+5'), parseVersion('5.0'), parseVersion('')]).toEqual([
      null,
      5,
      5,
      Number.NaN,
      Number.NaN,
    ]);
  });
});

describe('v5 POST bodies', () => {
  it('accepts JSON and form alike, with aurweb 400s for wrong JSON types', () => {
    expect(infoBody(5, 'application/json', '{"arg":["a",1]}')).toMatchObject({ type: 'info', args: ['a', ''] });
    expect(infoBody(5, 'application/x-www-form-urlencoded', '&arg[]=a&arg[]=b')).toMatchObject({ args: ['a', 'b'] });
    expect(infoBody(5, '', '{"arg":{}}')).toMatchObject({ status: 400 });
    expect(searchBody(5, 'application/json', '{"arg":"x","by":"name"}')).toMatchObject({ by: 'name', args: ['x'] });
    expect(searchBody(5, 'application/json', '{"arg":["x"]}')).toMatchObject({ status: 400 });
    expect(searchBody(5, 'application/json', '{"by":"maintainer"}')).toMatchObject({ args: [] });
  });
});

describe('helpers', () => {
  it('writes orjson-like JSON', () => {
    expect(writeJson({ b: 1, a: [new PyFloat(2), new PyFloat(0.5)], c: null }, true)).toBe('{"a":[2.0,0.5],"b":1,"c":null}');
    expect(writeJson({ b: 1, a: 2 }, false)).toBe('{"b":1,"a":2}');
  });

  it('strips version conditions from relation names', () => {
    expect(['foo>=1.2', 'bar', 'baz=1:2-3', 'qux<2', 'opt: why'].map(relationName)).toEqual(['foo', 'bar', 'baz', 'qux', 'opt']);
  });

  it('evicts least recently used entries by count and by bytes', () => {
    const entry = (size: number) => ({ size }) as Rendered;
    const byCount = responseCache({ maxEntries: 2, maxBytes: 1000 });
    byCount.set('a', entry(10));
    byCount.set('b', entry(10));
    byCount.get('a');
    byCount.set('c', entry(10));
    expect([byCount.get('a'), byCount.get('b'), byCount.get('c')].map(Boolean)).toEqual([true, false, true]);
    byCount.set('huge', entry(900)); // over 1/8 of the budget: not cached at all
    expect(byCount.get('huge')).toBeUndefined();
    expect(byCount.size).toBe(2);

    const byBytes = responseCache({ maxEntries: 100, maxBytes: 1000 });
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8']) byBytes.set(key, entry(116)); // 120 bytes with its key
    expect(byBytes.size).toBe(8);
    byBytes.set('k'.repeat(60), entry(1)); // the key counts too: 121 bytes, over the budget by the oldest entry
    expect(byBytes.calculatedSize).toBeLessThanOrEqual(1000);
    expect([byBytes.has('k1'), byBytes.has('k2'), byBytes.has('k'.repeat(60))]).toEqual([false, true, true]);
  });
});
