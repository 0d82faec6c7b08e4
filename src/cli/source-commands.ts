import type { Command } from 'commander';
import { EXIT_CODES } from '../error-mapping.js';
import { withAurgate } from './context.js';
import { authenticateCli } from './credentials.js';
import type { CliIo } from './io.js';
import { formatTime, printJson, table } from './output.js';
import { termSafe } from './terminal.js';

/** `aurgate sources fetch|status|gc|accept`: the hermetic source cache (README "Hermetic builds"). */
export function registerSourceCommands(program: Command, io: CliIo): void {
  const sources = program.command('sources').description('the source cache: PKGBUILD sources of approved revisions, verified and served to builds');

  sources
    .command('fetch')
    .description("fetch a revision's sources into the cache now (the served head unless --commit names another)")
    .argument('<pkgbase>')
    .option('--commit <sha>', 'the revision (full id or a prefix of at least 7 hex digits)')
    .action(async (pkgbase: string, options: { commit?: string }) =>
      withAurgate(io, async (app) => {
        const summary = await app.sources.fetchNow(pkgbase, options.commit);
        io.stdout.write(
          `${summary.pkgbase} ${summary.commit}: ${summary.stored} stored, ${summary.local} in the package repo, ${summary.vcs} VCS, ${summary.failed.length} failed\n`,
        );
        for (const failure of summary.failed) io.stdout.write(`FAILED ${termSafe(failure.filename)} (${failure.arch}): ${termSafe(failure.error)}\n`);
        if (summary.failed.length > 0) io.exitCode = EXIT_CODES.failure;
      }),
    );

  sources
    .command('status')
    .description('cache size against its cap, and the recent fetch jobs with their progress and errors')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) =>
      withAurgate(io, (app) => {
        const status = app.sources.status();
        if (options.json) return printJson(io, status);
        io.stdout.write(`${status.blobs} files, ${status.bytes} bytes of ${status.capBytes}\n`);
        if (status.jobs.length === 0) return;
        const rows = status.jobs.map((job) => [
          job.pkgbase,
          job.commit.slice(0, 12),
          job.state,
          `${job.done}/${job.total}`,
          formatTime(job.finishedAt ?? job.startedAt ?? job.queuedAt),
          termSafe(job.error ?? ''),
        ]);
        io.stdout.write(`${table([['PKGBASE', 'COMMIT', 'STATE', 'DONE', 'AT', 'ERROR'], ...rows])}\n`);
      }),
    );

  sources
    .command('gc')
    .description('remove cached sources that no approved revision uses (kept for an hour after they were stored)')
    .action(async () =>
      withAurgate(io, async (app) => {
        const result = await app.sources.gc();
        io.stdout.write(`removed ${result.removed} files (${result.freedBytes} bytes); ${result.kept} kept\n`);
      }),
    );

  sources
    .command('accept')
    .description("accept a revision's unpinned sources (SKIP checksums, VCS) knowingly: audited, and its review flag becomes info")
    .argument('<pkgbase>')
    .requiredOption('--commit <sha>', 'the revision')
    .requiredOption('--note <text>', 'why they are acceptable (goes into the audit log)')
    .option('--reviewer <name>', 'your account (its password is asked for; with AURGATE_TOKEN it must be the token user)')
    .action(async (pkgbase: string, options: { commit: string; note: string; reviewer?: string }) =>
      withAurgate(io, async (app) => {
        const by = await authenticateCli(io, app, {
          named: options.reviewer,
          flag: '--reviewer',
          need: 'review',
          what: 'accepting unpinned sources',
        });
        const accepted = app.sources.acceptUnpinned({ pkgbase, commit: options.commit, by, note: options.note });
        io.stdout.write(`unpinned sources of ${accepted.pkgbase} ${accepted.commit} accepted by ${accepted.acceptedBy}\n`);
      }),
    );
}
