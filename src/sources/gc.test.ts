import { describe, expect, it } from 'vitest';
import { blobsInUse, fitsCaps, revisionKey, selectGarbage } from './gc.js';

const blob = (name: string, size: number, storedAt: number) => ({ sha256: name.repeat(64).slice(0, 64), size, storedAt });

describe('selectGarbage', () => {
  const a = blob('a', 10, 0);
  const b = blob('b', 20, 0);
  const fresh = blob('c', 40, 950);

  it('removes blobs no approved revision uses, older than the grace period', () => {
    const plan = selectGarbage([a, b, fresh], new Set([a.sha256]), 1000, 100);
    expect(plan.remove).toEqual([b]);
    expect(plan).toMatchObject({ keep: 2, freedBytes: 20 });
  });

  it('keeps everything in use', () => {
    expect(selectGarbage([a, b], new Set([a.sha256, b.sha256]), 1000, 0).remove).toEqual([]);
  });

  it('counts only references of approved revisions as use', () => {
    const refs = [
      { pkgbase: 'p', commit: '1'.repeat(40), sha256: a.sha256 },
      { pkgbase: 'p', commit: '2'.repeat(40), sha256: b.sha256 },
      { pkgbase: 'q', commit: '1'.repeat(40), sha256: b.sha256 },
    ];
    expect([...blobsInUse(refs, new Set([revisionKey('p', '1'.repeat(40))]))]).toEqual([a.sha256]);
    expect([...blobsInUse(refs, new Set([revisionKey('q', '1'.repeat(40))]))]).toEqual([b.sha256]);
  });
});

describe('fitsCaps', () => {
  const caps = { maxFileBytes: 100, maxTotalBytes: 250 };
  it('accepts a file within both caps', () => {
    expect(fitsCaps(100, 150, caps)).toEqual({ ok: true });
  });
  it('refuses a file over the per-file cap or one that overflows the total', () => {
    expect(fitsCaps(101, 0, caps).reason).toMatch(/per-file cap of 100/);
    expect(fitsCaps(60, 200, caps).reason).toMatch(/total cap of 250/);
  });
});
