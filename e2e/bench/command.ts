/**
 * `baton bench <name>` (`npm run bench -- <name>`): benchmarks that print one JSON document as their
 * last line; progress goes to stderr so the JSON stays machine-readable.
 */
import type { Command } from 'commander';
import { parseDuration } from '../../conductor/config/duration.js';

export function registerBenchCommands(program: Command): void {
  const bench = program.command('bench').description('benchmarks that print JSON');
  bench
    .command('commit')
    .description('3-node commit latency and throughput, payloads 10 KB … 5 MB, fsync on')
    .option('--quick', 'fewer iterations (CI smoke run)', false)
    .action(async (opts: { quick: boolean }) => {
      const { runCommitBench } = await import('./commit.js');
      const result = await runCommitBench({
        quick: opts.quick,
        progress: (line) => void process.stderr.write(`${line}\n`),
      });
      console.log(JSON.stringify(result));
    });
  bench
    .command('failover')
    .description(
      'leader SIGKILL → first block from the new leader, and planned transfer gaps (simulated OP Stack)',
    )
    .option('--trials <n>', 'kill/transfer rounds', '5')
    .option('--heartbeat-timeout <duration>', 'raft heartbeat timeout (op-conductor default)', '1000ms')
    .option('--lease-timeout <duration>', 'raft lease timeout (op-conductor default)', '500ms')
    .option('--block-time <duration>', 'block time of the simulated chain', '250ms')
    .action(
      async (opts: { trials: string; heartbeatTimeout: string; leaseTimeout: string; blockTime: string }) => {
        const trials = Number(opts.trials);
        if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials must be a positive integer`);
        const { runFailoverBench } = await import('./failover.js');
        const result = await runFailoverBench({
          trials,
          heartbeatTimeoutMs: parseDuration(opts.heartbeatTimeout),
          leaseTimeoutMs: parseDuration(opts.leaseTimeout),
          blockTimeMs: parseDuration(opts.blockTime),
          progress: (line) => void process.stderr.write(`${line}\n`),
        });
        console.log(JSON.stringify(result));
      },
    );
}
