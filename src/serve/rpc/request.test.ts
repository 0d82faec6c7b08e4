import { describe, expect, it } from 'vitest';
import { Lru } from './cache.js';
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
    const lru = new Lru<{ size: number }>(2, 1000);
    lru.set('a', { size: 10 });
    lru.set('b', { size: 10 });
    lru.get('a');
    lru.set('c', { size: 10 });
    expect([lru.get('a'), lru.get('b'), lru.get('c')].map(Boolean)).toEqual([true, false, true]);
    lru.set('huge', { size: 900 }); // over 1/8 of the budget: not cached at all
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.size).toBe(2);
  });
});
