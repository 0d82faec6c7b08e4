import { describe, expect, it } from 'vitest';
import {
  detectAdoptionWaves,
  mergeSignalFlags,
  revisionSignalFlags,
  sameOwnership,
  takeoversOf,
  waveSignal,
  type OwnershipObservation,
  type StoredSignal,
  type Takeover,
} from './signals.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 5, 1);
const settings = { windowMs: 72 * HOUR, threshold: 3 };

function row(pkgbase: string, at: number, maintainer: string | null, previousMaintainer: string | null, firstSeen = false): OwnershipObservation {
  return { pkgbase, at, maintainer, coMaintainers: [], submitter: 'sub', previousMaintainer, firstSeen };
}

describe('ownership', () => {
  it('compares names case-insensitively and co-maintainers as a set', () => {
    const a = { maintainer: 'Alice', coMaintainers: ['x', 'Y'], submitter: 's' };
    expect(sameOwnership(a, { maintainer: 'alice', coMaintainers: ['y', 'X'], submitter: 'S' })).toBe(true);
    expect(sameOwnership(a, { maintainer: 'alice', coMaintainers: ['y'], submitter: 's' })).toBe(false);
    expect(sameOwnership(a, { maintainer: null, coMaintainers: ['x', 'y'], submitter: 's' })).toBe(false);
  });

  it('a first observation is no takeover, nor is orphaning or a change of co-maintainers only', () => {
    const history = [
      row('a', T0, 'alice', null, true),
      row('a', T0 + 1, null, 'alice'),
      row('a', T0 + 2, 'mallory', null),
      row('a', T0 + 3, 'MALLORY', 'mallory'),
    ];
    expect(takeoversOf(history)).toEqual([{ pkgbase: 'a', account: 'mallory', from: null, at: T0 + 2 }]);
  });
});

describe('adoption waves', () => {
  const takeover = (pkgbase: string, account: string, at: number, from: string | null = 'old'): Takeover => ({ pkgbase, account, from, at });

  it('an account taking over the threshold of distinct packages within the window is a wave; fewer is not', () => {
    const now = T0 + 10 * HOUR;
    const waves = detectAdoptionWaves(
      [
        takeover('a', 'mal', T0),
        takeover('b', 'Mal', T0 + HOUR),
        takeover('c', 'mal', T0 + 2 * HOUR),
        takeover('d', 'bob', T0),
        takeover('e', 'bob', T0 + HOUR),
        // The same package twice counts once.
        takeover('d', 'bob', T0 + 2 * HOUR),
      ],
      now,
      settings,
    );
    expect(waves.map((wave) => [wave.account, wave.takeovers.map((t) => t.pkgbase)])).toEqual([['mal', ['a', 'b', 'c']]]);
  });

  it('takeovers outside the window do not count', () => {
    const now = T0 + 100 * HOUR;
    const waves = detectAdoptionWaves(
      [takeover('a', 'mal', T0), takeover('b', 'mal', T0 + 50 * HOUR), takeover('c', 'mal', T0 + 60 * HOUR)],
      now,
      settings,
    );
    expect(waves).toEqual([]);
  });

  it('the signal names the account, how it took this package, the count and the other packages', () => {
    const wave = { account: 'mal', takeovers: [takeover('a', 'mal', T0, null), takeover('b', 'mal', T0), takeover('c', 'mal', T0)] };
    const signal = waveSignal(wave, wave.takeovers[0] as Takeover, settings);
    expect(signal).toMatchObject({ pkgbase: 'a', kind: 'adoption-wave', severity: 'high' });
    expect(signal.reason).toMatch(
      /^"mal" adopted this orphaned package on 2026-06-01 00:00 UTC and adopted or took over 3 mirrored packages within 72 h \(b, c\)/,
    );
    expect(waveSignal(wave, wave.takeovers[1] as Takeover, settings).reason).toContain('took this package over from "old"');
  });
});

describe('revision flags from the timeline', () => {
  const base = { baseRecordedAt: T0, recordedAt: T0 + 10 * HOUR };

  it('orphaned then adopted between the two revisions is one high flag with both dates, even when both ends have a maintainer', () => {
    const history = [row('p', T0 - HOUR, 'alice', null, true), row('p', T0 + HOUR, null, 'alice'), row('p', T0 + 2 * HOUR, 'mallory', null)];
    const flags = revisionSignalFlags(history, [], { ...base, maintainer: 'mallory' });
    expect(flags).toEqual([
      {
        check: 'orphan-adopted',
        severity: 'high',
        reason:
          'The package was orphaned on 2026-06-01 01:00 UTC (maintainer "alice") and adopted by "mallory" on 2026-06-01 02:00 UTC; this is the new maintainer\'s first push.',
      },
    ]);
  });

  it("a new maintainer's first push is high; the next push by the same maintainer is not flagged", () => {
    const history = [row('p', T0 - HOUR, 'alice', null, true), row('p', T0 + HOUR, 'mallory', 'alice')];
    expect(revisionSignalFlags(history, [], { ...base, maintainer: 'mallory' })).toEqual([
      {
        check: 'first-push',
        severity: 'high',
        reason: 'This is the first push since "mallory" took the package over from "alice" on 2026-06-01 01:00 UTC.',
      },
    ]);
    const later = { baseRecordedAt: T0 + 10 * HOUR, recordedAt: T0 + 20 * HOUR, maintainer: 'mallory' };
    expect(revisionSignalFlags(history, [], later)).toEqual([]);
  });

  it('a first revision has no takeover to report, and an unchanged maintainer raises nothing', () => {
    const history = [row('p', T0 - HOUR, 'alice', null, true), row('p', T0 + HOUR, 'mallory', 'alice')];
    expect(revisionSignalFlags(history, [], { baseRecordedAt: null, recordedAt: T0 + 2 * HOUR, maintainer: 'mallory' })).toEqual([]);
    expect(revisionSignalFlags([row('p', T0 - HOUR, 'alice', null, true)], [], { ...base, maintainer: 'alice' })).toEqual([]);
  });

  it('stored signals since the base become flags, each reason once; older ones do not', () => {
    const signal = (at: number, reason: string): StoredSignal => ({
      pkgbase: 'p',
      kind: 'adoption-wave',
      severity: 'high',
      reason,
      commit: null,
      at,
    });
    const flags = revisionSignalFlags(
      [],
      [signal(T0 - HOUR, 'old'), signal(T0 + HOUR, 'wave'), signal(T0 + 2 * HOUR, 'wave'), signal(T0 + 20 * HOUR, 'later')],
      {
        ...base,
        maintainer: 'x',
      },
    );
    expect(flags.map((flag) => flag.reason)).toEqual(['wave', 'later']);
  });

  it("merging drops the endpoint comparison's high maintainer flag only when the timeline tells the same fact", () => {
    const risk = [
      { check: 'maintainer-change', severity: 'high' as const, reason: 'The maintainer changed from "alice" to "mallory".' },
      { check: 'maintainer-change', severity: 'low' as const, reason: 'Co-maintainers were added: x.' },
    ];
    const firstPush = { check: 'first-push', severity: 'high' as const, reason: 'first push' };
    expect(mergeSignalFlags(risk, [firstPush]).map((flag) => flag.reason)).toEqual(['Co-maintainers were added: x.', 'first push']);
    expect(mergeSignalFlags(risk, [])).toEqual(risk);
  });
});
