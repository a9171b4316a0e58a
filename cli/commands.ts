import type { Command } from 'commander';
import { registerSimCommand } from '../e2e/sim/command.js';
import { registerCtlCommand } from '../conductor/rpc/ctl.js';

/** Registers every subcommand. Parts of the system add themselves here as they land. */
export function registerCommands(program: Command): void {
  void program;
  registerSimCommand(program);
  registerCtlCommand(program);
}
