import type { Command } from 'commander';
import { NotFound } from '../errors.js';
import { barredMessage } from '../quarantine/decisions.js';
import { barredCommits, type RevokedHistory } from '../quarantine/revoked-history.js';
import { getPendingRevision, getRevision, getServedRevision, listPendingRevisions, type Revision } from '../quarantine/revisions.js';
import { revisionDiff } from '../git/diff.js';
import { assertPackageName } from '../srcinfo/names.js';
import { withAurgate } from './context.js';
import { authenticateCli } from './credentials.js';
import { formatAge, formatTime, printJson, table } from './output.js';
import type { CliIo } from './io.js';

function pendingSummary(revision: Revision, revoked: RevokedHistory | null): Record<string, unknown> {
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
    // Revoked commits in its history; approving needs an admin's --readmit for each one still barred.
    revokedInHistory: revoked?.commits ?? [],
  };
}

/** One line per revoked commit in a pending revision's history, and what to do about it. */
function revokedLines(pending: Revision, revoked: RevokedHistory): string {
  if (revoked.commits.length === 0) return '';
  const lines = revoked.commits.map(
    (entry) =>
      `# REVOKED in history: ${entry.commit} (${entry.version ?? '?'}) revoked by ${entry.revokedBy ?? '?'} at ${formatTime(entry.revokedAt)}: ${entry.reason ?? ''}` +
      (entry.readmittedAt ? ` — re-admitted by ${entry.readmittedBy ?? '?'} at ${formatTime(entry.readmittedAt)}` : ''),
  );
  const barred = barredCommits(revoked);
  if (barred.length > 0) lines.push(`# ${barredMessage(pending, barred)}`);
  return `${lines.join('\n')}\n`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerReviewCommands(program: Command, io: CliIo): void {
  program
    .command('pending')
    .description('revisions awaiting review, oldest first')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      withAurgate(io, async (app) => {
        const pending = listPendingRevisions(app.db);
        const revoked = new Map<number, RevokedHistory | null>();
        for (const revision of pending) revoked.set(revision.id, await app.revokedHistoryOf(revision.pkgbase));
        if (options.json)
          return printJson(
            io,
            pending.map((revision) => pendingSummary(revision, revoked.get(revision.id) ?? null)),
          );
        if (pending.length === 0) return void io.stdout.write('nothing is awaiting review\n');
        const rows = pending.map((revision) => {
          const notes = [revision.baseCommit ? `since ${revision.baseCommit.slice(0, 12)}` : 'first revision'];
          if (revision.historyRewritten) notes.push('HISTORY REWRITTEN');
          if (revision.srcinfoError) notes.push('MALFORMED .SRCINFO');
          const barred = barredCommits(revoked.get(revision.id) ?? { revisionId: revision.id, revokedOfPackage: [], commits: [] });
          if (barred.length > 0) notes.push(`REVOKED IN HISTORY: ${barred.map((entry) => entry.commit.slice(0, 12)).join(' ')}`);
          return [revision.pkgbase, revision.commit, revision.version ?? '?', formatAge(revision.recordedAt), notes.join(', ')];
        });
        io.stdout.write(`${table([['PKGBASE', 'COMMIT', 'VERSION', 'AGE', 'NOTES'], ...rows])}\n`);
      }),
    );

  program
    .command('diff')
    .description('the diff a reviewer must read: last approved revision → pending (whole files for a first revision)')
    .argument('<pkgbase>')
    .option('--stat', 'only the changed files')
    .action(async (pkgbase: string, options: { stat?: boolean }) =>
      withAurgate(io, async (app) => {
        const name = assertPackageName(pkgbase, 'pkgbase');
        const pending = getPendingRevision(app.db, name);
        if (!pending) throw new NotFound(`${name} has no pending revision`, { pkgbase: name });
        const base = pending.baseCommit ? getRevision(app.db, name, pending.baseCommit) : null;
        const served = getServedRevision(app.db, name)?.commit ?? null;
        const baseState = !base ? '' : base.state === 'revoked' ? ' (REVOKED: not served)' : base.commit === served ? ' (served now)' : ' (approved)';
        io.stdout.write(`# ${name}: ${pending.baseCommit ?? '(nothing served)'}${baseState} → ${pending.commit}\n`);
        for (const commit of pending.commits) io.stdout.write(`#   ${commit.id.slice(0, 12)} ${commit.authorName}: ${commit.subject}\n`);
        if (pending.historyRewritten)
          io.stdout.write('# WARNING: upstream history was rewritten (force-push); the diff is against the last approved tree\n');
        if (pending.srcinfoError) io.stdout.write(`# WARNING: ${pending.srcinfoError}\n`);
        const revoked = await app.revokedHistoryOf(name);
        if (revoked) io.stdout.write(revokedLines(pending, revoked));
        io.stdout.write(await revisionDiff(app.mirror.repoPath(name), pending.baseCommit, pending.commit, { stat: options.stat ?? false }));
      }),
    );

  program
    .command('approve')
    .description('approve exactly the pending commit you reviewed; it is served once enough accounts approved')
    .argument('<pkgbase>')
    .requiredOption('--commit <sha>', 'the pending commit you reviewed')
    .option('--reviewer <name>', 'your account (its password is asked for; with AURGATE_TOKEN it must be the token user)')
    .option('--readmit <sha>', 'a revoked commit in the history to let back in knowingly (admins; repeat for each)', collect, [])
    .option('--comment <text>', 'a note for the audit log')
    .action(async (pkgbase: string, options: { commit: string; reviewer?: string; readmit: string[]; comment?: string }) =>
      withAurgate(io, async (app) => {
        const need = options.readmit.length > 0 ? 'admin' : 'review';
        const what = options.readmit.length > 0 ? 're-admitting revoked commits' : 'approving';
        const by = await authenticateCli(io, app, { named: options.reviewer, flag: '--reviewer', need, what });
        const result = await app.approve({ pkgbase, commit: options.commit, by, note: options.comment, readmit: options.readmit });
        const { revision } = result;
        if (result.readmitted.length > 0)
          io.stdout.write(`re-admitted ${result.readmitted.join(', ')} into the history of ${revision.pkgbase} ${revision.commit}\n`);
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
