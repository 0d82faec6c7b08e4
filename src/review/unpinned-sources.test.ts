import { describe, expect, it } from 'vitest';
import { parseSrcinfo } from '../srcinfo/parse.js';
import { sourceEntries } from '../srcinfo/sources.js';
import { unpinnedSourceFlags } from './unpinned-sources.js';

const entries = sourceEntries(
  parseSrcinfo(
    [
      'pkgbase = demo',
      '\tpkgver = 1',
      '\tpkgrel = 1',
      '\tarch = x86_64',
      '\tsource = https://example.org/pinned.tar.gz',
      '\tsource = https://example.org/skipped.tar.gz',
      '\tsource = git+https://example.org/demo.git#tag=v1',
      '\tsource = local.patch',
      `\tsha256sums = ${'a'.repeat(64)}`,
      '\tsha256sums = SKIP',
      '\tsha256sums = SKIP',
      '\tsha256sums = SKIP',
      '',
      'pkgname = demo',
      '',
    ].join('\n'),
  ),
);

describe('unpinnedSourceFlags', () => {
  it('flags SKIP remote files and VCS sources, not pinned files nor files of the package repo', () => {
    const flags = unpinnedSourceFlags(entries, null);
    expect(flags.map((flag) => [flag.check, flag.severity])).toEqual([
      ['unpinned-source', 'medium'],
      ['unpinned-source', 'medium'],
    ]);
    expect(flags[0]?.reason).toContain('skipped.tar.gz has only SKIP checksums');
    expect(flags[1]?.reason).toContain('demo is a git checkout');
  });

  it('turns into one info flag naming who accepted them', () => {
    const flags = unpinnedSourceFlags(entries, { by: 'rita', note: 'upstream publishes no tarball' });
    expect(flags).toEqual([
      expect.objectContaining({ severity: 'info', reason: expect.stringContaining('accepted by rita: upstream publishes no tarball') }),
    ]);
  });

  it('raises nothing for a fully pinned package', () => {
    expect(unpinnedSourceFlags(entries.slice(0, 1), null)).toEqual([]);
  });
});
