import type { UpstreamMeta as RecordedUpstreamMeta } from '../../upstream/rpc-schema.js';

/**
 * Types of the risk analysis. Everything in `src/review/risk/` is pure: the caller loads the two
 * revisions and the upstream metadata, the checks only look at the values passed in.
 */

export type Severity = 'high' | 'medium' | 'low' | 'info';

export interface RiskFlag {
  /** Id of the check that raised the flag (see RISK_CHECKS in index.ts). */
  check: string;
  severity: Severity;
  /** One sentence naming what was found. */
  reason: string;
  file?: string;
  /** 1-based line in the candidate file (in `commit`'s file when that is set). */
  line?: number;
  /** Set when the flag was found in an intermediate commit of the reviewed range, not in the candidate. */
  commit?: string;
}

/** One commit of the reviewed range with its files. */
export interface CommitFiles {
  commit: string;
  files: RevisionFiles;
}

export interface RevisionFile {
  /** File content; null for binary files. */
  text: string | null;
  size: number;
}

export interface RevisionFiles {
  /** path -> file content; binary files have content null and a size */
  files: Map<string, RevisionFile>;
}

/** The upstream metadata fields the checks compare (a view of what sync records with each revision). */
export type UpstreamMeta = Pick<
  RecordedUpstreamMeta,
  'Maintainer' | 'Submitter' | 'CoMaintainers' | 'NumVotes' | 'Popularity' | 'OutOfDate' | 'FirstSubmitted' | 'LastModified'
>;

export interface RiskInput {
  /** last approved revision, null for a package's first revision */
  previous: RevisionFiles | null;
  candidate: RevisionFiles;
  previousMeta: UpstreamMeta | null;
  candidateMeta: UpstreamMeta | null;
  /** commit time of the candidate (epoch seconds) and "now", for the young-revision check */
  candidateCommittedAt: number;
  now: number;
  /**
   * The commits strictly between `previous` and `candidate`, oldest first (optional). Each step is
   * analysed too, and what an intermediate commit added and a later one removed again is reported.
   */
  intermediate?: CommitFiles[];
}

/** Every check has this shape. */
export type RiskCheck = (input: RiskInput) => RiskFlag[];

export const SEVERITY_ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2, info: 3 };

/** The higher of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_ORDER[a] <= SEVERITY_ORDER[b] ? a : b;
}

export const PKGBUILD = 'PKGBUILD';
export const SRCINFO = '.SRCINFO';

/** Text of a file of a revision, or null when the revision, the file or its text is absent. */
export function fileText(rev: RevisionFiles | null, path: string): string | null {
  return rev?.files.get(path)?.text ?? null;
}
