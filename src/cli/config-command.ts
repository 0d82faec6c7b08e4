import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type { Command } from 'commander';
import { configTableMarkdown } from '../config-docs.js';
import { CONFIG_VARIABLES, readConfig, type Config } from '../config.js';
import { policyDrift, readPolicy, type DecisionPolicy } from '../quarantine/policy.js';
import { printJson, table } from './output.js';
import type { CliIo } from './io.js';

export function registerConfigCommand(program: Command, io: CliIo): void {
  program
    .command('config')
    .description('show the effective configuration and every AURGATE_* variable')
    .option('--json', 'machine-readable output')
    .option('--markdown', "only the table of variables, in Markdown (the README's Configuration table)")
    .action((options: { json?: boolean; markdown?: boolean }) => {
      if (options.markdown) return void io.stdout.write(`${configTableMarkdown()}\n`);
      // Secrets are shown as set or not, never printed.
      const { config: loaded, warnings } = readConfig(io.env);
      const config = {
        ...loaded,
        metricsToken: loaded.metricsToken ? '(set)' : undefined,
        cliToken: loaded.cliToken ? '(set)' : undefined,
        oidcClientSecret: loaded.oidcClientSecret ? '(set)' : undefined,
        webhookUrl: loaded.webhookUrl ? redactUrl(loaded.webhookUrl) : undefined,
      };
      const policy = storedPolicy(loaded);
      const warning = policy ? policyDrift(policy, loaded.requiredApprovals) : null;
      if (options.json)
        return printJson(io, { ...config, decisionPolicy: policy ? { ...policy, warning } : null, warnings: warnings.map((w) => w.message) });
      io.stdout.write(`${table([['VARIABLE', 'DEFAULT', 'MEANING'], ...CONFIG_VARIABLES.map((v) => [v.name, v.default, v.meaning])])}\n\n`);
      printJson(io, config);
      io.stdout.write(
        policy
          ? `decision policy (database): ${policy.requiredApprovals} required approval${policy.requiredApprovals === 1 ? '' : 's'}\n`
          : 'decision policy: no database yet (the first process seeds it)\n',
      );
      for (const message of [...warnings.map((w) => w.message), ...(warning ? [warning] : [])]) io.stdout.write(`WARNING: ${message}\n`);
    });
}

/** The policy stored in the data dir's database, read without creating or migrating anything. */
function storedPolicy(config: Config): DecisionPolicy | null {
  if (!existsSync(config.paths.database)) return null;
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(config.paths.database, { readonly: true, fileMustExist: true });
    return readPolicy(db);
  } catch {
    // A database from before the policy table: the next process that opens it migrates and seeds it.
    return null;
  } finally {
    db?.close();
  }
}

/** A webhook URL's path usually is its secret (Slack, Discord): keep only scheme and host. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}/…`;
}
