#!/usr/bin/env node
/**
 * The `baton` command. Each part of the system registers its subcommands here; the program itself only
 * wires them together so `baton --help` lists everything a user can run.
 */
import { Command } from 'commander';
import { BATON_VERSION } from '../conductor/service/version.js';
import { registerCommands } from './commands.js';

const program = new Command('baton')
  .description('High-availability sequencing for OP Stack chains: Raft conductor, operator and tools')
  .version(BATON_VERSION)
  .showHelpAfterError();

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`baton: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
