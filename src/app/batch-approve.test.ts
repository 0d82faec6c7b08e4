import { describe, expect, it } from 'vitest';
import { parseBatchItem } from './batch-approve.js';
import { intermediateCommits } from './assess.js';
import type { Revision } from '../quarantine/revisions.js';

describe('batch entries', () => {
  it('are a package and the exact commit its row showed', () => {
    const commit = 'a'.repeat(40);
    expect(parseBatchItem(`yay-bin:${commit}`)).toEqual({ pkgbase: 'yay-bin', commit });
    expect(parseBatchItem(`lib32-foo:${commit.toUpperCase()}`)).toEqual({ pkgbase: 'lib32-foo', commit });
    for (const bad of ['yay-bin', `:${commit}`, 'yay-bin:xyz', `../etc:${commit}`, `Yay Bin:${commit}`])
      expect(() => parseBatchItem(bad), bad).toThrow(/not a package and commit/);
  });
});

describe('intermediateCommits', () => {
  const info = (id: string) => ({
    id,
    subject: '',
    authorName: '',
    authorEmail: '',
    authorDate: 0,
    committerName: '',
    committerEmail: '',
    committerDate: 0,
  });
  const revision = (baseCommit: string | null, ids: string[]) => ({ commit: 'c3', baseCommit, commits: ids.map(info) }) as unknown as Revision;

  it('are the commits strictly between base and candidate, oldest first', () => {
    expect(intermediateCommits(revision('c0', ['c3', 'c2', 'c1']))).toEqual(['c1', 'c2']);
    expect(intermediateCommits(revision('c0', ['c3']))).toEqual([]);
  });

  it('are the whole history for a first revision, which approving serves too', () => {
    expect(intermediateCommits(revision(null, ['c3', 'c2', 'c1']))).toEqual(['c1', 'c2']);
  });
});
