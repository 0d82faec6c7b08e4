import type { TreeEntry } from '../../git/history.js';
import { PublicLayout } from './layout.js';

/** A path as a URL path: each segment encoded, so a file name can never add a query or a segment. */
const urlPath = (file: string): string => file.split('/').map(encodeURIComponent).join('/');

/** Links pin the commit the page shows, so every click stays on the same approved revision. */
const query = (pkgbase: string, commit: string): string => `?h=${encodeURIComponent(pkgbase)}&id=${commit}`;

export const treeHref = (pkgbase: string, commit: string, file = ''): string => `/cgit/aur.git/tree/${urlPath(file)}${query(pkgbase, commit)}`;
export const plainHref = (pkgbase: string, commit: string, file: string): string => `/cgit/aur.git/plain/${urlPath(file)}${query(pkgbase, commit)}`;

function Heading(props: { pkgbase: string; commit: string; title: string }) {
  return (
    <>
      <h1>
        {props.pkgbase}: {props.title}
      </h1>
      <p>
        Approved revision <code>{props.commit}</code> · <a href={treeHref(props.pkgbase, props.commit)}>Files</a> ·{' '}
        <a href={`/cgit/aur.git/commit/${query(props.pkgbase, props.commit)}`}>Commit</a> ·{' '}
        <a href={`/cgit/aur.git/log/?h=${encodeURIComponent(props.pkgbase)}`}>Log</a>
      </p>
    </>
  );
}

/** The files of a revision (git ls-tree -r), each linked to its page and its raw bytes. */
export function FileTable(props: { pkgbase: string; commit: string; entries: readonly TreeEntry[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Mode</th>
          <th>File</th>
          <th>Size</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.entries.map((entry) => (
          <tr>
            <td>
              <code>{entry.mode}</code>
            </td>
            <td>{entry.type === 'blob' ? <a href={treeHref(props.pkgbase, props.commit, entry.path)}>{entry.path}</a> : entry.path}</td>
            <td>{entry.type === 'blob' ? String(entry.size) : entry.type}</td>
            <td>{entry.type === 'blob' ? <a href={plainHref(props.pkgbase, props.commit, entry.path)}>plain</a> : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function treeListingPage(pkgbase: string, commit: string, dir: string, entries: readonly TreeEntry[]) {
  return (
    <PublicLayout title={`${pkgbase} — ${dir || 'files'}`}>
      <Heading pkgbase={pkgbase} commit={commit} title={dir ? `${dir}/` : 'files'} />
      <FileTable pkgbase={pkgbase} commit={commit} entries={entries} />
    </PublicLayout>
  );
}

/** What a file page shows: its text, or why not (the plain link always has the bytes). */
export type FileView = { kind: 'text'; text: string } | { kind: 'binary' | 'too-large'; size: number };

export function treeFilePage(pkgbase: string, commit: string, file: string, view: FileView) {
  return (
    <PublicLayout title={`${pkgbase} — ${file}`}>
      <Heading pkgbase={pkgbase} commit={commit} title={file} />
      <p>
        <a href={plainHref(pkgbase, commit, file)}>plain</a>
      </p>
      {view.kind === 'text' ? (
        <pre>{view.text}</pre>
      ) : (
        <p>
          {view.kind === 'binary' ? 'Binary file' : 'File too large to show'} ({view.size} bytes).
        </p>
      )}
    </PublicLayout>
  );
}
