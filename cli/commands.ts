import type { Command } from 'commander';

/** Registers every subcommand. Parts of the system add themselves here as they land. */
export function registerCommands(program: Command): void {
  void program;
}
