import type { Command } from 'commander';
import { registerLocalClusterCommands } from '../conductor/localcluster/command.js';
import { registerBenchCommands } from '../e2e/bench/command.js';
import { registerRaftSimCommand } from '../conductor/raftsim/command.js';
import { registerDemoCommand } from '../e2e/demo/command.js';
import { registerDevnetCommand } from '../e2e/opstack/command.js';
import { registerSimCommand } from '../e2e/sim/command.js';
import { registerCtlCommand } from '../conductor/ctl/ctl.js';
import { registerConductorCommand } from '../conductor/service/command.js';
import { registerOperatorCommand } from '../operator/reconcile/command.js';

/** Registers every subcommand. Parts of the system add themselves here as they land. */
export function registerCommands(program: Command): void {
  registerLocalClusterCommands(program);
  registerBenchCommands(program);
  registerSimCommand(program);
  registerCtlCommand(program);
  registerRaftSimCommand(program);
  registerConductorCommand(program);
  registerDemoCommand(program);
  registerDevnetCommand(program);
  registerOperatorCommand(program);
}
