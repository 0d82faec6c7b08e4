import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { pagerCommand, termSafe, terminalOf, writePaged } from './terminal.js';

function io(tty: boolean, env: Record<string, string> = {}): CliIo & { written: string[] } {
  const written: string[] = [];
  return {
    env,
    stdout: { write: (text: string) => written.push(text), isTTY: tty },
    stderr: { write: () => true },
    stdin: Readable.from([]),
    exitCode: 0,
    written,
  };
}

describe('terminal output', () => {
  it('colours a terminal only, and never with NO_COLOR or TERM=dumb', () => {
    expect(terminalOf(io(true)).paint('red', 'x')).toBe('\x1b[31mx\x1b[0m');
    expect(terminalOf(io(false)).paint('red', 'x')).toBe('x');
    expect(terminalOf(io(true, { NO_COLOR: '1' })).paint('red', 'x')).toBe('x');
    expect(terminalOf(io(true, { TERM: 'dumb' })).paint('red', 'x')).toBe('x');
    // NO_COLOR set but empty does not count (no-color.org).
    expect(terminalOf(io(true, { NO_COLOR: '' })).colour).toBe(true);
  });

  it('shows control and bidi characters of package text instead of sending them', () => {
    expect(termSafe('a\x1b]0;pwned\x07b\tc\nd')).toBe('a\\x1b]0;pwned\\x07b\tc\nd');
    expect(termSafe('x\u202Eevil\u009b')).toBe('x[U+202E]evil\\x9b');
    expect(termSafe('ünïcödé ✓')).toBe('ünïcödé ✓');
  });

  it('pages like git: a terminal only, AURGATE_PAGER over PAGER over less -FRX, empty or cat for none', () => {
    expect(pagerCommand(io(true), true)).toBe('less -FRX');
    expect(pagerCommand(io(false), true)).toBeNull();
    expect(pagerCommand(io(true), false)).toBeNull();
    expect(pagerCommand(io(true, { PAGER: 'more' }), true)).toBe('more');
    expect(pagerCommand(io(true, { PAGER: 'more', AURGATE_PAGER: 'most' }), true)).toBe('most');
    expect(pagerCommand(io(true, { AURGATE_PAGER: 'cat' }), true)).toBeNull();
    expect(pagerCommand(io(true, { AURGATE_PAGER: ' ' }), true)).toBeNull();
  });

  it('falls back to plain output when the pager cannot start', async () => {
    const out = io(true, { PATH: process.env['PATH'] ?? '', AURGATE_PAGER: 'aurgate-no-such-pager-xyz' });
    await writePaged(out, 'the text\n', true);
    expect(out.written.join('')).toBe('the text\n');
  });
});
