#!/usr/bin/env node
// The `pilotfish` command.
import { Command } from 'commander';
import { controlPlaneCommand } from './commands/control-plane.js';
import { demoCommand } from './commands/demo.js';
import { sidecarCommand } from './commands/sidecar.js';
import { statusCommand } from './commands/status.js';

const program = new Command('pilotfish')
  .description('Pilotfish service mesh: control plane, sidecar proxy and tools')
  .showHelpAfterError()
  .addCommand(controlPlaneCommand())
  .addCommand(sidecarCommand())
  .addCommand(statusCommand())
  .addCommand(demoCommand());

await program.parseAsync(process.argv);
