import { describe, expect, it } from 'vitest';
import type { ServedPackage } from '../../store/served-catalog.js';
import { servedPackage } from '../../../test/support/served-package.js';
import { listContent } from './archives.js';

function served(name: string, people: Pick<ServedPackage, 'Maintainer' | 'Submitter' | 'CoMaintainers'>): ServedPackage {
  return servedPackage(name, people);
}

describe('users.gz content', () => {
  it('lists each maintainer, co-maintainer and submitter once, sorted by code point, no header', () => {
    const packages = [
      served('yay', { Maintainer: 'jguer', Submitter: 'jguer', CoMaintainers: [] }),
      served('downgrade', { Maintainer: 'pbrisbin', Submitter: 'someone-else', CoMaintainers: ['atreyasha', 'ShadowKyogre'] }),
      served('cower', { Maintainer: null, Submitter: 'falconindy', CoMaintainers: [] }),
      served('orphan', { Maintainer: null, Submitter: null, CoMaintainers: ['jguer'] }),
    ];
    expect(listContent('users.gz', packages)).toBe('ShadowKyogre\natreyasha\nfalconindy\njguer\npbrisbin\nsomeone-else\n');
  });

  it('is empty when nothing is served', () => {
    expect(listContent('users.gz', [])).toBe('');
  });

  it('leaves out names from upstream that would break the line format', () => {
    const packages = [served('x', { Maintainer: 'evil\nroot', Submitter: 'tab\tname', CoMaintainers: ['', ' ', 'ok', 'nul\0', 'sp ace'] })];
    expect(listContent('users.gz', packages)).toBe('ok\n');
  });
});
