import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidInput } from '../errors.js';
import { canonicalJsonBytes } from './canonical-json.js';
import { TamperedError } from './errors.js';

/**
 * The in-toto Statement v1 (https://in-toto.io/Statement/v1) aurgate signs for every review decision,
 * with a predicate of its own: one predicate type for both decisions, told apart by `decision`, so a
 * policy engine matches one URI and a verifier reads approvals and revocations with one schema.
 */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const REVIEW_PREDICATE_TYPE = 'https://aurgate.dev/attestation/review/v1';

/**
 * A log entry is at most 65535 bytes, and the envelope holds the payload in base64 (4/3 larger) beside
 * a signature and key id: 45,000 payload bytes always fit. Risk flags are dropped from the end until
 * the statement fits, and counted in `riskFlagsOmitted`, never silently lost.
 */
export const MAX_PAYLOAD_BYTES = 45_000;
export const MAX_RISK_FLAGS = 64;
const MAX_REASON_CHARS = 300;
const MAX_NAME_CHARS = 200;
const MAX_PKGNAMES = 64;
const MAX_REVIEWERS = 16;
/** Range ids listed in one statement at most (43 bytes each in JSON); past it, `count` and `sha256` name the range. */
export const MAX_LISTED_RANGE_COMMITS = 800;
const MAX_READMITTED = 32;

export interface ReviewSubject {
  /** `<pkgbase>@<commit>`. */
  name: string;
  digest: {
    /** The snapshot archive (`/snapshot/<pkgbase>/<commit>.tar.gz`); may be absent on a revocation. */
    sha256?: string;
    /** in-toto's digest name for a git commit id. */
    gitCommit: string;
  };
}

export interface ReviewRiskFlag {
  check: string;
  severity: 'high' | 'medium' | 'low' | 'info';
  reason: string;
  file?: string;
  line?: number;
}

export interface ReviewPredicate {
  decision: 'approved' | 'revoked';
  /** ISO 8601: when the revision became approved (the last required approval) or was revoked. */
  decidedAt: string;
  pkgbase: string;
  pkgnames: string[];
  version: string | null;
  /** The diff the reviewers saw: from the last approved commit (null for a package's first revision) to the approved one. */
  reviewedRange: { from: string | null; to: string };
  /** Each reviewer and when they approved; on a revocation, those of the revoked approval. */
  reviewers: Array<{ name: string; approvedAt: string }>;
  policy: { requiredApprovals: number };
  /** The risk flags shown to the reviewers when they decided. */
  riskFlags: ReviewRiskFlag[];
  riskFlagsOmitted: number;
  /** The AUR maintainer of the package when the decision was made. */
  upstreamMaintainer: string | null;
  revocation?: {
    reason: string;
    revokedBy: string;
    /** Set when this revision was revoked because an ancestor commit was. */
    cascadeFrom?: string;
  };
  /**
   * Every commit the approval made servable (the approved one, the commits between it and what was
   * served, and for a first revision its whole history). `commits` lists their ids sorted; when a
   * range is too long for one log entry it lists fewer than `count`, and `sha256` (of the sorted ids,
   * each followed by a newline) still names the range exactly. Absent in entries older than ranges.
   */
  servedRange?: ServedRange;
  /** Rejected or revoked commits of the range an admin let in knowingly, with the reason given. */
  readmitted?: Readmitted[];
}

export interface ServedRange {
  count: number;
  sha256: string;
  commits: string[];
}

export interface Readmitted {
  commit: string;
  state: 'rejected' | 'revoked';
  by: string;
  reason: string | null;
}

export interface ReviewStatement {
  _type: typeof STATEMENT_TYPE;
  subject: [ReviewSubject];
  predicateType: typeof REVIEW_PREDICATE_TYPE;
  predicate: ReviewPredicate;
}

/** What the caller knows at decision time; the builders bound and normalise it. */
export interface DecisionFacts {
  pkgbase: string;
  pkgnames: readonly string[];
  version: string | null;
  commit: string;
  /** sha256 hex of the snapshot archive; required for an approval. */
  archiveSha256: string | null;
  baseCommit: string | null;
  reviewers: ReadonlyArray<{ name: string; approvedAt: Date }>;
  requiredApprovals: number;
  riskFlags: readonly ReviewRiskFlag[];
  upstreamMaintainer: string | null;
  decidedAt: Date;
  /** The ids of every commit the approval makes servable (see ReviewPredicate.servedRange). */
  servedCommits?: readonly string[];
  readmitted?: readonly Readmitted[];
}

