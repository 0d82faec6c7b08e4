import type { Command } from 'commander';
import { logConfigWarnings, readConfig } from '../config.js';
import { EXIT_CODES } from '../error-mapping.js';
import { InvalidInput } from '../errors.js';
import { createLogger } from '../log.js';
import { createBackup } from '../app/backup.js';
import { restoreBackup } from '../app/restore.js';
import { withAurgate } from './context.js';
import { printJson } from './output.js';
import type { CliIo } from './io.js';

export function registerOpsCommands(program: Command, io: CliIo): void {
  program
    .command('backup')
    .description('copy the database (online), mirror and served repos and snapshot archives into an empty directory; safe while aurgate runs')
    .argument('<dir>', 'a new or empty directory')
    .option('--wait <seconds>', 'how long to wait for a running sync or publish to finish', '600')
    .option('--json', 'print the manifest as JSON')
    .action(async (dir: string, options: { wait: string; json?: boolean }) =>
      withAurgate(io, async (app) => {
        const waitSeconds = Number(options.wait);
        if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new InvalidInput('--wait must be a number of seconds');
        const manifest = await createBackup(app, dir, { waitMs: waitSeconds * 1000 });
        if (options.json) return printJson(io, manifest);
        io.stdout.write(
          `backup written to ${dir}: database (schema ${manifest.schemaVersion}), ${manifest.mirrorRepos.length} mirror repos, ${manifest.servedRepos.length} served repos, ${manifest.snapshots} snapshot archives\n`,
        );
      }),
    );

  program
    .command('restore')
    .description('restore a backup into an empty AURGATE_DATA_DIR (refuses a non-empty one), then repair served repos from the database')
    .argument('<dir>', 'a directory written by `aurgate backup`')
    .action(async (dir: string) => {
      const { config, warnings } = readConfig(io.env);
      const logger = createLogger(config.cliLogLevel, { process: 'cli' }, io.logDestination);
      logConfigWarnings(warnings, logger);
      const summary = await restoreBackup(config, dir, logger);
      io.stdout.write(
        `restored backup of ${summary.manifest.createdAt} into ${summary.dataDir}: ${summary.manifest.servedRepos.length} served packages` +
          `${summary.migrated ? ', database migrated to the current schema' : ''}, ${summary.repaired} served repos repaired, ${summary.failed} failed\n`,
      );
      if (summary.failed > 0) io.exitCode = EXIT_CODES.failure;
    });
}
