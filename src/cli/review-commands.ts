import type { Command } from 'commander';
import { InvalidInput, NotFound } from '../errors.js';
import type { Aurgate } from '../compose.js';
import { reviewQueue } from '../app/overview.js';
import { QUEUE_SORTS, type QueueSort } from '../app/queue-sort.js';
import type { ReviewModel } from '../app/review.js';
import { annotatedDiff, maintainerChanges, pendingText, reviewHeader, type PendingRow } from './review-view.js';
import { termSafe, terminalOf, writePaged } from './terminal.js';
import { barredMessage } from '../quarantine/decisions.js';
import { barredCommits, blockingCommits, type ServableRange } from '../quarantine/servable-range.js';
import { blockedInHistoryJson, rangeJson } from '../app/range-json.js';
import type { RiskFlag } from '../review/risk/index.js';
import { getPendingRevision, type Revision } from '../quarantine/revisions.js';
import { revisionDiff } from '../git/diff.js';
import { assertPackageName } from '../srcinfo/names.js';
import { withAurgate } from './context.js';
import { authenticateCli } from './credentials.js';
import { formatTime, printJson } from './output.js';
import type { CliIo } from './io.js';

function pendingSummary(revision: Revision, range: ServableRange | null, flags: readonly RiskFlag[]): Record<string, unknown> {
  return {
    pkgbase: revision.pkgbase,
    commit: revision.commit,
    version: revision.version,
    base: revision.baseCommit,
    commits: revision.commits.length,
    historyRewritten: revision.historyRewritten,
    srcinfoError: revision.srcinfoError,
    maintainer: revision.upstreamMeta?.Maintainer ?? null,
    recordedAt: revision.recordedAt,
    // Rejected and revoked commits in its range; approving needs an admin's --readmit for each one still barred.
    revokedInHistory: range ? blockedInHistoryJson(range, 'revoked') : [],
    rejectedInHistory: range ? blockedInHistoryJson(range, 'rejected') : [],
    // Every commit approving makes servable, each with its state and its own flags.
    range: range ? rangeJson(range, flags) : [],
    approvable: range ? barredCommits(range).length === 0 : false,
  };
}

/** One line per rejected or revoked commit in a pending revision's range, and what to do about it. */
function blockedLines(pending: Revision, range: ServableRange): string {
  const blocking = blockingCommits(range);
  if (blocking.length === 0) return '';
  const lines = blocking.map(
    (entry) =>
      `# ${entry.state.toUpperCase()} in history: ${entry.commit} (${termSafe(entry.version ?? '?')}) ${entry.state} by ${termSafe(entry.decidedBy ?? '?')} at ${formatTime(entry.decidedAt)}: ${termSafe(entry.reason ?? '')}` +
      (entry.readmittedAt ? ` — re-admitted by ${termSafe(entry.readmittedBy ?? '?')} at ${formatTime(entry.readmittedAt)}` : ''),
  );
  const barred = barredCommits(range);
  if (barred.length > 0) lines.push(`# ${termSafe(barredMessage(pending, barred))}`);
  return `${lines.join('\n')}\n`;
}

/** The queue for the terminal: each entry with its full assessment (cached) and revoked history. */
async function pendingRows(app: Aurgate, sort: QueueSort): Promise<PendingRow[]> {
  const rows: PendingRow[] = [];
  for (const entry of await reviewQueue(app, app.reviews, sort)) {
    const revision = entry.revision;
    const range = await app.servableRangeOf(revision.pkgbase);
    const notes = [revision.baseCommit ? `since ${revision.baseCommit.slice(0, 12)}` : 'first revision'];
    if (revision.historyRewritten) notes.push('HISTORY REWRITTEN');
    if (revision.srcinfoError) notes.push('MALFORMED .SRCINFO');
    if (maintainerChanges(entry.classification).length > 0) notes.push('MAINTAINER CHANGED');
    const intermediate = (range?.commits.length ?? 1) - 1;
    if (intermediate > 0) notes.push(`APPROVES ${intermediate} MORE COMMIT${intermediate === 1 ? '' : 'S'}`);
    for (const state of ['rejected', 'revoked'] as const) {
      const barred = range ? barredCommits(range).filter((item) => item.state === state) : [];
      if (barred.length > 0) notes.push(`${state.toUpperCase()} IN HISTORY: ${barred.map((item) => item.commit.slice(0, 12)).join(' ')}`);
    }
    rows.push({ entry, assessment: await app.reviews.assessment(revision), range, notes });
  }
  return rows;
}

