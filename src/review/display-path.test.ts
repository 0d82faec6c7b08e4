import { describe, expect, it } from 'vitest';
import { displayPath } from './display-path.js';

describe('displayPath', () => {
  it('leaves ordinary, quoted, non-ASCII and markup names as they are (escaping is the page’s job)', () => {
    for (const name of ['PKGBUILD', 'has "quotes".sh', "it's.patch", 'ünïcödé ✓.txt', '<img src=x onerror=alert(1)>.sh', 'back\\slash', 'a b/c']) {
      expect(displayPath(name)).toBe(name);
    }
  });

  it('shows C0 controls and DEL as control pictures', () => {
    expect(displayPath('tab\there.txt')).toBe('tab␉here.txt');
    expect(displayPath('new\nline.txt')).toBe('new␊line.txt');
    expect(displayPath('cr\r\x1b[31m\x7f')).toBe('cr␍␛[31m␡');
    expect(displayPath('\0')).toBe('␀');
  });

  it('names invisible format characters, C1 controls and separators', () => {
    expect(displayPath('evil\u202Ehs.txt')).toBe('evil[U+202E]hs.txt');
    expect(displayPath('zero\u200Bwidth\u2028\u0085')).toBe('zero[U+200B]width[U+2028][U+0085]');
  });
});
