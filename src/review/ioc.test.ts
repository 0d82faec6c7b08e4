import { describe, expect, it } from 'vitest';
import { literalsIn, MAX_LIST_BYTES, parseIocList } from './ioc.js';

describe('IOC list parsing', () => {
  it('reads "<kind> <value>" lines, skips comments and blanks, normalises case where it does not matter, and drops duplicates', () => {
    const parsed = parseIocList(
      '# list\n\nstring curl -s http\r\ndomain Evil.Example\nhash ABCDEF0123456789abcdef0123456789\nregex eval *"\\$\\(\npackage Evil-Pkg-bin\naccount Mallory\ndomain evil.example\n',
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.entries).toEqual([
      { kind: 'string', value: 'curl -s http' },
      { kind: 'domain', value: 'evil.example' },
      { kind: 'hash', value: 'abcdef0123456789abcdef0123456789' },
      { kind: 'regex', value: 'eval *"\\$\\(' },
      { kind: 'package', value: 'evil-pkg-bin' },
      { kind: 'account', value: 'mallory' },
    ]);
  });

  it('reports every bad line with its number, and what is wrong', () => {
    const parsed = parseIocList(
      'string ab\ndomain not a host\nregex (x)\\1\nregex ' + 'a'.repeat(201) + '\nfoo bar\njustoneword\nstring ok\u0007bell\n',
    );
    expect(parsed.errors.map((error) => error.split(':')[0])).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
    expect(parsed.errors[2]).toContain('back-references are not allowed');
    expect(parsed.errors[3]).toContain('at most 200 characters');
  });

  it('refuses oversized and binary lists outright', () => {
    expect(parseIocList(`string ${'x'.repeat(MAX_LIST_BYTES)}`).errors).toEqual([`the list is larger than ${MAX_LIST_BYTES} bytes`]);
    expect(parseIocList('string abcd\0').errors[0]).toContain('NUL');
  });

  it('attributes a matching line to the literals it contains, case-insensitively', () => {
    const entries = [{ value: 'evil.example' }, { value: 'other.example' }];
    expect(literalsIn('curl https://EVIL.example/x', entries)).toEqual([{ value: 'evil.example' }]);
  });
});
