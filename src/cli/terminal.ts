import { spawn } from 'node:child_process';
import type { CliIo } from './io.js';

/**
 * Terminal output for the reviewer's commands, like git: colour only when stdout is a terminal (and
 * NO_COLOR is unset, TERM is not "dumb"), a pager only when stdout is a terminal (AURGATE_PAGER, then
 * PAGER, default `less -FRX`; empty or `cat` means none; `--no-pager` turns it off), and package text
 * made harmless for the terminal. The handful of SGR codes are written by hand: a colour library for
 * six codes is more to audit than the codes.
 */

export interface Terminal {
  /** stdout is a terminal: text for a person (colour, pager, inline notes). */
  readonly person: boolean;
  readonly colour: boolean;
  paint(style: Style, text: string): string;
}

export type Style = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'bold' | 'dim';

const SGR: Record<Style, string> = { red: '31', green: '32', yellow: '33', blue: '34', magenta: '35', cyan: '36', bold: '1', dim: '2' };

export function terminalOf(io: CliIo): Terminal {
  const person = io.stdout.isTTY === true;
  const colour = person && !io.env['NO_COLOR'] && io.env['TERM'] !== 'dumb';
  return { person, colour, paint: (style, text) => (colour && text !== '' ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text) };
}

/** Control characters (C0 but tab and newline, DEL, C1), line separators and bidi controls, which could drive or deceive a terminal. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Package text for a terminal: every control shown as a visible escape (`\x1b`, `[U+202E]`), never sent. */
export function termSafe(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `[U+${code.toString(16).toUpperCase().padStart(4, '0')}]`;
  });
}

/** The pager command line, or null for none (not a terminal, --no-pager, or set to empty or `cat`). */
export function pagerCommand(io: CliIo, enabled: boolean): string | null {
  if (!enabled || io.stdout.isTTY !== true) return null;
  const chosen = (io.env['AURGATE_PAGER'] ?? io.env['PAGER'] ?? 'less -FRX').trim();
  return chosen === '' || chosen === 'cat' ? null : chosen;
}

/**
 * Writes `text` through the pager when there is one (its output goes straight to the terminal), else
 * to stdout. A pager that cannot start falls back to plain output: the text is never lost.
 */
export async function writePaged(io: CliIo, text: string, enabled: boolean): Promise<void> {
  const command = pagerCommand(io, enabled);
  if (command === null) return void io.stdout.write(text);
  const ok = await new Promise<boolean>((resolve) => {
    // Like git: LESS=FRX unless the user set LESS, so short output does not wait for `q`.
    const child = spawn(command, { shell: true, stdio: ['pipe', 'inherit', 'inherit'], env: { ...io.env, LESS: io.env['LESS'] ?? 'FRX' } });
    child.on('error', () => resolve(false));
    // A reader who quits early closes the pipe: that is no failure.
    child.stdin.on('error', () => undefined);
    // 126/127: the shell could not run the pager at all, so nothing was shown.
    child.on('close', (code) => resolve(code !== 126 && code !== 127));
    child.stdin.end(text);
  });
  if (!ok) io.stdout.write(text);
}
