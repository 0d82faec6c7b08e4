import { blockedInHistoryJson, rangeJson } from '../../app/range-json.js';
import { barredCommits } from '../../quarantine/servable-range.js';
import type { Revision } from '../../quarantine/revisions.js';
import type { QueueEntry } from '../../app/overview.js';
import type { ReviewModel } from '../../app/review.js';
import type { ReviewFile } from '../../review/diff.js';

/** The JSON shapes of the admin API: stable field names, times in epoch milliseconds. */

export function revisionJson(revision: Revision) {
  return {
    pkgbase: revision.pkgbase,
    commit: revision.commit,
    state: revision.state,
    version: revision.version,
    baseCommit: revision.baseCommit,
    historyRewritten: revision.historyRewritten,
    srcinfoError: revision.srcinfoError,
    recordedAt: revision.recordedAt,
    committedAt: revision.committer.date * 1000,
    decidedAt: revision.decidedAt,
    decidedBy: revision.decidedBy,
    decisionNote: revision.decisionNote,
    commits: revision.commits,
    upstreamMeta: revision.upstreamMeta,
    // The class recorded (and audited) with the revision, with the base it was computed against.
    classification: revision.classification,
  };
}

export function queueEntryJson(entry: QueueEntry) {
  return {
    ...revisionJson(entry.revision),
    flags: entry.flags,
    topFlag: entry.topFlag,
    class: entry.classification?.class ?? null,
    changes: entry.classification?.changes ?? [],
    batchable: entry.batchable,
    approvals: entry.approvals,
    requiredApprovals: entry.required,
  };
}

/** Exact paths: JSON carries any name as it is. */
function fileJson({ path, oldPath, diff }: ReviewFile) {
  const status = diff.isNew ? 'added' : diff.isDeleted ? 'deleted' : diff.isRename ? 'renamed' : diff.isCopy ? 'copied' : 'modified';
  return { path, oldPath, status, binary: diff.isBinary ?? false, added: diff.addedLines, deleted: diff.deletedLines };
}

export function reviewJson(model: ReviewModel, withDiff: boolean) {
  return {
    revision: revisionJson(model.revision),
    base: model.base ? revisionJson(model.base) : null,
    flags: model.flags,
    class: model.classification?.class ?? null,
    classes: model.classification?.classes ?? [],
    changes: model.classification?.changes ?? [],
    intermediateCommits: model.intermediate,
    // Each flag with its anchor id, whether the diff shows its line, the line and decoded payloads.
    flagViews: model.annotations.flags.map(({ id, inDiff, text, payloads }) => ({ id, inDiff, line: text, payloads })),
    payloadLines: model.annotations.notes.filter((note) => note.payloads.length > 0).map(({ file, line, payloads }) => ({ file, line, payloads })),
    files: model.diff.files.map(fileJson),
    upstream: model.meta,
    approvals: model.approvals,
    requiredApprovals: model.requiredApprovals,
    servedCommit: model.servedCommit,
    // Rejected and revoked commits in the range; approve needs `readmit` naming each one still barred.
    revokedInHistory: blockedInHistoryJson(model.range, 'revoked'),
    rejectedInHistory: blockedInHistoryJson(model.range, 'rejected'),
    // Every commit approving makes servable, each with its state and its own flags.
    range: rangeJson(model.range, model.flags),
    approvable: barredCommits(model.range).length === 0,
    ...(withDiff ? { diff: model.diff.text } : {}),
  };
}
