import { Command, CommanderError } from 'commander';
import { registerConfigCommand } from './cli/config-command.js';
import { registerMirrorCommands } from './cli/mirror-commands.js';
import { registerOpsCommands } from './cli/ops-commands.js';
import { reportError } from './cli/output.js';
import { registerPinCommands } from './cli/pin-commands.js';
import { registerPolicyCommands } from './cli/policy-commands.js';
import { registerReviewCommands } from './cli/review-commands.js';
import { registerServerCommand } from './cli/server-command.js';
import { registerUserCommands } from './cli/user-commands.js';
import { EXIT_CODES, exitCodeFor } from './error-mapping.js';

const program = new Command()
  .name('aurgate')
  .description('A private AUR mirror proxy: mirror allowlisted packages, quarantine every upstream revision, serve only approved ones.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerServerCommand(program);
registerMirrorCommands(program);
registerReviewCommands(program);
registerPinCommands(program);
registerOpsCommands(program);
registerUserCommands(program);
registerPolicyCommands(program);
registerConfigCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT_CODES.success : EXIT_CODES.invalidInput;
  } else {
    reportError(error);
    process.exitCode = exitCodeFor(error);
  }
}