const COMMIT = /^[0-9a-f]{40}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** The digest that names a range: sha256 of its sorted ids, each followed by a newline. */
export function rangeDigest(commits: Iterable<string>): string {
  return createHash('sha256')
    .update(
      [...commits]
        .sort()
        .map((commit) => `${commit}\n`)
        .join(''),
    )
    .digest('hex');
}

export function approvalStatement(facts: DecisionFacts): ReviewStatement {
  if (!facts.archiveSha256) throw new TypeError('an approval attests the snapshot archive: its sha256 is required');
  if (!facts.servedCommits?.includes(facts.commit)) throw new TypeError('an approval names the range it makes servable, its own commit included');
  return statement(facts, { decision: 'approved' });
}

export function revocationStatement(facts: DecisionFacts, revocation: { reason: string; revokedBy: string; cascadeFrom?: string }): ReviewStatement {
  if (!revocation.reason.trim()) throw new TypeError('a revocation needs a reason');
  const bounded = { reason: clip(revocation.reason, 2000), revokedBy: clip(revocation.revokedBy, MAX_NAME_CHARS) };
  return statement(facts, {
    decision: 'revoked',
    revocation: revocation.cascadeFrom ? { ...bounded, cascadeFrom: revocation.cascadeFrom } : bounded,
  });
}

/** The payload bytes that are signed: the statement's canonical JSON. */
export function statementPayload(statement: ReviewStatement): Buffer {
  return canonicalJsonBytes(statement);
}

function statement(facts: DecisionFacts, decision: Pick<ReviewPredicate, 'decision' | 'revocation'>): ReviewStatement {
  if (!COMMIT.test(facts.commit)) throw new TypeError(`not a commit id: ${facts.commit}`);
  if (facts.baseCommit !== null && !COMMIT.test(facts.baseCommit)) throw new TypeError(`not a commit id: ${facts.baseCommit}`);
  if (facts.archiveSha256 !== null && !SHA256.test(facts.archiveSha256)) throw new TypeError(`not a sha256: ${facts.archiveSha256}`);
  const digest = facts.archiveSha256 ? { sha256: facts.archiveSha256, gitCommit: facts.commit } : { gitCommit: facts.commit };
  const flags = facts.riskFlags.slice(0, MAX_RISK_FLAGS).map(boundFlag);
  const range = facts.servedCommits ? [...new Set(facts.servedCommits)].sort() : null;
  for (const commit of range ?? []) if (!COMMIT.test(commit)) throw new TypeError(`not a commit id: ${commit}`);
  const listed = range?.slice(0, MAX_LISTED_RANGE_COMMITS) ?? [];
  const extra = {
    ...(range ? { servedRange: { count: range.length, sha256: rangeDigest(range), commits: listed } } : {}),
    ...(facts.readmitted?.length
      ? {
          readmitted: facts.readmitted.slice(0, MAX_READMITTED).map((entry) => ({
            commit: entry.commit,
            state: entry.state,
            by: clip(entry.by, MAX_NAME_CHARS),
            reason: entry.reason === null ? null : clip(entry.reason, MAX_REASON_CHARS),
          })),
        }
      : {}),
  };
  const build = (kept: ReviewRiskFlag[]): ReviewStatement => ({
    _type: STATEMENT_TYPE,
    subject: [{ name: `${facts.pkgbase}@${facts.commit}`, digest }],
    predicateType: REVIEW_PREDICATE_TYPE,
    predicate: {
      ...decision,
      decidedAt: facts.decidedAt.toISOString(),
      pkgbase: facts.pkgbase,
      pkgnames: facts.pkgnames.slice(0, MAX_PKGNAMES).map((name) => clip(name, MAX_NAME_CHARS)),
      version: facts.version === null ? null : clip(facts.version, MAX_NAME_CHARS),
      reviewedRange: { from: facts.baseCommit, to: facts.commit },
      reviewers: facts.reviewers
        .slice(0, MAX_REVIEWERS)
        .map((reviewer) => ({ name: clip(reviewer.name, MAX_NAME_CHARS), approvedAt: reviewer.approvedAt.toISOString() })),
      policy: { requiredApprovals: facts.requiredApprovals },
      riskFlags: kept,
      riskFlagsOmitted: facts.riskFlags.length - kept.length,
      upstreamMaintainer: facts.upstreamMaintainer === null ? null : clip(facts.upstreamMaintainer, MAX_NAME_CHARS),
      ...extra,
    },
  });
  let result = build(flags);
  while (statementPayload(result).length > MAX_PAYLOAD_BYTES && flags.length > 0) {
    // Halving keeps this to a few rounds even when every flag is large.
    flags.length = Math.floor(flags.length / 2);
    result = build(flags);
  }
  // Then the listed range ids: `count` and `sha256` keep naming the whole range.
  while (statementPayload(result).length > MAX_PAYLOAD_BYTES && listed.length > 0) {
    listed.length = Math.floor(listed.length / 2);
    result = build(flags);
  }
  if (statementPayload(result).length > MAX_PAYLOAD_BYTES) {
    throw new InvalidInput(`the review statement of ${facts.pkgbase} does not fit in a log entry even without risk flags`, {
      pkgbase: facts.pkgbase,
    });
  }
  return result;
}

