import type { Command } from 'commander';
import { NotFound } from '../errors.js';
import { getPendingRevision, listPendingRevisions, type Revision } from '../quarantine/revisions.js';
import { revisionDiff } from '../review/diff.js';
import { assertPackageName } from '../srcinfo/names.js';
import { cliActor, withAurgate } from './context.js';
import { formatAge, printJson, table } from './output.js';

function pendingSummary(revision: Revision): Record<string, unknown> {
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
  };
}

export function registerReviewCommands(program: Command): void {
  program
    .command('pending')
    .description('revisions awaiting review, oldest first')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      withAurgate((app) => {
        const pending = listPendingRevisions(app.db);
        if (options.json) return printJson(pending.map(pendingSummary));
        if (pending.length === 0) return void process.stdout.write('nothing is awaiting review\n');
        const rows = pending.map((revision) => {
          const notes = [revision.baseCommit ? `since ${revision.baseCommit.slice(0, 12)}` : 'first revision'];
          if (revision.historyRewritten) notes.push('HISTORY REWRITTEN');
          if (revision.srcinfoError) notes.push('MALFORMED .SRCINFO');
          return [revision.pkgbase, revision.commit, revision.version ?? '?', formatAge(revision.recordedAt), notes.join(', ')];
        });
        process.stdout.write(`${table([['PKGBASE', 'COMMIT', 'VERSION', 'AGE', 'NOTES'], ...rows])}\n`);
      }),
    );

  program
    .command('diff')
    .description('the diff a reviewer must read: last approved revision → pending (whole files for a first revision)')
    .argument('<pkgbase>')
    .option('--stat', 'only the changed files')
    .action(async (pkgbase: string, options: { stat?: boolean }) =>
      withAurgate(async (app) => {
        const name = assertPackageName(pkgbase, 'pkgbase');
        const pending = getPendingRevision(app.db, name);
        if (!pending) throw new NotFound(`${name} has no pending revision`, { pkgbase: name });
        process.stdout.write(`# ${name}: ${pending.baseCommit ?? '(nothing approved yet)'} → ${pending.commit}\n`);
        for (const commit of pending.commits) process.stdout.write(`#   ${commit.id.slice(0, 12)} ${commit.authorName}: ${commit.subject}\n`);
        if (pending.historyRewritten)
          process.stdout.write('# WARNING: upstream history was rewritten (force-push); the diff is against the last approved tree\n');
        if (pending.srcinfoError) process.stdout.write(`# WARNING: ${pending.srcinfoError}\n`);
        process.stdout.write(await revisionDiff(app.mirror.repoPath(name), pending.baseCommit, pending.commit, { stat: options.stat ?? false }));
      }),
    );

  program
    .command('approve')
    .description('approve exactly the pending commit you reviewed; it is served at once')
    .argument('<pkgbase>')
    .requiredOption('--commit <sha>', 'the pending commit you reviewed')
    .requiredOption('--reviewer <name>', 'who approves')
    .option('--comment <text>', 'a note for the audit log')
    .action(async (pkgbase: string, options: { commit: string; reviewer: string; comment?: string }) =>
      withAurgate(async (app) => {
        const result = await app.approve({ pkgbase, commit: options.commit, reviewer: options.reviewer, note: options.comment });
        const { revision } = result;
        process.stdout.write(
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
    .requiredOption('--reviewer <name>', 'who rejects')
    .requiredOption('--reason <text>', 'why (required, goes into the audit log)')
    .action(async (pkgbase: string, options: { commit: string; reviewer: string; reason: string }) =>
      withAurgate((app) => {
        const revision = app.reject({ pkgbase, commit: options.commit, reviewer: options.reviewer, note: options.reason });
        process.stdout.write(`rejected ${revision.pkgbase} ${revision.commit}\n`);
      }),
    );

  program
    .command('revoke')
    .description('withdraw an approved commit: it stops being served and leaves the served repo')
    .argument('<pkgbase>')
    .requiredOption('--commit <sha>', 'the approved commit to revoke')
    .requiredOption('--reason <text>', 'why (required, goes into the audit log)')
    .option('--by <name>', 'who revokes', cliActor())
    .action(async (pkgbase: string, options: { commit: string; reason: string; by: string }) =>
      withAurgate(async (app) => {
        const revoked = await app.revoke({ pkgbase, commit: options.commit, reviewer: options.by, note: options.reason });
        for (const revision of revoked) process.stdout.write(`revoked ${revision.pkgbase} ${revision.commit} (${revision.decisionNote ?? ''})\n`);
      }),
    );
}
