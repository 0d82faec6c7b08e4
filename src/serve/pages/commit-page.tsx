import type { CommitInfo, TreeEntry } from '../../git/history.js';
import { PublicLayout } from './layout.js';
import { FileTable } from './tree-page.js';

const date = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');

/** cgit's commit view of a served revision: who made it, when, and its files (no diff: the log and tree cover reading). */
export function commitPage(pkgbase: string, commit: CommitInfo, entries: readonly TreeEntry[]) {
  const rows: Array<[string, string]> = [
    ['Commit', commit.id],
    ['Author', `${commit.authorName} <${commit.authorEmail}>`],
    ['Authored', date(commit.authorDate)],
    ['Committer', `${commit.committerName} <${commit.committerEmail}>`],
    ['Committed', date(commit.committerDate)],
  ];
  return (
    <PublicLayout title={`${pkgbase} — ${commit.id.slice(0, 12)}`}>
      <h1>
        {pkgbase}: {commit.subject}
      </h1>
      <table>
        <tbody>
          {rows.map(([label, value]) => (
            <tr>
              <th>{label}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <a href={`/cgit/aur.git/log/?h=${encodeURIComponent(pkgbase)}`}>Log</a>
      </p>
      <h2>Files</h2>
      <FileTable pkgbase={pkgbase} commit={commit.id} entries={entries} />
    </PublicLayout>
  );
}
