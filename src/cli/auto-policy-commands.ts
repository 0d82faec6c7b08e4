import type { Command } from 'commander';
import { applyCooldownPolicies } from '../app/policies.js';
import { addPolicyRule, parseCooldownHours, parsePattern, removePolicyRule, type PolicyKind, type PolicyRule } from '../quarantine/auto-policy.js';
import { InvalidInput } from '../errors.js';
import { withAurgate } from './context.js';
import { authenticateCli } from './credentials.js';
import { formatTime, printJson, table } from './output.js';
import type { CliIo } from './io.js';
import { termSafe } from './terminal.js';

const BY = '--by <name>';
const BY_DOC = 'your admin account (its password is asked for; with AURGATE_TOKEN it must be the token user)';

export function describeRules(rules: readonly PolicyRule[]): string {
  if (rules.length === 0) return 'automatic policies  none (every revision needs a person)\n';
  const rows = rules.map((rule) => [
    rule.kind,
    rule.pattern,
    rule.kind === 'cooldown' ? `${rule.hours ?? '?'} h` : '-',
    `${formatTime(rule.createdAt)} by ${rule.createdBy}`,
    termSafe(rule.note ?? ''),
  ]);
  return `${table([['KIND', 'PATTERN', 'WAIT', 'SET', 'NOTE'], ...rows])}\n`;
}

function parseKind(value: string): PolicyKind {
  if (value === 'cooldown' || value === 'freeze') return value;
  throw new InvalidInput(`a rule kind is cooldown or freeze, got ${JSON.stringify(value.slice(0, 20))}`);
}

/** `aurgate policy cooldown|freeze|unfreeze|remove|apply`: the opt-in automatic policies. */
export function registerAutomaticPolicyCommands(policy: Command, io: CliIo): void {
  policy
    .command('cooldown')
    .description('opt in: approve routine updates of matching packages by an unchanged maintainer with no flag above low after N hours (admins)')
    .argument('<pattern>', 'a package base or a glob (* and ?), e.g. "python-*"')
    .requiredOption('--hours <n>', 'hours a revision waits after it was recorded (1 to 8760)')
    .option('--note <text>', 'why (goes into the audit log)')
    .option(BY, BY_DOC)
    .action(async (pattern: string, options: { hours: string; note?: string; by?: string }) => {
      const parsed = { pattern: parsePattern(pattern), hours: parseCooldownHours(options.hours) };
      await withAurgate(io, async (app) => {
        const by = await authenticateCli(io, app, { named: options.by, flag: '--by', need: 'admin', what: 'changing the automatic policies' });
        const rule = addPolicyRule(app.db, { kind: 'cooldown', ...parsed, note: options.note ?? null }, by);
        io.stdout.write(`cooldown ${rule.pattern}: routine updates are approved by the policy after ${rule.hours ?? '?'} h\n`);
      });
    });

  policy
    .command('freeze')
    .description('emergency freeze: no approval (automatic or manual) of matching packages; serving holds at the current approvals (admins)')
    .argument('[pattern]', 'a package base or a glob', '*')
    .requiredOption('--reason <text>', 'why (goes into the audit log)')
    .option(BY, BY_DOC)
    .action(async (pattern: string, options: { reason: string; by?: string }) => {
      const parsed = parsePattern(pattern);
      await withAurgate(io, async (app) => {
        const by = await authenticateCli(io, app, { named: options.by, flag: '--by', need: 'admin', what: 'freezing' });
        addPolicyRule(app.db, { kind: 'freeze', pattern: parsed, note: options.reason }, by);
        io.stdout.write(`frozen: ${parsed}; lift it with \`aurgate policy unfreeze ${parsed}\`\n`);
      });
    });

  policy
    .command('unfreeze')
    .description('lift a freeze (admins)')
    .argument('[pattern]', 'the pattern the freeze was set with', '*')
    .option(BY, BY_DOC)
    .action(async (pattern: string, options: { by?: string }) => {
      const parsed = parsePattern(pattern);
      await withAurgate(io, async (app) => {
        const by = await authenticateCli(io, app, { named: options.by, flag: '--by', need: 'admin', what: 'lifting a freeze' });
        removePolicyRule(app.db, { kind: 'freeze', pattern: parsed }, by);
        io.stdout.write(`unfrozen: ${parsed}\n`);
      });
    });

  policy
    .command('remove')
    .description('remove an automatic policy rule (admins)')
    .argument('<kind>', 'cooldown or freeze')
    .argument('<pattern>')
    .option(BY, BY_DOC)
    .action(async (kind: string, pattern: string, options: { by?: string }) => {
      const target = { kind: parseKind(kind), pattern: parsePattern(pattern) };
      await withAurgate(io, async (app) => {
        const by = await authenticateCli(io, app, { named: options.by, flag: '--by', need: 'admin', what: 'changing the automatic policies' });
        removePolicyRule(app.db, target, by);
        io.stdout.write(`removed ${target.kind} ${target.pattern}\n`);
      });
    });

  policy
    .command('apply')
    .description('evaluate the cooldown rules now (every sync does it too); approvals are audited as the policy’s')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      withAurgate(io, async (app) => {
        const outcomes = await applyCooldownPolicies(app);
        if (options.json) return printJson(io, outcomes);
        if (outcomes.length === 0) io.stdout.write('no pending revision is covered by a cooldown rule\n');
        for (const outcome of outcomes)
          io.stdout.write(`${outcome.outcome} ${outcome.pkgbase} ${outcome.commit.slice(0, 12)} (${outcome.rule}): ${outcome.why}\n`);
      }),
    );
}
