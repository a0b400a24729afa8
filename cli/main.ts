#!/usr/bin/env node
// The `pilotfish` command.
import { Command } from 'commander';
import { applyCommand } from './commands/apply.js';
import { controlPlaneCommand } from './commands/control-plane.js';
import { deleteCommand } from './commands/delete.js';
import { demoCommand } from './commands/demo.js';
import { gatewayCommand } from './commands/gateway.js';
import { getCommand } from './commands/get.js';
import { historyCommand } from './commands/history.js';
import { initIptablesCommand } from './commands/init-iptables.js';
import { proxyConfigCommand } from './commands/proxy-config.js';
import { rollbackCommand } from './commands/rollback.js';
import { sidecarCommand } from './commands/sidecar.js';
import { statusCommand } from './commands/status.js';
import { tokenCommand } from './commands/token.js';
import { validateCommand } from './commands/validate.js';
import { checkRequiredOptionsLast } from './required-options.js';

const program = new Command('pilotfish')
  .description('Pilotfish service mesh: control plane, sidecar proxy and tools')
  .showHelpAfterError()
  .addCommand(controlPlaneCommand())
  .addCommand(sidecarCommand())
  .addCommand(gatewayCommand())
  .addCommand(statusCommand())
  .addCommand(proxyConfigCommand())
  .addCommand(validateCommand())
  .addCommand(applyCommand())
  .addCommand(getCommand())
  .addCommand(deleteCommand())
  .addCommand(historyCommand())
  .addCommand(rollbackCommand())
  .addCommand(tokenCommand())
  .addCommand(demoCommand())
  .addCommand(initIptablesCommand());
checkRequiredOptionsLast(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // A failure the user can act on reads as one line with its cause, not as a stack trace.
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  console.error(`pilotfish: ${error instanceof Error ? error.message : String(error)}${cause}`);
  // Exit now: a half-started component may hold listeners open.
  process.exit(1);
}
