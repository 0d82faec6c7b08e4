import * as Diff2Html from 'diff2html';
import { getHtmlId } from 'diff2html/lib/render-utils.js';
import type { DiffFile } from 'diff2html/lib/types.js';
import { raw } from 'hono/html';
import { query } from './format.js';

export type DiffFormat = 'side-by-side' | 'line-by-line';

export function parseDiffFormat(value: string | undefined): DiffFormat {
  return value === 'line-by-line' ? 'line-by-line' : 'side-by-side';
}

/** The anchor diff2html gives a file's block, for links from the file list and the flags. */
export function diffAnchor(file: DiffFile): string {
  return getHtmlId(file);
}

function status(file: DiffFile): string {
  if (file.isNew) return 'added';
  if (file.isDeleted) return 'deleted';
  if (file.isRename) return 'renamed';
  if (file.isBinary) return 'binary';
  return 'changed';
}

const displayName = (file: DiffFile): string => (file.isDeleted ? file.oldName : file.newName);

export function ChangedFiles(props: { pkgbase: string; files: readonly DiffFile[]; rendered: boolean }) {
  if (props.files.length === 0) return <p class="muted">No file changed.</p>;
  return (
    <ul class="files">
      {props.files.map((file) => (
        <li>
          <span class={`tag tag-${status(file)}`}>{status(file)}</span>{' '}
          {props.rendered ? <a href={`#${diffAnchor(file)}`}>{displayName(file)}</a> : <span>{displayName(file)}</span>}
          {file.isRename ? <span class="muted"> (from {file.oldName})</span> : null} <span class="added">+{file.addedLines}</span>{' '}
          <span class="deleted">−{file.deletedLines}</span>
          {file.isDeleted ? null : (
            <>
              {' '}
              <a class="small" href={`/admin/review/${props.pkgbase}/file${query({ path: file.newName })}`}>
                view file
              </a>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

export function DiffToggle(props: { pkgbase: string; format: DiffFormat }) {
  const other: DiffFormat = props.format === 'side-by-side' ? 'line-by-line' : 'side-by-side';
  return (
    <p class="toggle">
      Showing <strong>{props.format}</strong>. <a href={`/admin/review/${props.pkgbase}${query({ view: other })}#diff`}>Show {other}</a>
    </p>
  );
}

/**
 * The only raw HTML on any admin page. diff2html escapes file names and every diff line itself (its
 * templates HTML-escape all values); test/admin-diff.test.ts feeds it `<script>` and `onerror=`
 * payloads in names and lines to keep that true across upgrades, and the CSP would block an inline
 * script even if it were not.
 */
export function DiffView(props: { files: DiffFile[]; format: DiffFormat }) {
  const html = Diff2Html.html(props.files, { outputFormat: props.format, drawFileList: false, matching: 'lines' });
  return <div class="diff">{raw(html)}</div>;
}
