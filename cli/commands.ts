import type { Command } from 'commander';
import { registerRaftSimCommand } from '../conductor/raftsim/command.js';
import { registerSimCommand } from '../e2e/sim/command.js';

/** Registers every subcommand. Parts of the system add themselves here as they land. */
export function registerCommands(program: Command): void {
  void program;
  registerSimCommand(program);
  registerRaftSimCommand(program);
}
