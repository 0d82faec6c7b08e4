/**
 * What the reviewer's views put beside the diff: each risk flag anchored at its row (an id to link
 * to), and encoded payloads (base64, hex, `\xNN` chains) decoded beside the line that carries them.
 * Pure: the caller passes the parsed diff, the flags and the text of flagged lines the diff does not
 * show (a line of an intermediate commit, or unchanged context outside every hunk).
 */

import type { ReviewFile } from './diff.js';
import { decodePayloads, flagAnchor, type DecodedPayload, type RiskFlag } from './risk/index.js';

export interface FlagView {
  /** The id of the flag's row in the diff and of its entry in the list (`flag-1`, …). */
  id: string;
  flag: RiskFlag;
  /** True when the flagged line is a row of the diff shown (then `#id` jumps to it). */
  inDiff: boolean;
  /** The flagged line, when known (the diff row, or the line read from its commit). */
  text: string | null;
  payloads: DecodedPayload[];
}

/** A row of the new side of the diff with what to show beside it. */
export interface LineNote {
  file: string;
  line: number;
  flagIds: string[];
  payloads: DecodedPayload[];
}

export interface Annotations {
  flags: FlagView[];
  /** Rows of the diff with a flag or a decoded payload, in diff order. */
  notes: LineNote[];
}

/** A hostile diff can carry a payload on every line; past this many rows, the rest are not annotated. */
export const MAX_PAYLOAD_NOTES = 200;
/** A flagged line is shown up to this many characters (its payloads are decoded from all of it). */
export const MAX_SHOWN_LINE = 500;
/** Flagged lines outside the diff read from git at most (each is one object read). */
export const MAX_OUTSIDE_LINES = 50;

interface Row {
  text: string;
  added: boolean;
}

/** The new side of each file of the diff: line number → row text (without the +/space prefix). */
export function newSideRows(files: readonly ReviewFile[]): Map<string, Map<number, Row>> {
  const out = new Map<string, Map<number, Row>>();
  for (const file of files) {
    if (file.diff.isDeleted) continue;
    const rows = new Map<number, Row>();
    for (const block of file.diff.blocks) {
      for (const line of block.lines) {
        if (line.newNumber === undefined) continue;
        rows.set(line.newNumber, { text: line.content.slice(1), added: line.type === 'insert' });
      }
    }
    out.set(file.path, rows);
  }
  return out;
}

/** Key of a flagged line read from git: the commit (empty for the candidate), the file and the line. */
export function lineKey(commit: string | null, file: string, line: number): string {
  return `${commit ?? ''}\u0000${file}\u0000${line}`;
}

/** The flagged lines the diff does not show, for the caller to read (at most MAX_OUTSIDE_LINES). */
export function linesOutsideDiff(
  flags: readonly RiskFlag[],
  rows: ReadonlyMap<string, ReadonlyMap<number, Row>>,
): Array<{ commit: string | null; file: string; line: number }> {
  const wanted = new Map<string, { commit: string | null; file: string; line: number }>();
  for (const flag of flags) {
    const anchor = flagAnchor(flag);
    if (!anchor) continue;
    if (anchor.commit === undefined && rows.get(anchor.file)?.has(anchor.line)) continue;
    const entry = { commit: anchor.commit ?? null, file: anchor.file, line: anchor.line };
    wanted.set(lineKey(entry.commit, entry.file, entry.line), entry);
    if (wanted.size >= MAX_OUTSIDE_LINES) break;
  }
  return [...wanted.values()];
}

/**
 * Flag views and row notes for a review. `outside` holds the text of flagged lines that are not rows
 * of the diff, keyed by lineKey.
 */
export function annotateReview(
  files: readonly ReviewFile[],
  flags: readonly RiskFlag[],
  outside: ReadonlyMap<string, string> = new Map(),
): Annotations {
  const rows = newSideRows(files);
  const notes = new Map<string, LineNote>();
  const noteAt = (file: string, line: number): LineNote => {
    const key = lineKey(null, file, line);
    let note = notes.get(key);
    if (!note) notes.set(key, (note = { file, line, flagIds: [], payloads: [] }));
    return note;
  };
  const views = flags.map((flag, index): FlagView => {
    const id = `flag-${index + 1}`;
    const anchor = flagAnchor(flag);
    if (!anchor) return { id, flag, inDiff: false, text: null, payloads: [] };
    const row = anchor.commit === undefined ? rows.get(anchor.file)?.get(anchor.line) : undefined;
    if (row) noteAt(anchor.file, anchor.line).flagIds.push(id);
    const text = row?.text ?? outside.get(lineKey(anchor.commit ?? null, anchor.file, anchor.line)) ?? null;
    const shown = text !== null && text.length > MAX_SHOWN_LINE ? `${text.slice(0, MAX_SHOWN_LINE)}…` : text;
    return { id, flag, inDiff: row !== undefined, text: shown, payloads: text === null ? [] : decodePayloads(text) };
  });
  let payloadNotes = 0;
  for (const [file, fileRows] of rows) {
    for (const [line, row] of fileRows) {
      if (!row.added || payloadNotes >= MAX_PAYLOAD_NOTES) continue;
      const payloads = decodePayloads(row.text);
      if (payloads.length === 0) continue;
      noteAt(file, line).payloads = payloads;
      payloadNotes += 1;
    }
  }
  const order = new Map(files.map((file, index) => [file.path, index]));
  const sorted = [...notes.values()].sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line);
  return { flags: views, notes: sorted };
}
