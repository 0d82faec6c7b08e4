import type { Command } from 'commander';
import { decideTakedown, packageSignals, parseTakedownChoice } from '../app/signals.js';
import { withAurgate } from './context.js';
import { authenticateCli } from './credentials.js';
import { formatTime, printJson, table } from './output.js';
import type { CliIo } from './io.js';
import { termSafe } from './terminal.js';

/** `aurgate history` and `aurgate takedown`: the maintainer timeline, the signals and the takedown choice. */
export function registerSignalCommands(program: Command, io: CliIo): void {
  program
    .command('history')
    .description('who maintained a package over time, its signals (adoption waves, takedown, IOC hits) and takedown decisions')
    .argument('<pkgbase>')
    .option('--json', 'machine-readable output')
    .action(async (pkgbase: string, options: { json?: boolean }) =>
      withAurgate(io, (app) => {
        const view = packageSignals(app.db, pkgbase);
        if (options.json) return printJson(io, view);
        const rows = view.ownership.map((row) => [
          formatTime(row.at),
          row.maintainer ?? '(orphan)',
          row.coMaintainers.join(',') || '-',
          row.submitter ?? '-',
        ]);
        io.stdout.write(`${termSafe(table([['SEEN FROM', 'MAINTAINER', 'CO-MAINTAINERS', 'SUBMITTER'], ...rows]))}\n`);
        for (const signal of view.signals)
          io.stdout.write(`${signal.severity.toUpperCase()} ${signal.kind} ${formatTime(signal.at)}: ${termSafe(signal.reason)}\n`);
        if (view.takedown) {
          io.stdout.write(`deleted upstream; served: ${view.takedown.servedCommit ?? 'nothing'}\n`);
          for (const entry of view.takedown.decisions)
            io.stdout.write(`${entry.action} by ${entry.actor} at ${formatTime(entry.at)}: ${termSafe(String(entry.detail?.['reason'] ?? ''))}\n`);
        }
      }),
    );

  program
    .command('takedown')
    .description('decide about a package deleted upstream: keep serving its last approved revision, or withdraw (revoke) it')
    .argument('<pkgbase>')
    .argument('<choice>', 'keep or withdraw')
    .requiredOption('--reason <text>', 'why (required, goes into the audit log)')
    .option('--by <name>', 'your admin account (its password is asked for; with AURGATE_TOKEN it must be the token user)')
    .action(async (pkgbase: string, choice: string, options: { reason: string; by?: string }) => {
      const parsed = parseTakedownChoice(choice);
      await withAurgate(io, async (app) => {
        const by = await authenticateCli(io, app, { named: options.by, flag: '--by', need: 'admin', what: 'deciding a takedown' });
        const result = await decideTakedown(app, { pkgbase, choice: parsed, by, note: options.reason });
        if (result.choice === 'keep') io.stdout.write(`kept ${pkgbase}: still serving ${result.servedCommit ?? 'nothing'}\n`);
        else
          io.stdout.write(`withdrew ${pkgbase}: revoked ${result.revoked.length ? result.revoked.join(', ') : 'nothing (nothing was approved)'}\n`);
      });
    });
}
