import { userInfo } from 'node:os';
import { logConfigWarnings, readConfig } from '../config.js';
import { Aurgate } from '../compose.js';
import { createLogger } from '../log.js';
import type { CliIo } from './io.js';

/** Opens the application for one CLI command and closes it afterwards, whatever happens. */
export async function withAurgate<T>(io: CliIo, fn: (app: Aurgate) => Promise<T> | T): Promise<T> {
  const { config, warnings } = readConfig(io.env);
  const logger = createLogger(config.cliLogLevel, { process: 'cli' }, io.logDestination);
  logConfigWarnings(warnings, logger);
  const app = new Aurgate(config, logger);
  try {
    return await fn(app);
  } finally {
    app.close();
  }
}

/** Who a CLI change is attributed to when the command has no explicit name for it. */
export function cliActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // Containers may run under a uid with no passwd entry; the audit row still says it came from the CLI.
  }
  return `cli:${user}`;
}
