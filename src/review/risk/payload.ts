/**
 * Helpers for the reviewer's view: decoded previews of encoded payloads on a line (base64, hex,
 * `\xNN` escape chains), and where a flag sits (file and line) in the candidate and in a unified
 * diff. Pure and bounded: a hostile line cannot make them slow or large.
 */

import type { RiskFlag } from './types.js';

export interface DecodedPayload {
  encoding: 'base64' | 'hex' | 'escapes';
  /** Offsets of the encoded text in the line. */
  start: number;
  end: number;
  /** Decoded size in bytes. */
  bytes: number;
  /** The decoded bytes as text: non-printable bytes as \xNN, cut at `maxPreview` characters. */
  preview: string;
  truncated: boolean;
}

export interface DecodeOptions {
  /** Shortest encoded text considered (shorter runs are words, not payloads). */
  minLength?: number;
  maxPayloads?: number;
  maxPreview?: number;
  /** Also return payloads that decode to mostly binary data (checksums do). */
  includeBinary?: boolean;
}

/** Only this much of a line is looked at. */
const MAX_LINE = 64 * 1024;

function preview(bytes: Buffer, max: number): { text: string; printable: number } {
  let text = '';
  let printable = 0;
  // The printable share of the first 4 KiB decides; the rest only adds to the size.
  const sample = bytes.subarray(0, 4096);
  for (const b of sample) {
    const ok = (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x09;
    if (ok) printable++;
    if (text.length < max) text += b === 0x0a ? '\\n' : b === 0x09 ? '\\t' : ok ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return { text: text.slice(0, max), printable: sample.length === 0 ? 0 : printable / sample.length };
}

/** Encoded payloads on one line, decoded (mostly printable ones only, unless includeBinary). */
export function decodePayloads(line: string, options: DecodeOptions = {}): DecodedPayload[] {
  const minLength = options.minLength ?? 16;
  const maxPayloads = options.maxPayloads ?? 4;
  const maxPreview = options.maxPreview ?? 200;
  const text = line.slice(0, MAX_LINE);
  const found: Array<{ encoding: DecodedPayload['encoding']; start: number; end: number; data: Buffer }> = [];
  for (const m of text.matchAll(/(?:\\x[0-9a-fA-F]{2}){4,}/g)) {
    found.push({ encoding: 'escapes', start: m.index, end: m.index + m[0].length, data: Buffer.from(m[0].replace(/\\x/g, ''), 'hex') });
  }
  for (const m of text.matchAll(/(?<![A-Za-z0-9+/\\])[A-Za-z0-9+/]+={0,2}/g)) {
    const s = m[0];
    if (s.length < minLength || found.some((f) => m.index < f.end && m.index + s.length > f.start)) continue;
    if (/^[0-9a-fA-F]+$/.test(s)) {
      if (s.length % 2 === 0) found.push({ encoding: 'hex', start: m.index, end: m.index + s.length, data: Buffer.from(s, 'hex') });
      continue;
    }
    const body = s.replace(/=+$/, '');
    if (body.length % 4 === 1 || !/[0-9+/]|[A-Z].*[a-z]|[a-z].*[A-Z]/.test(body)) continue;
    found.push({ encoding: 'base64', start: m.index, end: m.index + s.length, data: Buffer.from(body, 'base64') });
  }
  const out: DecodedPayload[] = [];
  for (const f of found.sort((a, b) => a.start - b.start)) {
    if (out.length >= maxPayloads) break;
    const p = preview(f.data, maxPreview);
    if (!options.includeBinary && p.printable < 0.9) continue;
    out.push({
      encoding: f.encoding,
      start: f.start,
      end: f.end,
      bytes: f.data.length,
      preview: p.text,
      truncated: p.text.length >= maxPreview && f.data.length > maxPreview,
    });
  }
  return out;
}

export interface FlagAnchor {
  file: string;
  /** 1-based line in the candidate's file (or in `commit`'s file). */
  line: number;
  commit?: string;
}

/** Where a flag points, or null for package-level flags (maintainer, timing). */
export function flagAnchor(flag: RiskFlag): FlagAnchor | null {
  if (flag.file === undefined || flag.line === undefined) return null;
  return { file: flag.file, line: flag.line, ...(flag.commit === undefined ? {} : { commit: flag.commit }) };
}

/**
 * The 0-based index of the row of a unified diff (git diff output) that shows `anchor.line` of the
 * new version of `anchor.file`, or null when that line is outside every hunk (unchanged context the
 * diff does not show) or the file is not in the diff.
 */
export function anchorRowInDiff(diff: string, anchor: FlagAnchor): number | null {
  const rows = diff.split('\n');
  let inFile = false;
  let next = 0; // new-side line number of the next row
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.startsWith('diff --git ')) {
      inFile = false;
      continue;
    }
    if (row.startsWith('+++ ')) {
      inFile = row.slice(4) === `b/${anchor.file}`;
      continue;
    }
    if (!inFile) continue;
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(row);
    if (hunk) {
      next = Number(hunk[1]);
      continue;
    }
    if (row.startsWith('-') || row.startsWith('\\')) continue;
    if (row.startsWith('+') || row.startsWith(' ')) {
      if (next === anchor.line) return i;
      next++;
    }
  }
  return null;
}