function parseCliSort(value: string): QueueSort {
  const sort = QUEUE_SORTS.find((known) => known === value);
  if (!sort) throw new InvalidInput(`--sort must be one of ${QUEUE_SORTS.join(', ')}, got ${JSON.stringify(value.slice(0, 40))}`);
  return sort;
}

function pendingJson({ entry, assessment, range }: PendingRow): Record<string, unknown> {
  return {
    ...pendingSummary(entry.revision, range, assessment.flags),
    committedAt: entry.revision.committer.date * 1000,
    class: entry.classification?.class ?? null,
    classes: entry.classification?.classes ?? [],
    changes: entry.classification?.changes ?? [],
    maintainerChange: maintainerChanges(entry.classification),
    flagCounts: entry.flags,
    flags: assessment.flags,
    intermediateCommits: assessment.intermediate,
    approvals: entry.approvals,
    requiredApprovals: entry.required,
    batchable: entry.batchable,
  };
}

function diffJson(model: ReviewModel, diff: string): Record<string, unknown> {
  return {
    ...pendingSummary(model.revision, model.range, model.flags),
    committedAt: model.revision.committer.date * 1000,
    baseState:
      model.base === null ? null : model.base.state === 'revoked' ? 'revoked' : model.base.commit === model.servedCommit ? 'served' : 'approved',
    class: model.classification?.class ?? null,
    classes: model.classification?.classes ?? [],
    changes: model.classification?.changes ?? [],
    maintainerChange: maintainerChanges(model.classification),
    upstream: model.meta,
    flags: model.annotations.flags.map(({ id, flag, inDiff, text, payloads }) => ({ ...flag, id, inDiff, text, payloads })),
    payloadLines: model.annotations.notes.filter((note) => note.payloads.length > 0).map(({ file, line, payloads }) => ({ file, line, payloads })),
    intermediateCommits: model.intermediate,
    commitList: model.revision.commits,
    diff,
  };
}

