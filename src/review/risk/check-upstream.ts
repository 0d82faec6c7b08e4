/**
 * Checks on upstream metadata and timing: maintainer-change and young-revision.
 */

import type { RiskFlag, RiskInput } from './types.js';

/** AUR user names are unique case-insensitively. */
const same = (a: string | null, b: string | null) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/**
 * maintainer-change: the maintainer changed or an orphan was adopted (high), the package was
 * orphaned (medium), the submitter changed (medium; it normally never does), co-maintainers were
 * added (low). Needs metadata of both revisions.
 */
export function checkMaintainerChange(input: RiskInput): RiskFlag[] {
  const prev = input.previousMeta;
  const cand = input.candidateMeta;
  if (!prev || !cand) return [];
  const flags: RiskFlag[] = [];
  const flag = (severity: RiskFlag['severity'], reason: string) => flags.push({ check: 'maintainer-change', severity, reason });
  if (!same(prev.Maintainer, cand.Maintainer)) {
    if (prev.Maintainer === null) flag('high', `The orphaned package was adopted by "${cand.Maintainer}".`);
    else if (cand.Maintainer === null) flag('medium', `The package was orphaned by its maintainer "${prev.Maintainer}".`);
    else {
      const wasCo = prev.CoMaintainers.some((c) => same(c, cand.Maintainer));
      flag('high', `The maintainer changed from "${prev.Maintainer}" to "${cand.Maintainer}"${wasCo ? ' (previously a co-maintainer)' : ''}.`);
    }
  }
  if (!same(prev.Submitter, cand.Submitter)) {
    flag(
      'medium',
      `The submitter changed from "${prev.Submitter ?? 'none'}" to "${cand.Submitter ?? 'none'}", which happens when a package is deleted and resubmitted.`,
    );
  }
  const added = cand.CoMaintainers.filter((c) => !prev.CoMaintainers.some((p) => same(p, c)));
  if (added.length > 0) flag('low', `Co-maintainers were added: ${added.join(', ')}.`);
  return flags;
}

export const HOUR = 3600;
export const DAY = 24 * HOUR;

/**
 * young-revision: the candidate was committed less than 24 h ago (low) or less than 1 h ago, or
 * in the future (medium). Fresh malicious uploads are usually reported within hours.
 */
export function checkYoungRevision(input: RiskInput): RiskFlag[] {
  const age = input.now - input.candidateCommittedAt;
  if (age >= DAY) return [];
  const minutes = Math.floor(age / 60);
  const described =
    age < 0 ? 'in the future (clock skew or a forged date)' : minutes < 120 ? `${minutes} minutes ago` : `${Math.floor(age / HOUR)} hours ago`;
  return [
    {
      check: 'young-revision',
      severity: age < HOUR ? 'medium' : 'low',
      reason: `The candidate was committed ${described}; waiting lets others spot a malicious upload.`,
    },
  ];
}
