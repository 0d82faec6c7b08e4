import type { Assessment } from '../app/assess.js';
import type { QueueEntry } from '../app/overview.js';
import type { ReviewModel } from '../app/review.js';
import type { LineNote } from '../review/annotate.js';
import type { Classification, RevisionClass } from '../review/classify-types.js';
import type { DecodedPayload, RiskFlag, Severity } from '../review/risk/index.js';
import type { ServableRange } from '../quarantine/servable-range.js';
import { formatAge } from './output.js';
import { termSafe, type Style, type Terminal } from './terminal.js';

/** How `aurgate pending` and `aurgate diff` show classes, flags and maintainer changes (see review-commands.ts). */

const SEVERITY_STYLE: Record<Severity, Style> = { high: 'red', medium: 'yellow', low: 'blue', info: 'dim' };
const CLASS_STYLE: Record<RevisionClass | 'unclassified', Style> = {
  routine: 'green',
  'metadata-only': 'dim',
  'sources-changed': 'yellow',
  'build-logic-changed': 'magenta',
  'install-time-code-changed': 'red',
  'first-revision': 'cyan',
  unclassified: 'red',
};

export const className = (classification: Classification | null): RevisionClass | 'unclassified' => classification?.class ?? 'unclassified';

/** The maintainer, submitter and co-maintainer changes among the condensed change. */
export function maintainerChanges(classification: Classification | null): string[] {
  return (classification?.changes ?? []).filter((change) => change.kind === 'maintainer').map((change) => change.text);
}

export function flagCounts(flags: Record<Severity, number>, term: Terminal): string {
  const parts = (['high', 'medium', 'low'] as const).filter((s) => flags[s] > 0).map((s) => term.paint(SEVERITY_STYLE[s], `${flags[s]} ${s}`));
  return parts.length > 0 ? parts.join(' ') : term.paint('green', 'none');
}

const where = (flag: RiskFlag): string =>
  flag.file ? ` (${termSafe(flag.file)}${flag.line ? `:${flag.line}` : ''}${flag.commit ? ` in ${flag.commit.slice(0, 12)}` : ''})` : '';

export function flagLine(flag: RiskFlag, term: Terminal): string {
  return `${term.paint(SEVERITY_STYLE[flag.severity], flag.severity.padEnd(6))} ${term.paint('bold', flag.check)}: ${termSafe(flag.reason)}${where(flag)}`;
}

function payloadLine(payload: DecodedPayload, term: Terminal): string {
  return `decoded ${payload.encoding} (${payload.bytes} bytes): ${term.paint('yellow', termSafe(payload.preview))}${payload.truncated ? '…' : ''}`;
}

