/**
 * Per-commit analysis of the reviewed range. The endpoints (last approved revision and candidate)
 * can hide a commit in between that added a payload and a later commit that removed it again; AUR
 * helpers that fetched in between built it, and it shows what the pusher intended. Every step of
 * the range is analysed with the content checks, and each fact that the endpoint analysis does not
 * also report is returned with the commit it was found in.
 *
 * Checks about the endpoint as a whole are not run per step: metadata and timing (recorded per sync,
 * not per commit), a build change without a version bump and .SRCINFO consistency (routinely fixed
 * by the next commit). Info flags are left out.
 */

import { splitLines } from './lines.js';
import { fileText, type RevisionFiles, type RiskCheck, type RiskFlag, type RiskInput } from './types.js';

const ENDPOINT_ONLY = new Set(['maintainer-change', 'young-revision', 'build-changed-same-version', 'srcinfo-mismatch']);

/** Identity of a fact across commits: the check, the file and the flagged line's text (line numbers move). */
function factKey(flag: RiskFlag, files: RevisionFiles): string {
  if (flag.file === undefined || flag.line === undefined) return `${flag.check}\u0000${flag.reason}`;
  const text = splitLines(fileText(files, flag.file) ?? '')[flag.line - 1]?.trim() ?? '';
  return `${flag.check}\u0000${flag.file}\u0000${text}`;
}

/**
 * Flags found in intermediate commits of `input.intermediate` and not at the endpoint (`endpoint`
 * are the candidate's flags), each once, with `commit` set and the reason saying so.
 */
export function hiddenInIntermediateCommits(
  input: RiskInput,
  endpoint: readonly RiskFlag[],
  checks: ReadonlyArray<{ id: string; run: RiskCheck }>,
  dedupe: (flags: RiskFlag[]) => RiskFlag[] = (f) => f,
): RiskFlag[] {
  const steps = input.intermediate ?? [];
  const seen = new Set(endpoint.map((f) => factKey(f, input.candidate)));
  const content = checks.filter((c) => !ENDPOINT_ONLY.has(c.id));
  const out: RiskFlag[] = [];
  let previous = input.previous;
  for (const step of steps) {
    const stepInput: RiskInput = {
      previous,
      candidate: step.files,
      previousMeta: null,
      candidateMeta: null,
      candidateCommittedAt: input.candidateCommittedAt,
      now: input.now,
    };
    for (const flag of dedupe(content.flatMap((c) => c.run(stepInput)))) {
      if (flag.severity === 'info') continue;
      const key = factKey(flag, step.files);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        ...flag,
        commit: step.commit,
        reason: `In intermediate commit ${step.commit.slice(0, 12)}, removed again before the candidate: ${flag.reason}`,
      });
    }
    previous = step.files;
  }
  return out;
}
