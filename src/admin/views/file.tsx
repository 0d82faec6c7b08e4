import { displayPath } from '../../review/display-path.js';
import type { Principal } from '../auth/principal.js';
import type { FileView } from '../../app/review.js';
import { Commit, FlagList } from './components.js';
import { bytes, query } from './format.js';
import { AdminLayout } from './layout.js';

/** One file of the candidate (or its base) with line anchors (#L12) that the risk flags link to. */
export function FilePage(props: { principal: Principal; view: FileView }) {
  const { revision, file, flags, which, commit } = props.view;
  const flagged = new Set(flags.flatMap((flag) => (flag.line ? [flag.line] : [])));
  const other = which === 'candidate' ? 'base' : 'candidate';
  return (
    <AdminLayout title={`${displayPath(file.path)} · ${revision.pkgbase}`} principal={props.principal} section="queue">
      <p>
        <a href={`/admin/review/${revision.pkgbase}`}>← Review of {revision.pkgbase}</a>
      </p>
      <h1 class="path">{displayPath(file.path)}</h1>
      <p>
        {which === 'candidate' ? 'Candidate' : 'Last approved'} commit <Commit id={commit} />, {bytes(file.size)}.{' '}
        {revision.baseCommit ? (
          <a href={`/admin/review/${revision.pkgbase}/file${query({ path: file.path, rev: other })}`}>
            Show the {other === 'base' ? 'last approved' : 'candidate'} version
          </a>
        ) : null}
      </p>
      {flags.length > 0 ? <FlagList pkgbase={revision.pkgbase} flags={flags} /> : null}
      {file.lines === null ? (
        <p class="warn">Binary or very large file: not shown as text.</p>
      ) : (
        <div class="table-wrap">
          <table class="source">
            <tbody>
              {file.lines.map((line, index) => (
                <tr id={`L${index + 1}`} class={flagged.has(index + 1) ? 'flagged' : undefined}>
                  <td class="ln">
                    <a href={`#L${index + 1}`}>{index + 1}</a>
                  </td>
                  <td class="code">
                    <pre>{line}</pre>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </AdminLayout>
  );
}
