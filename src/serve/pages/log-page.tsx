import type { CommitInfo } from '../../git/history.js';
import { PublicLayout } from './layout.js';

export function logPage(pkgbase: string, commits: readonly CommitInfo[]) {
  return (
    <PublicLayout title={`${pkgbase} — log`}>
      <h1>{pkgbase}: approved history</h1>
      <table>
        <thead>
          <tr>
            <th>Commit</th>
            <th>Message</th>
            <th>Author</th>
            <th>Date</th>
          </tr>
        </thead>
        <tbody>
          {commits.map((commit) => (
            <tr>
              <td>
                <a href={`/cgit/aur.git/commit/?h=${encodeURIComponent(pkgbase)}&id=${commit.id}`}>
                  <code>{commit.id.slice(0, 12)}</code>
                </a>
              </td>
              <td>{commit.subject}</td>
              <td>{commit.authorName}</td>
              <td>{new Date(commit.authorDate * 1000).toISOString().slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </PublicLayout>
  );
}
