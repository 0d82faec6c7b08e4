import type { Command } from 'commander';
import { logConfigWarnings, readConfig } from '../config.js';
import { Aurgate } from '../compose.js';
import { createLogger } from '../log.js';
import { startServer } from '../http/server.js';
import type { CliIo } from './io.js';

export function registerServerCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the HTTP server (AUR endpoints, web admin) and the scheduled sync')
    .option('--no-schedule', 'do not run the scheduled sync in this process')
    .action(async (options: { schedule: boolean }) => {
      const { config, warnings } = readConfig(io.env);
      const logger = createLogger(config.logLevel, { process: 'server' });
      logConfigWarnings(warnings, logger);
      const app = new Aurgate(config, logger);
      const server = await startServer(app, { schedule: options.schedule });
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down: finishing in-flight requests');
        await server.close();
        app.close();
        logger.info('stopped');
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
}
