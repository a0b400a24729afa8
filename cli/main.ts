#!/usr/bin/env node
// The `pilotfish` command.
import { Command } from 'commander';
import { keepYoungGenerationSmall } from '../sidecar/src/young-generation.js';
import { checkRequiredOptionsLast } from './required-options.js';

// Each command's module is loaded only when it runs: a `pilotfish apply` should not pay for the
// sidecar, the control plane and the Kubernetes schemas (seconds of CPU on a small machine).
const COMMANDS: Record<string, () => Promise<Command>> = {
  'control-plane': async () => (await import('./commands/control-plane.js')).controlPlaneCommand(),
  sidecar: async () => (await import('./commands/sidecar.js')).sidecarCommand(),
  gateway: async () => (await import('./commands/gateway.js')).gatewayCommand(),
  status: async () => (await import('./commands/status.js')).statusCommand(),
  'proxy-config': async () => (await import('./commands/proxy-config.js')).proxyConfigCommand(),
  validate: async () => (await import('./commands/validate.js')).validateCommand(),
  apply: async () => (await import('./commands/apply.js')).applyCommand(),
  get: async () => (await import('./commands/get.js')).getCommand(),
  delete: async () => (await import('./commands/delete.js')).deleteCommand(),
  history: async () => (await import('./commands/history.js')).historyCommand(),
  rollback: async () => (await import('./commands/rollback.js')).rollbackCommand(),
  token: async () => (await import('./commands/token.js')).tokenCommand(),
  ca: async () => (await import('./commands/ca.js')).caCommand(),
  demo: async () => (await import('./commands/demo.js')).demoCommand(),
  'init-iptables': async () => (await import('./commands/init-iptables.js')).initIptablesCommand(),
  inject: async () => (await import('./commands/inject.js')).injectCommand(),
  manifests: async () => (await import('./commands/manifests.js')).manifestsCommand(),
};

const program = new Command('pilotfish')
  .description('Pilotfish service mesh: control plane, sidecar proxy and tools')
  .showHelpAfterError();

try {
  // The named command alone; every command for the command list, `help` and a name to suggest from.
  const name = process.argv[2];
  const named = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (name === 'sidecar' || name === 'gateway') keepYoungGenerationSmall();
  const commands = await Promise.all(named ? [named()] : Object.values(COMMANDS).map((load) => load()));
  for (const command of commands) program.addCommand(command);
  checkRequiredOptionsLast(program);
  await program.parseAsync(process.argv);
} catch (error) {
  // A failure the user can act on reads as one line with its cause, not as a stack trace.
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  console.error(`pilotfish: ${error instanceof Error ? error.message : String(error)}${cause}`);
  // Exit now: a half-started component may hold listeners open.
  process.exit(1);
}
