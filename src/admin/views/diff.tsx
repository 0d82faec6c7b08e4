import * as Diff2Html from 'diff2html';
import { getHtmlId } from 'diff2html/lib/render-utils.js';
import { raw } from 'hono/html';
import { displayPath } from '../../review/display-path.js';
import type { ReviewFile } from '../../review/diff.js';
import type { Annotations } from '../../review/annotate.js';
import { annotateDiffHtml } from './diff-notes.js';
import { query } from './format.js';

export type DiffFormat = 'side-by-side' | 'line-by-line';

export function parseDiffFormat(value: string | undefined): DiffFormat {
  return value === 'line-by-line' ? 'line-by-line' : 'side-by-side';
}

/** The anchor diff2html gives a file's block, for links from the file list and the flags. */
export function diffAnchor(file: ReviewFile): string {
  return getHtmlId(file.diff);
}

function status({ diff }: ReviewFile): string {
  if (diff.isNew) return 'added';
  if (diff.isDeleted) return 'deleted';
  if (diff.isRename) return 'renamed';
  if (diff.isCopy) return 'copied';
  if (diff.isBinary) return 'binary';
  return 'changed';
}

/** How the file list and the diff headers name a file (exact paths stay in the links). */
function fileLabel(file: ReviewFile): string {
  return file.oldPath === null ? displayPath(file.path) : `${displayPath(file.oldPath)} → ${displayPath(file.path)}`;
}

export function ChangedFiles(props: { pkgbase: string; files: readonly ReviewFile[]; rendered: boolean }) {
  if (props.files.length === 0) return <p class="muted">No file changed.</p>;
  return (
    <ul class="files">
      {props.files.map((file) => (
        <li>
          <span class={`tag tag-${status(file)}`}>{status(file)}</span>{' '}
          {props.rendered ? <a href={`#${diffAnchor(file)}`}>{displayPath(file.path)}</a> : <span>{displayPath(file.path)}</span>}
          {file.oldPath === null ? null : <span class="muted"> (from {displayPath(file.oldPath)})</span>}{' '}
          <span class="added">+{file.diff.addedLines}</span> <span class="deleted">−{file.diff.deletedLines}</span>{' '}
          <a class="small" href={`/admin/review/${props.pkgbase}/file${query({ path: file.path, rev: file.diff.isDeleted ? 'base' : undefined })}`}>
            {file.diff.isDeleted ? 'view deleted file' : 'view file'}
          </a>
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
 * templates HTML-escape all values), and the rows added under flagged lines (diff-notes.tsx) are
 * rendered by hono/jsx, which escapes too; test/admin-diff.test.ts feeds it `<script>` and `onerror=`
 * payloads in names and lines to keep that true across upgrades, and the CSP would block an inline
 * script even if it were not.
 */
export function DiffView(props: { files: readonly ReviewFile[]; format: DiffFormat; annotations?: Annotations }) {
  const notes = props.annotations?.notes ?? [];
  const flags = new Map((props.annotations?.flags ?? []).map((view) => [view.id, view]));
  const html = props.files.map((file) =>
    annotateDiffHtml(
      withFileLabel(Diff2Html.html([file.diff], { outputFormat: props.format, drawFileList: false, matching: 'lines' }), file),
      file.diff.isDeleted ? [] : notes.filter((note) => note.file === file.path),
      flags,
      props.format,
    ),
  );
  return <div class="diff">{raw(html.join('\n'))}</div>;
}

const FILE_NAME_SPAN = /<span class="d2h-file-name">[^<]*<\/span>/;

/**
 * diff2html prints a file's name in its block header after turning every backslash into a slash
 * (`back\slash` would read as a directory), with no option to turn that off. Each file is rendered
 * on its own and that one span (escaped text, so it holds no `<`) gets the display label instead.
 */
function withFileLabel(html: string, file: ReviewFile): string {
  return html.replace(FILE_NAME_SPAN, () => String(<span class="d2h-file-name">{fileLabel(file)}</span>));
}
