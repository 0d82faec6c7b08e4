import { describe, expect, it } from 'vitest';
import { checkMaintainerChange, checkYoungRevision } from './check-upstream.js';
import { DAY, NOW, brief, meta, riskInput } from './fixtures/helpers.js';
import { fancytool } from './fixtures/packages.js';

const files = fancytool();

describe('maintainer-change', () => {
  it('flags a new maintainer (high)', () => {
    const flags = checkMaintainerChange(riskInput(files, files, { candidateMeta: meta({ Maintainer: 'mallory' }) }));
    expect(brief(flags)).toEqual([{ check: 'maintainer-change', severity: 'high' }]);
    expect(flags[0]!.reason).toContain('"jane" to "mallory"');
  });

  it('flags the adoption of an orphan (high)', () => {
    const flags = checkMaintainerChange(
      riskInput(files, files, { previousMeta: meta({ Maintainer: null }), candidateMeta: meta({ Maintainer: 'mallory' }) }),
    );
    expect(brief(flags)).toEqual([{ check: 'maintainer-change', severity: 'high' }]);
    expect(flags[0]!.reason).toMatch(/orphaned package was adopted by "mallory"/);
  });

  it('mentions a promoted co-maintainer', () => {
    const flags = checkMaintainerChange(
      riskInput(files, files, { previousMeta: meta({ CoMaintainers: ['bob'] }), candidateMeta: meta({ Maintainer: 'bob', CoMaintainers: [] }) }),
    );
    expect(flags[0]).toMatchObject({ severity: 'high', reason: expect.stringContaining('previously a co-maintainer') });
  });

  it('flags a changed submitter (medium) and added co-maintainers (low)', () => {
    const flags = checkMaintainerChange(riskInput(files, files, { candidateMeta: meta({ Submitter: 'eve', CoMaintainers: ['bob', 'carol'] }) }));
    expect(brief(flags)).toEqual([
      { check: 'maintainer-change', severity: 'medium' },
      { check: 'maintainer-change', severity: 'low' },
    ]);
    expect(flags[1]!.reason).toBe('Co-maintainers were added: bob, carol.');
  });

  it('flags orphaning as medium', () => {
    const flags = checkMaintainerChange(riskInput(files, files, { candidateMeta: meta({ Maintainer: null }) }));
    expect(brief(flags)).toEqual([{ check: 'maintainer-change', severity: 'medium' }]);
  });

  it('stays quiet for unchanged metadata, case differences, removed co-maintainers or missing metadata', () => {
    expect(checkMaintainerChange(riskInput(files, files))).toEqual([]);
    expect(checkMaintainerChange(riskInput(files, files, { candidateMeta: meta({ Maintainer: 'Jane', Popularity: 9, NumVotes: 999 }) }))).toEqual([]);
    expect(checkMaintainerChange(riskInput(files, files, { previousMeta: meta({ CoMaintainers: ['bob'] }) }))).toEqual([]);
    expect(checkMaintainerChange(riskInput(files))).toEqual([]); // first revision: no previous metadata
  });
});

describe('young-revision', () => {
  const at = (age: number) => checkYoungRevision(riskInput(files, null, { candidateCommittedAt: NOW - age }));

  it('is medium under an hour, low under a day, silent after', () => {
    expect(brief(at(20 * 60))).toEqual([{ check: 'young-revision', severity: 'medium' }]);
    expect(at(20 * 60)[0]!.reason).toContain('20 minutes ago');
    expect(brief(at(5 * 3600))).toEqual([{ check: 'young-revision', severity: 'low' }]);
    expect(at(5 * 3600)[0]!.reason).toContain('5 hours ago');
    expect(at(DAY)).toEqual([]);
    expect(at(40 * DAY)).toEqual([]);
  });

  it('treats a commit date in the future as medium', () => {
    expect(at(-600)[0]).toMatchObject({ severity: 'medium', reason: expect.stringContaining('in the future') });
  });
});
