import type { FlagView, LineNote } from '../../review/annotate.js';
import type { DecodedPayload } from '../../review/risk/index.js';
import { Badge } from './components.js';

/**
 * Rows inserted into diff2html's tables under a flagged or payload-carrying line of the new side: the
 * flags with their ids (the flag list links to `#flag-N`, the row links back to `#flag-N-item`) and
 * the decoded payloads. diff2html has no hook for extra rows, so its HTML is cut at row ends; that
 * HTML escapes every value (see DiffView), so the markup matched here can only be its own.
 */

const LINE_BY_LINE_NUMBER = /<div class="line-num2">(\d+)<\/div>/;
const SIDE_NUMBER = /<td class="d2h-code-side-linenumber[^"]*">\s*(\d+)\s*<\/td>/;
const SIDE_PANE = '<div class="d2h-file-side-diff">';

export function PayloadList(props: { payloads: readonly DecodedPayload[] }) {
  if (props.payloads.length === 0) return null;
  return (
    <ul class="payloads">
      {props.payloads.map((payload) => (
        <li>
          <span class="tag">decoded {payload.encoding}</span> <span class="muted small">({payload.bytes} bytes)</span>{' '}
          <code class="payload">
            {payload.preview}
            {payload.truncated ? '…' : ''}
          </code>
        </li>
      ))}
    </ul>
  );
}

function NoteBody(props: { note: LineNote; flags: ReadonlyMap<string, FlagView>; withIds: boolean }) {
  return (
    <>
      {props.note.flagIds.map((id) => {
        const view = props.flags.get(id);
        if (!view) return null;
        return (
          <div class="line-flag">
            <a id={props.withIds ? id : undefined} href={`#${id}-item`}>
              <Badge severity={view.flag.severity}>{view.flag.severity}</Badge> <span class="check">{view.flag.check}</span>
            </a>{' '}
            {view.flag.reason}
          </div>
        );
      })}
      <PayloadList payloads={props.note.payloads} />
    </>
  );
}

function noteRow(note: LineNote, flags: ReadonlyMap<string, FlagView>, side: 'line' | 'side', withIds: boolean): string {
  const numberClass = side === 'line' ? 'd2h-code-linenumber' : 'd2h-code-side-linenumber';
  return String(
    <tr class={withIds ? 'line-note' : 'line-note mirror'}>
      <td class={numberClass}></td>
      <td class="line-note-body">
        <NoteBody note={note} flags={flags} withIds={withIds} />
      </td>
    </tr>,
  );
}

/** Splits a table's HTML after each row; the last piece is what follows the last row. */
function rowsOf(html: string): string[] {
  return html.split('</tr>').map((piece, index, all) => (index < all.length - 1 ? `${piece}</tr>` : piece));
}

function markRow(row: string): string {
  const at = row.lastIndexOf('<tr>');
  return at === -1 ? row : `${row.slice(0, at)}<tr class="flagged">${row.slice(at + 4)}`;
}

/**
 * One file's diff2html output with the notes of that file inserted under their rows. In the
 * side-by-side view the old pane gets a hidden copy of each note row, so both panes stay aligned.
 */
export function annotateDiffHtml(
  html: string,
  notes: readonly LineNote[],
  flags: ReadonlyMap<string, FlagView>,
  format: 'side-by-side' | 'line-by-line',
): string {
  if (notes.length === 0) return html;
  const byLine = new Map(notes.map((note) => [note.line, note]));
  if (format === 'line-by-line') {
    return rowsOf(html)
      .map((row) => {
        const note = byLine.get(Number(LINE_BY_LINE_NUMBER.exec(row)?.[1] ?? NaN));
        return note ? `${markRow(row)}${noteRow(note, flags, 'line', true)}` : row;
      })
      .join('');
  }
  const split = html.indexOf(SIDE_PANE, html.indexOf(SIDE_PANE) + 1);
  if (split === -1) return html;
  const inserted = new Map<number, LineNote>();
  const right = rowsOf(html.slice(split)).map((row, index) => {
    const note = byLine.get(Number(SIDE_NUMBER.exec(row)?.[1] ?? NaN));
    if (!note) return row;
    inserted.set(index, note);
    return `${markRow(row)}${noteRow(note, flags, 'side', true)}`;
  });
  const left = rowsOf(html.slice(0, split)).map((row, index) => {
    const note = inserted.get(index);
    return note ? `${row}${noteRow(note, flags, 'side', false)}` : row;
  });
  return `${left.join('')}${right.join('')}`;
}
