import { LRUCache } from 'lru-cache';
import type { AppDeps } from './deps.js';
import { NotFound } from '../errors.js';
import { listTree } from '../git/history.js';
import { getPackage, type PackageRecord } from '../quarantine/packages.js';
import { readPolicy } from '../quarantine/policy.js';
import { servableRange, type RangeCommit, type ServableRange } from '../quarantine/servable-range.js';
import { getPendingRevision, getRevision, getServedRevision, listRevisions, recordClassification, type Revision } from '../quarantine/revisions.js';
import { reviewDiffOutput } from '../git/diff.js';
import { parseReviewDiff, type ReviewFile } from '../review/diff.js';
import type { RiskFlag } from '../review/risk/index.js';
import { annotateReview, lineKey, linesOutsideDiff, newSideRows, type Annotations } from '../review/annotate.js';
import type { Classification } from '../review/classify.js';
import { readObjects } from '../git/batch.js';
import { assertPackageName, isValidPackageName } from '../srcinfo/names.js';
import { listApprovals, type Approval } from '../quarantine/approvals.js';
import { compareMeta, type MetaComparison } from '../review/meta-changes.js';
import { assessChange, type Assessment } from './assess.js';
import { latestSignalId } from '../sync/signal-store.js';
import { getAcceptance } from '../sources/records.js';
import { loadFile, type FileContent } from './revision-files.js';

/** Diffs beyond this are listed by file but not rendered inline (the per-file view still works). */
const MAX_RENDERED_DIFF_BYTES = 1_500_000;
const FLAG_CACHE_MS = 10 * 60_000;
const FLAG_CACHE_ENTRIES = 500;
const FLAG_CACHE_BYTES = 4 * 1024 * 1024;
/** A flagged line outside the diff is read from its file only up to this size (the risk checks read no more). */
const MAX_LINE_SOURCE_BYTES = 2 * 1024 * 1024;

/** Roughly what a revision's assessment holds in memory: its strings (two bytes a character) and a little per object. */
function assessmentSize({ flags, classification }: Assessment): number {
  const flagBytes = flags.reduce((bytes, flag) => bytes + 64 + 2 * (flag.check.length + flag.reason.length + (flag.file?.length ?? 0)), 64);
  return (
    flagBytes + (classification?.changes ?? []).reduce((bytes, change) => bytes + 64 + 2 * (change.text.length + (change.file?.length ?? 0)), 64)
  );
}

export interface ReviewModel {
  pkg: PackageRecord;
  revision: Revision;
  /** The last approved revision the diff starts from; null for a first revision. */
  base: Revision | null;
  diff: { text: string; files: ReviewFile[]; tooLarge: boolean };
  flags: RiskFlag[];
  /** The class of the change and the condensed semantic change; null when the analysis failed. */
  classification: Classification | null;
  /** Each flag anchored in the diff, and decoded payloads beside their rows. */
  annotations: Annotations;
  /** Commits strictly between base and candidate, and how many were analysed one by one. */
  intermediate: Assessment['intermediate'];
  meta: MetaComparison;
  approvals: Approval[];
  requiredApprovals: number;
  /** The commit served now (null when nothing is): the page says whether the base is it. */
  servedCommit: string | null;
  /**
   * Every commit approving makes servable, each with its state and its own flags; a rejected or
   * revoked one not yet re-admitted bars a plain approval.
   */
  range: ServableRange;
  rangeEntries: RangeEntry[];
}

/** A commit of the range with the flags found in its own tree (the candidate's: those of the endpoint). */
export interface RangeEntry extends RangeCommit {
  flags: RiskFlag[];
}

/** Puts each flag beside the commit it was found in; flags without a commit belong to the candidate. */
export function rangeEntries(range: ServableRange, flags: readonly RiskFlag[]): RangeEntry[] {
  return range.commits.map((entry) => ({
    ...entry,
    flags: flags.filter((flag) => (flag.commit === undefined ? entry.state === 'candidate' : flag.commit === entry.commit)),
  }));
}

export interface FileView {
  revision: Revision;
  which: 'candidate' | 'base';
  commit: string;
  file: FileContent;
  flags: RiskFlag[];
}

/**
 * Everything a reviewer looks at for one pending revision: the diff from the last approved commit,
 * the risk flags over both trees (read from the quarantined mirror repo, never from the served one),
 * the upstream metadata comparison and the approvals so far.
 */
export class ReviewService {
  private readonly cache = new LRUCache<string, Assessment>({
    max: FLAG_CACHE_ENTRIES,
    maxSize: FLAG_CACHE_BYTES,
    ttl: FLAG_CACHE_MS,
    sizeCalculation: (assessment, key) => assessmentSize(assessment) + key.length * 2,
  });

  constructor(private readonly app: Pick<AppDeps, 'db' | 'mirror' | 'logger'>) {}

  pendingRevision(pkgbase: string): Revision {
    const name = assertPackageName(pkgbase, 'pkgbase');
    const revision = getPendingRevision(this.app.db, name);
    if (!revision) throw new NotFound(`${name} has no revision awaiting review`, { pkgbase: name });
    return revision;
  }

  /** The pending revision of a package, or null (also for a name that is not a package name). */
  currentPending(pkgbase: string): Revision | null {
    return isValidPackageName(pkgbase) ? getPendingRevision(this.app.db, pkgbase) : null;
  }

