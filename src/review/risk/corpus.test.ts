/**
 * Precision and recall on the corpus: ordinary packages (first revisions, version bumps, rebuilds
 * and hand-written updates) must raise no high flag, routine updates must classify as routine, and
 * every malicious update must raise a high flag from a check a careful human would expect.
 * The measured rates are printed (see src/review/risk/README.md).
 */

import { afterAll, describe, expect, it } from 'vitest';
import { classifyRevision } from '../classify.js';
import { BENIGN_UPDATES } from './corpus/benign-updates.js';
import { bumpRelease, bumpVersion, loadCorpus, type Files } from './corpus/load.js';
import { MALICIOUS_UPDATES } from './corpus/malicious.js';
import { meta, revision, riskInput } from './fixtures/helpers.js';
import { analyzeRisk, type RiskFlag } from './index.js';

const corpus = loadCorpus();
const stats = { benign: 0, benignHigh: 0, routine: 0, routineHigh: 0, malicious: 0, detected: 0, flagsPerBenign: 0 };
const highs = (flags: RiskFlag[]) => flags.filter((f) => f.severity === 'high');
const show = (flags: RiskFlag[]) => flags.map((f) => `${f.severity} ${f.check}: ${f.reason}`).join('\n');

function benign(name: string, candidate: Files, previous: Files | null): RiskFlag[] {
  const flags = analyzeRisk(riskInput(candidate, previous));
  stats.benign++;
  stats.flagsPerBenign += flags.filter((f) => f.severity !== 'info').length;
  if (highs(flags).length > 0) stats.benignHigh++;
  return flags;
}

describe('benign corpus', () => {
  it('has at least 40 packages of the common styles', () => {
    expect(corpus.size).toBeGreaterThanOrEqual(40);
    const names = [...corpus.keys()];
    for (const style of [/-bin$/, /-git$/, /-dkms/, /^(?:ttf|otf)-/, /^python-/, /appimage/])
      expect(
        names.some((n) => style.test(n)),
        String(style),
      ).toBe(true);
  });

  it.each([...corpus.keys()])('%s: no high flag on the first revision, a version bump or a rebuild; bumps are routine', (name) => {
    const v1 = corpus.get(name)!;
    const first = benign(name, v1, null);
    expect(highs(first), show(first)).toEqual([]);
    const v2 = bumpVersion(v1);
    const v3 = bumpRelease(v2);
    for (const [from, to] of [
      [v1, v2],
      [v2, v3],
    ] as const) {
      const flags = benign(name, to, from);
      const cls = classifyRevision({ previous: revision(from), candidate: revision(to) });
      expect(cls.class, cls.changes.map((c) => c.text).join('\n')).toBe('routine');
      stats.routine++;
      if (highs(flags).length > 0) stats.routineHigh++;
      expect(highs(flags), show(flags)).toEqual([]);
      expect(
        flags.filter((f) => f.severity === 'medium'),
        show(flags),
      ).toEqual([]);
    }
  });

  it.each(BENIGN_UPDATES.map((u) => [u.pkg, u.what, u] as const))('%s (%s): no high flag, and not routine', (pkg, _what, update) => {
    const before = corpus.get(pkg)!;
    const after = update.apply(before);
    const flags = benign(pkg, after, before);
    expect(highs(flags), show(flags)).toEqual([]);
    expect(classifyRevision({ previous: revision(before), candidate: revision(after) }).class).not.toBe('routine');
  });
});

describe('malicious corpus', () => {
  it.each(MALICIOUS_UPDATES.map((m) => [m.name, m] as const))('%s: flagged high by an expected check', (_name, m) => {
    const before = corpus.get(m.pkg)!;
    const { candidate, intermediate } = m.apply(before);
    const input = riskInput(candidate, before, {
      ...(m.meta ? { previousMeta: meta(m.meta.previous), candidateMeta: meta(m.meta.candidate) } : {}),
      ...(intermediate ? { intermediate: [{ commit: 'f'.repeat(40), files: revision(intermediate) }] } : {}),
    });
    const flags = analyzeRisk(input);
    stats.malicious++;
    const hit = highs(flags).some((f) => m.expect.includes(f.check));
    if (hit) stats.detected++;
    expect(hit, show(flags)).toBe(true);
    // The class describes the endpoint diff; a payload only in an intermediate commit shows up as a flag with its commit.
    if (!intermediate) {
      const metaIn = m.meta ? { previousMeta: meta(m.meta.previous), candidateMeta: meta(m.meta.candidate) } : {};
      expect(classifyRevision({ previous: revision(before), candidate: revision(candidate), ...metaIn }).class).not.toBe('routine');
    }
  });
});

afterAll(() => {
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
  console.info(
    [
      `benign analyses: ${stats.benign} (${corpus.size} packages), with a high flag: ${stats.benignHigh} (${pct(stats.benignHigh, stats.benign)})`,
      `routine updates: ${stats.routine}, with a high flag: ${stats.routineHigh} (${pct(stats.routineHigh, stats.routine)})`,
      `non-info flags per benign analysis: ${(stats.flagsPerBenign / Math.max(1, stats.benign)).toFixed(2)}`,
      `malicious updates: ${stats.malicious}, flagged high by an expected check: ${stats.detected} (${pct(stats.detected, stats.malicious)})`,
    ].join('\n'),
  );
});
