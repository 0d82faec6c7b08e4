import type { Command } from 'commander';
import { CONFIG_VARIABLES, loadConfig } from '../config.js';
import { printJson, table } from './output.js';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('show the effective configuration and every AURGATE_* variable')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => {
      const config = loadConfig();
      if (options.json) return printJson(config);
      process.stdout.write(`${table([['VARIABLE', 'DEFAULT', 'MEANING'], ...CONFIG_VARIABLES.map((v) => [v.name, v.default, v.meaning])])}\n\n`);
      printJson(config);
    });
}
