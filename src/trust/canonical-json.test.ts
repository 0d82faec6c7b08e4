import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonical JSON', () => {
  it('sorts keys by UTF-16 code units at every depth and writes no whitespace', () => {
    const value = { b: 1, a: { d: [3, { z: null, y: true }], c: 'x' }, A: false, é: 'e', '\u{1F600}': 'emoji', '\uFB01': 'ligature' };
    expect(canonicalJson(value)).toBe('{"A":false,"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1,"é":"e","\u{1F600}":"emoji","\uFB01":"ligature"}');
  });

  it('is independent of property insertion order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2], z: { b: 2, a: 1 } })).toBe(canonicalJson({ z: { a: 1, b: 2 }, y: [1, 2], x: 1 }));
  });

  it('escapes strings as JSON.stringify does (RFC 8785)', () => {
    expect(canonicalJson('a"b\\c\n\u0001\u2028€')).toBe('"a\\"b\\\\c\\n\\u0001\u2028€"');
  });

  it('leaves out undefined properties, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('refuses what it cannot write reproducibly: floats, non-finite numbers, lone surrogates, undefined in arrays, class instances', () => {
    expect(() => canonicalJson({ a: 1.5 })).toThrow(/\$\.a is not a safe integer/);
    expect(() => canonicalJson([Number.NaN])).toThrow(/not a safe integer/);
    expect(() => canonicalJson(2 ** 60)).toThrow(/not a safe integer/);
    expect(() => canonicalJson({ s: 'x\uD800' })).toThrow(/not well-formed Unicode/);
    expect(() => canonicalJson([undefined])).toThrow(/\$\[0\] has a type JSON cannot hold/);
    expect(() => canonicalJson({ when: new Date(0) })).toThrow(/cannot hold/);
  });
});
