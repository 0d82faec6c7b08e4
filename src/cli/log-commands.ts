import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidInput } from '../errors.js';
import { defaultStateFile, RemoteLog } from '../app/log-client.js';
import { describeDecision, watchOnce } from '../app/log-watch.js';
import { withAurgate } from './context.js';
import { printJson } from './output.js';
import type { CliIo } from './io.js';

const MIN_INTERVAL_SECONDS = 5;

export function registerLogCommands(program: Command, io: CliIo): void {
  const log = program.command('log').description('the approval log: check this server’s copy, or witness a remote one');

  log
    .command('verify')
    .description("rescan this server's log: every entry, stored hash and signed checkpoint (exit 8 if anything was changed)")
    .option('--json', 'machine-readable')
    .action(async (options: { json?: boolean }) =>
      withAurgate(io, (app) => {
        const report = app.trust.verifyIntegrity();
        if (options.json) return printJson(io, { origin: app.trust.origin, ...report });
        io.stdout.write(`log ${app.trust.origin} intact: ${report.size} entries, ${report.checkpoints} signed checkpoints\n`);
      }),
    );

  log
    .command('watch')
    .description(
      'follow a remote aurgate’s log: check each new checkpoint’s signature and consistency, report new decisions (exit 8 on a fork or rollback)',
    )
    .argument('<url>', 'the aurgate server (its public URL)')
    .requiredOption('--keys <file>', 'pinned public keys (the text at <url>/.well-known/aurgate/keys, obtained out of band)')
    .option('--state <file>', 'where the last accepted checkpoint is kept (default: $XDG_STATE_HOME/aurgate/<origin>.checkpoint.json)')
    .option('--once', 'one round, then exit (for scripts and cron)')
    .option('--interval <seconds>', 'seconds between polls', '60')
    .option('--timeout <ms>', 'timeout per request', '60000')
    .option('--json', 'one JSON object per round')
    .action(async (url: string, options: { keys: string; state?: string; once?: boolean; interval: string; timeout: string; json?: boolean }) => {
      const interval = Number(options.interval);
      if (!Number.isFinite(interval) || interval < MIN_INTERVAL_SECONDS)
        throw new InvalidInput(`--interval must be at least ${MIN_INTERVAL_SECONDS} seconds`);
      const timeoutMs = Number(options.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 100) throw new InvalidInput('--timeout must be a whole number of milliseconds (at least 100)');
      let keysText: string;
      try {
        keysText = await readFile(options.keys, 'utf8');
      } catch (error) {
        throw new InvalidInput(`cannot read the pinned keys ${options.keys}`, { cause: error });
      }
      const remote = new RemoteLog(url, keysText, { timeoutMs });
      const stateFile = options.state ?? defaultStateFile(remote.origin, io.env);
      for (;;) {
        const round = await watchOnce(remote, stateFile);
        if (options.json)
          printJson(io, {
            origin: remote.origin,
            size: round.checkpoint.size,
            previousSize: round.previous?.size ?? null,
            decisions: round.decisions,
          });
        else {
          for (const decision of round.decisions) io.stdout.write(`${describeDecision(decision)}\n`);
          io.stderr.write(
            `${remote.origin}: ${round.checkpoint.size} entries, consistent with the last checkpoint seen (${round.previous?.size ?? 'none'}), ${round.decisions.length} new\n`,
          );
        }
        if (options.once) return;
        await new Promise((resolve) => setTimeout(resolve, interval * 1000));
      }
    });
}