/** Left-aligned columns; cells are padded as plain text, then painted, so colour never shifts a column. */
export function paintedTable(rows: Array<Array<{ text: string; style?: Style | undefined }>>, term: Terminal): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.text.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => {
          const text = column === row.length - 1 ? cell.text : cell.text.padEnd(widths[column] ?? 0);
          return cell.style ? term.paint(cell.style, text) : text;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export interface PendingRow {
  entry: QueueEntry;
  assessment: Assessment;
  range: ServableRange | null;
  notes: string[];
}

/** The pending table, then each revision's flags above low and maintainer changes under it. */
export function pendingText(rows: readonly PendingRow[], term: Terminal): string {
  const header = ['PKGBASE', 'COMMIT', 'VERSION', 'AGE', 'CLASS', 'RISK', 'NOTES'].map((text) => ({ text, style: 'bold' as const }));
  const body = rows.map(({ entry, notes }) => {
    const cls = className(entry.classification);
    const risk = (['high', 'medium', 'low'] as const).filter((s) => entry.flags[s] > 0).map((s) => `${entry.flags[s]}${s[0]}`);
    const top = (['high', 'medium', 'low'] as const).find((s) => entry.flags[s] > 0);
    return [
      { text: termSafe(entry.revision.pkgbase) },
      { text: entry.revision.commit },
      { text: termSafe(entry.revision.version ?? '?') },
      { text: formatAge(entry.revision.recordedAt) },
      { text: cls, style: CLASS_STYLE[cls] },
      { text: risk.length > 0 ? risk.join(' ') : '-', style: top ? SEVERITY_STYLE[top] : undefined },
      { text: termSafe(notes.join(', ')) },
    ];
  });
  const details = rows.flatMap(({ entry, assessment }) => {
    const lines = [
      ...maintainerChanges(entry.classification).map((text) => `  ${term.paint('red', termSafe(text))}`),
      ...assessment.flags.filter((flag) => flag.severity === 'high' || flag.severity === 'medium').map((flag) => `  ${flagLine(flag, term)}`),
    ];
    return lines.length > 0 ? [`${term.paint('bold', termSafe(entry.revision.pkgbase))}:`, ...lines] : [];
  });
  return `${paintedTable([header, ...body], term)}\n${details.length > 0 ? `\n${details.join('\n')}\n` : ''}`;
}

/** The `# …` lines `aurgate diff` prints before the diff: class, condensed change, maintainer change, flags. */
export function reviewHeader(model: ReviewModel, term: Terminal): string {
  const { classification, annotations, intermediate } = model;
  const cls = className(classification);
  const lines = [`# class: ${term.paint(CLASS_STYLE[cls], cls)}${cls === 'routine' ? ' (a class approves nothing: read the diff)' : ''}`];
  for (const change of classification?.changes ?? []) lines.push(`#   ${termSafe(change.text)}`);
  for (const text of maintainerChanges(classification)) lines.push(`# ${term.paint('red', `MAINTAINER CHANGE: ${termSafe(text)}`)}`);
  if (intermediate.total > 0) lines.push(`# ${intermediate.analysed} of ${intermediate.total} intermediate commits analysed one by one`);
  lines.push(`# flags: ${annotations.flags.length === 0 ? 'none' : annotations.flags.length}`);
  for (const view of annotations.flags) {
    lines.push(`#   ${flagLine(view.flag, term)}`);
    if (view.text !== null && !view.inDiff) lines.push(`#     ${termSafe(view.text)}`);
    for (const payload of view.payloads) lines.push(`#     ${payloadLine(payload, term)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The unified diff for a person: controls made visible, +/- and hunk headers coloured, and under each
 * flagged or payload-carrying line of the new side a `#` note naming the flag (its anchor) and the
 * decoded payload. Only for a terminal: piped output stays a plain patch.
 */
export function annotatedDiff(diff: string, notes: readonly LineNote[], flags: ReadonlyMap<string, RiskFlag>, term: Terminal): string {
  const byFile = new Map<string, Map<number, LineNote>>();
  for (const note of notes) {
    if (!byFile.has(note.file)) byFile.set(note.file, new Map());
    byFile.get(note.file)?.set(note.line, note);
  }
  let fileNotes: Map<number, LineNote> | undefined;
  let inHeader = false;
  let next = 0;
  const out: string[] = [];
  for (const row of diff.split('\n')) {
    const hunk: RegExpExecArray | null = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(row);
    if (row.startsWith('diff --git ')) [inHeader, fileNotes] = [true, undefined];
    else if (inHeader && row.startsWith('+++ ')) fileNotes = byFile.get(row.startsWith('+++ b/') ? row.slice(6) : '');
    else if (hunk) [inHeader, next] = [false, Number(hunk[1])];
    const style: Style | undefined = inHeader ? 'bold' : hunk ? 'cyan' : row.startsWith('+') ? 'green' : row.startsWith('-') ? 'red' : undefined;
    out.push(style ? term.paint(style, termSafe(row)) : termSafe(row));
    if (inHeader || hunk || !(row.startsWith('+') || row.startsWith(' '))) continue;
    const note = fileNotes?.get(next);
    next += 1;
    if (!note) continue;
    for (const id of note.flagIds) {
      const flag = flags.get(id);
      if (flag) out.push(`#   ^ [${id}] ${flagLine(flag, term)}`);
    }
    for (const payload of note.payloads) out.push(`#   ^ ${payloadLine(payload, term)}`);
  }
  return out.join('\n');
}
