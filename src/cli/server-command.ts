import type { Command } from 'commander';
import { logConfigWarnings, readConfig, type Config } from '../config.js';
import { Aurgate } from '../compose.js';
import { AurgateReplica } from '../compose-replica.js';
import { Conflict } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { startServer, type RunningServer } from '../http/server.js';
import { startReplicaServer } from '../http/replica-server.js';
import { dataDirIsReplica } from './replica-status.js';
import type { CliIo } from './io.js';

export function registerServerCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the HTTP server (AUR endpoints, web admin) and the scheduled sync; or, with --replica-of, a verifying read replica')
    .option('--no-schedule', 'do not run the scheduled sync in this process')
    .option('--replica-of <url>', 'serve as a read replica of the aurgate at this URL (AURGATE_REPLICA_OF)')
    .option('--trusted-key <key>', "the primary's note verifier key, or a file of them (AURGATE_TRUSTED_KEY)")
    .action(async (options: { schedule: boolean; replicaOf?: string; trustedKey?: string }) => {
      const overrides = {
        ...(options.replicaOf ? { replicaOf: options.replicaOf } : {}),
        ...(options.trustedKey ? { trustedKey: options.trustedKey } : {}),
      };
      const { config, warnings } = readConfig(io.env, overrides);
      const logger = createLogger(config.logLevel, { process: 'server' });
      logConfigWarnings(warnings, logger);
      const { server, close } = config.replicaOf ? await startReplica(config, logger) : await startPrimary(config, logger, options.schedule);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down: finishing in-flight requests');
        await server.close();
        close();
        logger.info('stopped');
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
}

async function startPrimary(config: Config, logger: Logger, schedule: boolean): Promise<{ server: RunningServer; close: () => void }> {
  // Checked before the composition root creates a signing key there.
  if (dataDirIsReplica(config)) throw new Conflict('this data dir belongs to a replica: start it with --replica-of, or use another data dir');
  const app = new Aurgate(config, logger);
  return { server: await startServer(app, { schedule }), close: () => app.close() };
}

async function startReplica(config: Config, logger: Logger): Promise<{ server: RunningServer; close: () => void }> {
  const replica = new AurgateReplica(config, logger);
  try {
    return { server: await startReplicaServer(replica), close: () => replica.close() };
  } catch (error) {
    replica.close();
    throw error;
  }
}
