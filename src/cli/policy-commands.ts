import type { Command } from 'commander';
import { InvalidInput } from '../errors.js';
import { listAudit } from '../quarantine/audit.js';
import { parseRequiredApprovals, readPolicy, setRequiredApprovals } from '../quarantine/policy.js';
import { withAurgate } from './context.js';
import { authenticateCli } from './credentials.js';
import { formatTime, printJson } from './output.js';
import type { CliIo } from './io.js';
import { describeRules, registerAutomaticPolicyCommands } from './auto-policy-commands.js';
import { listPolicyRules } from '../quarantine/auto-policy.js';

const SETTINGS = ['required-approvals'] as const;

/** `aurgate policy`: the decision policy stored in the database, which every process enforces. */
export function registerPolicyCommands(program: Command, io: CliIo): void {
  const policy = program.command('policy').description('the decision policy in the database (every process enforces it)');

  policy
    .command('show')
    .description('the policy in force, and AURGATE_REQUIRED_APPROVALS when it disagrees')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      withAurgate(io, (app) => {
        const current = readPolicy(app.db);
        if (options.json) return printJson(io, { ...current, warning: app.policyWarning, rules: listPolicyRules(app.db) });
        io.stdout.write(`required-approvals  ${current.requiredApprovals}\n`);
        io.stdout.write(`last set            ${current.updatedAt ? `${formatTime(current.updatedAt)} by ${current.updatedBy ?? '?'}` : 'never'}\n`);
        const last = listAudit(app.db, { action: 'policy.changed', limit: 1 })[0];
        if (last) io.stdout.write(`last change         ${String(last.detail?.['from'])} → ${String(last.detail?.['to'])} (${last.channel ?? '?'})\n`);
        if (app.policyWarning) io.stdout.write(`WARNING: ${app.policyWarning}\n`);
        io.stdout.write(describeRules(listPolicyRules(app.db)));
      }),
    );

  registerAutomaticPolicyCommands(policy, io);

  policy
    .command('set')
    .description('change a setting (admins; authenticated like approve: AURGATE_TOKEN or --by NAME and its password)')
    .argument('<setting>', SETTINGS.join(', '))
    .argument('<value>')
    .option('--by <name>', 'your admin account (its password is asked for; with AURGATE_TOKEN it must be the token user)')
    .action(async (setting: string, value: string, options: { by?: string }) => {
      if (setting !== 'required-approvals')
        throw new InvalidInput(`unknown policy setting ${JSON.stringify(setting.slice(0, 40))}: one of ${SETTINGS.join(', ')}`);
      const wanted = parseRequiredApprovals(value);
      await withAurgate(io, async (app) => {
        const by = await authenticateCli(io, app, { named: options.by, flag: '--by', need: 'admin', what: 'changing the decision policy' });
        const { before, after } = setRequiredApprovals(app.db, wanted, by);
        io.stdout.write(
          before === after.requiredApprovals
            ? `required-approvals is already ${before}\n`
            : `required-approvals changed from ${before} to ${after.requiredApprovals}; every process applies it from the next decision\n`,
        );
      });
    });
}
