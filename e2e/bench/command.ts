/**
 * `baton bench <name>` (`npm run bench -- <name>`): benchmarks that print one JSON document as their
 * last line; progress goes to stderr so the JSON stays machine-readable.
 */
import type { Command } from 'commander';
import { runCommitBench } from './commit.js';

export function registerBenchCommands(program: Command): void {
  const bench = program.command('bench').description('benchmarks that print JSON');
  bench
    .command('commit')
    .description('3-node commit latency and throughput, payloads 10 KB … 5 MB, fsync on')
    .option('--quick', 'fewer iterations (CI smoke run)', false)
    .action(async (opts: { quick: boolean }) => {
      const result = await runCommitBench({
        quick: opts.quick,
        progress: (line) => void process.stderr.write(`${line}\n`),
      });
      console.log(JSON.stringify(result));
    });
}
