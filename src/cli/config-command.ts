import type { Command } from 'commander';
import { CONFIG_VARIABLES, loadConfig } from '../config.js';
import { printJson, table } from './output.js';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('show the effective configuration and every AURGATE_* variable')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => {
      // Secrets are shown as set or not, never printed.
      const loaded = loadConfig();
      const config = {
        ...loaded,
        metricsToken: loaded.metricsToken ? '(set)' : undefined,
        webhookUrl: loaded.webhookUrl ? redactUrl(loaded.webhookUrl) : undefined,
      };
      if (options.json) return printJson(config);
      process.stdout.write(`${table([['VARIABLE', 'DEFAULT', 'MEANING'], ...CONFIG_VARIABLES.map((v) => [v.name, v.default, v.meaning])])}\n\n`);
      printJson(config);
    });
}

/** A webhook URL's path usually is its secret (Slack, Discord): keep only scheme and host. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}/…`;
}
