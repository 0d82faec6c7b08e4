import type { DecisionFacts } from '../../src/trust/statement.js';

/** A minimal approved decision for tests that sign and log statements without caring what they say. */
export function decisionFacts(overrides: Partial<DecisionFacts> = {}): DecisionFacts {
  return {
    pkgbase: 'hello',
    pkgnames: [overrides.pkgbase ?? 'hello'],
    version: '1-1',
    commit: '1'.repeat(40),
    archiveSha256: 'f'.repeat(64),
    baseCommit: null,
    reviewers: [{ name: 'alice', approvedAt: new Date(0) }],
    requiredApprovals: 1,
    riskFlags: [],
    upstreamMaintainer: null,
    decidedAt: new Date(0),
    servedCommits: [overrides.commit ?? '1'.repeat(40)],
    ...overrides,
  };
}
