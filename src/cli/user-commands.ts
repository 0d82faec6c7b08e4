import type { Command } from 'commander';
import { createUser, disableUser, enableUser, listAccounts, resetPassword, setRole } from '../app/accounts.js';
import { ROLES } from '../accounts/roles.js';
import { InvalidInput } from '../errors.js';
import { cliActor, withAurgate } from './context.js';
import { promptHidden, readStdinLine } from './secret-input.js';
import { formatTime, printJson, table } from './output.js';
import type { CliIo } from './io.js';

/**
 * The new password: typed twice on a terminal, else the first line of stdin (so scripts can pipe it
 * in). Never an argument: arguments end up in shell history and in every process listing.
 */
export async function readNewPassword(io: CliIo): Promise<string> {
  if (!io.stdin.isTTY) return readStdinLine(io);
  const first = await promptHidden(io, 'Password: ');
  const second = await promptHidden(io, 'Repeat password: ');
  if (first !== second) throw new InvalidInput('the passwords differ');
  return first;
}

export function registerUserCommands(program: Command, io: CliIo): void {
  const user = program.command('user').description('web admin accounts (admin, reviewer, viewer)');

  user
    .command('add')
    .description('add a user; the password is prompted for, or read from stdin when piped')
    .argument('<name>')
    .requiredOption('--role <role>', ROLES.join(', '))
    .option('--by <name>', 'who adds the user (for the audit log)', cliActor())
    .action(async (name: string, options: { role: string; by: string }) => {
      const password = await readNewPassword(io);
      await withAurgate(io, async (app) => {
        const created = await createUser(app.db, { name, role: options.role, password }, options.by);
        io.stdout.write(`added user ${created.name} (${created.role})\n`);
      });
    });

  user
    .command('list')
    .description('list users')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      withAurgate(io, (app) => {
        const users = listAccounts(app.db);
        if (options.json) return printJson(io, users);
        if (users.length === 0) return void io.stdout.write('no users yet: aurgate user add <name> --role admin\n');
        const rows = users.map((entry) => [
          entry.name,
          entry.role,
          formatTime(entry.createdAt),
          entry.createdBy,
          entry.disabledAt
            ? `disabled ${formatTime(entry.disabledAt)}${entry.disabledReason === 'no-role' ? ' (no role at sign-in)' : ''}`
            : 'active',
          entry.sso ? `sso: ${entry.sso.displayName}${entry.sso.email ? ` <${entry.sso.email}>` : ''}` : 'password',
        ]);
        io.stdout.write(`${table([['NAME', 'ROLE', 'CREATED', 'BY', 'STATUS', 'SIGN-IN'], ...rows])}\n`);
      }),
    );

  user
    .command('disable')
    .description('disable a user: their sessions end and their API tokens stop working')
    .argument('<name>')
    .option('--by <name>', 'who disables the user (for the audit log)', cliActor())
    .action(async (name: string, options: { by: string }) =>
      withAurgate(io, (app) => {
        const disabled = disableUser(app.db, name, options.by);
        io.stdout.write(`disabled user ${disabled.name}\n`);
      }),
    );

  user
    .command('enable')
    .description('enable a disabled user again')
    .argument('<name>')
    .option('--by <name>', 'who enables the user (for the audit log)', cliActor())
    .action(async (name: string, options: { by: string }) =>
      withAurgate(io, (app) => {
        io.stdout.write(`enabled user ${enableUser(app.db, name, options.by).name}\n`);
      }),
    );

  user
    .command('password')
    .description("set a user's password (prompted for, or read from stdin when piped); signs them out everywhere")
    .argument('<name>')
    .option('--by <name>', 'who sets it (for the audit log)', cliActor())
    .action(async (name: string, options: { by: string }) => {
      const password = await readNewPassword(io);
      await withAurgate(io, async (app) => {
        io.stdout.write(`password of ${(await resetPassword(app.db, name, password, options.by)).name} changed\n`);
      });
    });

  user
    .command('role')
    .description("change a user's role")
    .argument('<name>')
    .requiredOption('--role <role>', ROLES.join(', '))
    .option('--by <name>', 'who changes it (for the audit log)', cliActor())
    .action(async (name: string, options: { role: string; by: string }) =>
      withAurgate(io, (app) => {
        const changed = setRole(app.db, name, options.role, options.by);
        io.stdout.write(`${changed.name} is now ${changed.role}\n`);
      }),
    );
}
