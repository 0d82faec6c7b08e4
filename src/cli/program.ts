import { Command, CommanderError } from 'commander';
import { EXIT_CODES, exitCodeFor } from '../error-mapping.js';
import { registerBuildCommands } from './build-commands.js';
import { registerConfigCommand } from './config-command.js';
import type { CliIo } from './io.js';
import { registerKeyCommands } from './key-commands.js';
import { registerLogCommands } from './log-commands.js';
import { registerMirrorCommands } from './mirror-commands.js';
import { registerOpsCommands } from './ops-commands.js';
import { reportError } from './output.js';
import { registerPinCommands } from './pin-commands.js';
import { registerPolicyCommands } from './policy-commands.js';
import { registerReviewCommands } from './review-commands.js';
import { registerServerCommand } from './server-command.js';
import { registerSignalCommands } from './signal-commands.js';
import { registerSourceCommands } from './source-commands.js';
import { registerIocCommands } from './ioc-commands.js';
import { registerSyncWorkerCommand } from './sync-worker-command.js';
import { registerUserCommands } from './user-commands.js';

/** The whole command line, built afresh for each run (commander keeps parse state in its objects). */
function buildProgram(io: CliIo): Command {
  const program = new Command()
    .name('aurgate')
    .description('A private AUR mirror proxy: mirror allowlisted packages, quarantine every upstream revision, serve only approved ones.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
  registerServerCommand(program, io);
  registerMirrorCommands(program, io);
  registerReviewCommands(program, io);
  registerPinCommands(program, io);
  registerOpsCommands(program, io);
  registerUserCommands(program, io);
  registerPolicyCommands(program, io);
  registerSignalCommands(program, io);
  registerIocCommands(program, io);
  registerSourceCommands(program, io);
  registerBuildCommands(program, io);
  registerConfigCommand(program, io);
  registerKeyCommands(program, io);
  registerLogCommands(program, io);
  registerSyncWorkerCommand(program, io);
  return program;
}

/**
 * Runs one command line (`args` without the node and script paths) and returns its exit code. Errors
 * are reported on stderr and mapped to the documented exit codes (error-mapping.ts).
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      io.exitCode = error.exitCode === 0 ? EXIT_CODES.success : EXIT_CODES.invalidInput;
    } else {
      reportError(io, error);
      io.exitCode = exitCodeFor(error);
    }
  }
  return io.exitCode;
}