  async review(pkgbase: string): Promise<ReviewModel> {
    const revision = this.pendingRevision(pkgbase);
    const pkg = getPackage(this.app.db, revision.pkgbase);
    if (!pkg) throw new NotFound(`unknown package ${revision.pkgbase}`, { pkgbase: revision.pkgbase });
    const base = this.baseOf(revision);
    const { text, files } = parseReviewDiff(
      await reviewDiffOutput(this.app.mirror.repoPath(revision.pkgbase), base?.commit ?? null, revision.commit),
    );
    const tooLarge = Buffer.byteLength(text) > MAX_RENDERED_DIFF_BYTES;
    const assessment = await this.assessment(revision);
    const range = await servableRange(this.app.db, this.app.mirror.repoPath(revision.pkgbase), revision);
    const between = listRevisions(this.app.db, revision.pkgbase)
      .filter((other) => other.id < revision.id && (base === null || other.id > base.id) && other.upstreamMeta !== null)
      .reverse()
      .flatMap((other) => (other.upstreamMeta ? [other.upstreamMeta] : []));
    return {
      pkg,
      revision,
      base,
      diff: { text, files, tooLarge },
      flags: assessment.flags,
      classification: assessment.classification,
      annotations: await this.annotations(revision, files, assessment.flags),
      intermediate: assessment.intermediate,
      meta: compareMeta(base?.upstreamMeta ?? null, between, revision.upstreamMeta),
      approvals: listApprovals(this.app.db, revision.id),
      requiredApprovals: readPolicy(this.app.db).requiredApprovals,
      servedCommit: getServedRevision(this.app.db, revision.pkgbase)?.commit ?? null,
      range,
      rangeEntries: rangeEntries(range, assessment.flags),
    };
  }

  /**
   * Risk flags and class of a revision, cached for a few minutes (the only time-dependent check,
   * young-revision, tolerates that): the review page, the queue and notifications all ask for them.
   * A class that differs from the recorded one (a new revision, or one re-based since) is recorded
   * with an audit row, so what reviewers see is what the audit log says they saw.
   */
  async assessment(revision: Revision): Promise<Assessment> {
    // Keyed on the package's newest signal too: an adoption wave or IOC hit found later shows at once.
    // And on an acceptance of unpinned sources, which turns their flags into one info flag.
    const accepted = getAcceptance(this.app.db, revision.pkgbase, revision.commit)?.acceptedAt ?? 0;
    const key = `${revision.id}:${revision.baseCommit ?? ''}:${latestSignalId(this.app.db, revision.pkgbase)}:${accepted}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const assessment = await assessChange(this.app, revision);
    const { classification } = assessment;
    if (classification && revision.state === 'pending')
      recordClassification(this.app.db, revision, {
        class: classification.class,
        classes: classification.classes,
        base: assessment.base,
        changes: classification.changes,
      });
    this.cache.set(key, assessment);
    return assessment;
  }

  /** The risk flags alone (see assessment). */
  async flags(revision: Revision): Promise<RiskFlag[]> {
    return (await this.assessment(revision)).flags;
  }

  /** Flags anchored in the diff; flagged lines the diff does not show are read from their commit. */
  private async annotations(revision: Revision, files: ReviewModel['diff']['files'], flags: readonly RiskFlag[]): Promise<Annotations> {
    const wanted = linesOutsideDiff(flags, newSideRows(files)).filter((entry) => !entry.file.includes('\n'));
    const specs = [...new Set(wanted.map((entry) => `${entry.commit ?? revision.commit}:${entry.file}`))];
    const objects = await readObjects(this.app.mirror.repoPath(revision.pkgbase), specs, { maxObjectBytes: MAX_LINE_SOURCE_BYTES });
    const texts = new Map(objects.map((object) => [object.spec, object.data?.toString('utf8').split('\n') ?? null]));
    const outside = new Map<string, string>();
    for (const entry of wanted) {
      const line = texts.get(`${entry.commit ?? revision.commit}:${entry.file}`)?.[entry.line - 1];
      if (line !== undefined) outside.set(lineKey(entry.commit, entry.file, entry.line), line);
    }
    return annotateReview(files, flags, outside);
  }

  /** One file of the pending revision (or of its base) with line numbers, for links from flags. */
  async file(pkgbase: string, which: 'candidate' | 'base', path: string): Promise<FileView> {
    const revision = this.pendingRevision(pkgbase);
    const commit = which === 'base' ? revision.baseCommit : revision.commit;
    if (!commit) throw new NotFound(`${revision.pkgbase} has no approved revision to compare with`, { pkgbase: revision.pkgbase });
    const repo = this.app.mirror.repoPath(revision.pkgbase);
    // The path is only compared with the tree listing; git is handed the blob id found there.
    const entry = (await listTree(repo, commit)).find((candidate) => candidate.type === 'blob' && candidate.path === path);
    const file = entry ? await loadFile(repo, entry) : null;
    if (!file)
      throw new NotFound(`${revision.pkgbase} has no file ${JSON.stringify(path.slice(0, 200))} in ${commit.slice(0, 12)}`, {
        pkgbase: revision.pkgbase,
      });
    const flags = which === 'candidate' ? (await this.flags(revision)).filter((flag) => flag.file === path) : [];
    return { revision, which, commit, file, flags };
  }

  private baseOf(revision: Revision): Revision | null {
    return revision.baseCommit ? getRevision(this.app.db, revision.pkgbase, revision.baseCommit) : null;
  }
}