/** The range approving serves: every commit with its state and the count of its own flags. */
function rangeLines(model: ReviewModel): string {
  const count = model.rangeEntries.length;
  let text = `# approving serves ${count} commit${count === 1 ? '' : 's'}:\n`;
  for (const entry of model.rangeEntries) {
    const flags = entry.flags.filter((flag) => flag.severity !== 'info').length;
    const state = entry.state === 'candidate' ? 'candidate' : entry.state === 'unrecorded' ? 'never reviewed alone' : entry.state.toUpperCase();
    text += `#   ${entry.commit.slice(0, 12)} [${state}]${flags ? ` ${flags} flag${flags === 1 ? '' : 's'}` : ''} ${termSafe(entry.authorName)}: ${termSafe(entry.subject)}\n`;
  }
  return text;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerReviewCommands(program: Command, io: CliIo): void {
  program
    .command('pending')
    .description('revisions awaiting review with their class, flags and maintainer changes (oldest first unless --sort)')
    .option('--json', 'machine-readable output, with every flag and the condensed change')
    .option('--sort <order>', 'risk (most severe first), class (most demanding first) or age (oldest first)', 'age')
    .option('--no-pager', 'never page the output')
    .action(async (options: { json?: boolean; sort: string; pager: boolean }) =>
      withAurgate(io, async (app) => {
        const rows = await pendingRows(app, parseCliSort(options.sort));
        if (options.json) return printJson(io, rows.map(pendingJson));
        if (rows.length === 0) return void io.stdout.write('nothing is awaiting review\n');
        await writePaged(io, pendingText(rows, terminalOf(io)), options.pager);
      }),
    );

  program
    .command('diff')
    .description('the diff a reviewer must read: last approved revision → pending (whole files for a first revision), after its class and flags')
    .argument('<pkgbase>')
    .option('--stat', 'only the changed files')
    .option('--json', 'machine-readable: class, condensed change, flags with decoded payloads, commits and the diff')
    .option('--no-pager', 'never page the output')
    .action(async (pkgbase: string, options: { stat?: boolean; json?: boolean; pager: boolean }) =>
      withAurgate(io, async (app) => {
        const name = assertPackageName(pkgbase, 'pkgbase');
        const pending = getPendingRevision(app.db, name);
        if (!pending) throw new NotFound(`${name} has no pending revision`, { pkgbase: name });
        const model = await app.reviews.review(name);
        const diff = await revisionDiff(app.mirror.repoPath(name), pending.baseCommit, pending.commit, { stat: options.stat ?? false });
        if (options.json) return printJson(io, diffJson(model, diff));
        const term = terminalOf(io);
        const base = model.base;
        const served = model.servedCommit;
        const baseState = !base ? '' : base.state === 'revoked' ? ' (REVOKED: not served)' : base.commit === served ? ' (served now)' : ' (approved)';
        let text = `# ${name}: ${pending.baseCommit ?? '(nothing served)'}${baseState} → ${pending.commit}\n`;
        text += rangeLines(model);
        if (pending.historyRewritten) text += '# WARNING: upstream history was rewritten (force-push); the diff is against the last approved tree\n';
        if (pending.srcinfoError) text += `# WARNING: ${termSafe(pending.srcinfoError)}\n`;
        text += blockedLines(pending, model.range);
        text += reviewHeader(model, term);
        const flags = new Map(model.annotations.flags.map((view) => [view.id, view.flag]));
        // A terminal gets the annotated, coloured diff; a pipe gets the plain patch after the `#` lines.
        text += term.person && !options.stat ? annotatedDiff(diff, model.annotations.notes, flags, term) : term.person ? termSafe(diff) : diff;
        await writePaged(io, text, options.pager);
      }),
    );

  program
    .command('approve')
    .description('approve exactly the pending commit you reviewed; it is served once enough accounts approved')
    .argument('<pkgbase>')
    .requiredOption('--commit <sha>', 'the pending commit you reviewed')
    .option('--reviewer <name>', 'your account (its password is asked for; with AURGATE_TOKEN it must be the token user)')
    .option('--readmit <sha>', 'a rejected or revoked commit in the range to let in knowingly (admins; repeat for each; give --comment)', collect, [])
    .option('--comment <text>', 'a note for the audit log')
    .action(async (pkgbase: string, options: { commit: string; reviewer?: string; readmit: string[]; comment?: string }) =>
      withAurgate(io, async (app) => {
        const need = options.readmit.length > 0 ? 'admin' : 'review';
        const what = options.readmit.length > 0 ? 're-admitting rejected or revoked commits' : 'approving';
        if (options.readmit.length > 0 && !options.comment?.trim())
          io.stderr.write(
            'warning: --readmit without --comment is deprecated: give the reason, it is audited and attested (required for rejected commits)\n',
          );
        const by = await authenticateCli(io, app, { named: options.reviewer, flag: '--reviewer', need, what });
        const result = await app.approve({ pkgbase, commit: options.commit, by, note: options.comment, readmit: options.readmit });
        const { revision } = result;
        if (result.readmitted.length > 0)
          io.stdout.write(`re-admitted ${result.readmitted.join(', ')} into the history of ${revision.pkgbase} ${revision.commit}\n`);
        const others = result.range.filter((commit) => commit !== revision.commit);
        if (others.length > 0)
          io.stdout.write(
            `this approval covers ${others.length} more commit${others.length === 1 ? '' : 's'} it makes servable: ${others.join(' ')}\n`,
          );
        io.stdout.write(
          result.approved
            ? `approved ${revision.pkgbase} ${revision.commit} (${revision.version ?? '?'}); now served\n`
            : `approval recorded for ${revision.pkgbase} ${revision.commit}: ${result.approvals} of ${result.required} required\n`,
        );
      }),
    );

  program
    .command('reject')
    .description('reject the pending commit; it is never served')
    .argument('<pkgbase>')
    .requiredOption('--commit <sha>', 'the pending commit you reviewed')
    .option('--reviewer <name>', 'your account (its password is asked for; with AURGATE_TOKEN it must be the token user)')
    .requiredOption('--reason <text>', 'why (required, goes into the audit log)')
    .action(async (pkgbase: string, options: { commit: string; reviewer?: string; reason: string }) =>
      withAurgate(io, async (app) => {
        const by = await authenticateCli(io, app, { named: options.reviewer, flag: '--reviewer', need: 'review', what: 'rejecting' });
        const revision = app.reject({ pkgbase, commit: options.commit, by, note: options.reason });
        io.stdout.write(`rejected ${revision.pkgbase} ${revision.commit}\n`);
      }),
    );

  program
    .command('revoke')
    .description('withdraw an approved commit: it stops being served and leaves the served repo')
    .argument('<pkgbase>')
    .requiredOption('--commit <sha>', 'the approved commit to revoke')
    .requiredOption('--reason <text>', 'why (required, goes into the audit log)')
    .option('--by <name>', 'your admin account (its password is asked for; with AURGATE_TOKEN it must be the token user)')
    .action(async (pkgbase: string, options: { commit: string; reason: string; by?: string }) =>
      withAurgate(io, async (app) => {
        const by = await authenticateCli(io, app, { named: options.by, flag: '--by', need: 'admin', what: 'revoking' });
        const revoked = await app.revoke({ pkgbase, commit: options.commit, by, note: options.reason });
        for (const revision of revoked) io.stdout.write(`revoked ${revision.pkgbase} ${revision.commit} (${revision.decisionNote ?? ''})\n`);
      }),
    );
}