function boundFlag(flag: ReviewRiskFlag): ReviewRiskFlag {
  return {
    check: clip(flag.check, MAX_NAME_CHARS),
    severity: flag.severity,
    reason: clip(flag.reason, MAX_REASON_CHARS),
    ...(flag.file === undefined ? {} : { file: clip(flag.file, MAX_NAME_CHARS) }),
    ...(flag.line === undefined ? {} : { line: flag.line }),
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const isoTime = z.string().datetime({ offset: false });
const statementSchema = z.object({
  _type: z.literal(STATEMENT_TYPE),
  subject: z
    .array(z.object({ name: z.string(), digest: z.object({ sha256: z.string().regex(SHA256).optional(), gitCommit: z.string().regex(COMMIT) }) }))
    .length(1),
  predicateType: z.literal(REVIEW_PREDICATE_TYPE),
  predicate: z.object({
    decision: z.enum(['approved', 'revoked']),
    decidedAt: isoTime,
    pkgbase: z.string().min(1),
    pkgnames: z.array(z.string()),
    version: z.string().nullable(),
    reviewedRange: z.object({ from: z.string().regex(COMMIT).nullable(), to: z.string().regex(COMMIT) }),
    reviewers: z.array(z.object({ name: z.string(), approvedAt: isoTime })),
    policy: z.object({ requiredApprovals: z.number().int().min(1) }),
    riskFlags: z.array(
      z.object({
        check: z.string(),
        severity: z.enum(['high', 'medium', 'low', 'info']),
        reason: z.string(),
        file: z.string().optional(),
        line: z.number().int().optional(),
      }),
    ),
    riskFlagsOmitted: z.number().int().min(0),
    upstreamMaintainer: z.string().nullable(),
    revocation: z.object({ reason: z.string(), revokedBy: z.string(), cascadeFrom: z.string().regex(COMMIT).optional() }).optional(),
    servedRange: z
      .object({ count: z.number().int().min(1), sha256: z.string().regex(SHA256), commits: z.array(z.string().regex(COMMIT)) })
      .optional(),
    readmitted: z
      .array(z.object({ commit: z.string().regex(COMMIT), state: z.enum(['rejected', 'revoked']), by: z.string(), reason: z.string().nullable() }))
      .optional(),
  }),
});

/**
 * Reads a verified payload as a review statement and checks it is self-consistent (subject name and
 * range match, an approval names its archive, a revocation says why). Call only on a payload whose
 * signature verified.
 */
export function parseReviewStatement(payload: Uint8Array): ReviewStatement {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw malformed('the payload is not JSON');
  }
  const parsed = statementSchema.safeParse(json);
  if (!parsed.success) throw malformed(`${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'unexpected shape'}`);
  const result = parsed.data as ReviewStatement;
  const [subject] = result.subject;
  const { predicate } = result;
  if (subject.name !== `${predicate.pkgbase}@${subject.digest.gitCommit}` || predicate.reviewedRange.to !== subject.digest.gitCommit) {
    throw malformed('the subject does not name the predicate’s package and commit');
  }
  if (predicate.decision === 'approved' && (!subject.digest.sha256 || predicate.revocation))
    throw malformed('an approval must name its archive and carry no revocation');
  if (predicate.decision === 'revoked' && !predicate.revocation) throw malformed('a revocation must say why and by whom');
  const range = predicate.servedRange;
  if (range) {
    const sorted = range.commits.every((commit, i) => i === 0 || (range.commits[i - 1] ?? '') < commit);
    if (!sorted || range.commits.length > range.count) throw malformed('the served range must list distinct sorted ids, no more than its count');
    if (range.commits.length === range.count && (rangeDigest(range.commits) !== range.sha256 || !range.commits.includes(subject.digest.gitCommit)))
      throw malformed('the served range does not match its digest or does not contain the approved commit');
  }
  return result;
}

function malformed(why: string): TamperedError {
  return new TamperedError('malformed', `malformed review statement: ${why}`);
}
