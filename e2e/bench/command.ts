/**
 * `baton bench <name>` (`npm run bench -- <name>`): benchmarks that print one JSON document as their
 * last line; progress goes to stderr so the JSON stays machine-readable.
 */
import type { Command } from 'commander';
import { parseDuration } from '../../conductor/config/duration.js';
import { BUILD_SCRIPT, findOpStackBinaries } from '../opstack/binaries.js';
import type { OpStackBenchBinaries } from './opstack.js';

export function registerBenchCommands(program: Command): void {
  const bench = program.command('bench').description('benchmarks that print JSON');
  bench
    .command('commit')
    .description('3-node commit latency and throughput, payloads 10 KB … 5 MB, fsync on')
    .option('--quick', 'fewer iterations (CI smoke run)', false)
    .option(
      '--opstack',
      "on the real OP Stack devnet: op-node's conductor client committing Isthmus envelopes to Baton and to upstream op-conductor in turn",
      false,
    )
    .option('--rounds <n>', '--opstack: rounds, alternating which implementation goes first', '3')
    .action(async (opts: { quick: boolean; opstack: boolean; rounds: string }) => {
      if (opts.opstack) {
        const rounds = positiveInteger('--rounds', opts.rounds);
        const { runOpStackCommitBench } = await import('./opstack.js');
        const result = await runOpStackCommitBench({
          binaries: await opStackBinaries(),
          rounds,
          commitsPerRound: opts.quick ? 20 : 100,
          heartbeatTimeoutMs: 1000,
          leaseTimeoutMs: 500,
          progress: (line) => void process.stderr.write(`${line}\n`),
        });
        console.log(JSON.stringify(result));
        return;
      }
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
    .option(
      '--opstack',
      'on the real OP Stack devnet (1 s blocks), Baton and upstream op-conductor in turn, trials interleaved',
      false,
    )
    .action(
      async (opts: {
        trials: string;
        heartbeatTimeout: string;
        leaseTimeout: string;
        blockTime: string;
        opstack: boolean;
      }) => {
        const trials = positiveInteger('--trials', opts.trials);
        if (opts.opstack) {
          const { runOpStackFailoverBench } = await import('./opstack.js');
          const result = await runOpStackFailoverBench({
            binaries: await opStackBinaries(),
            trials,
            heartbeatTimeoutMs: parseDuration(opts.heartbeatTimeout),
            leaseTimeoutMs: parseDuration(opts.leaseTimeout),
            progress: (line) => void process.stderr.write(`${line}\n`),
          });
          console.log(JSON.stringify(result));
          return;
        }
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

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${flag} must be a positive integer, not "${text}"`);
  return value;
}

/** The binaries e2e/opstack/build.sh made; without them, say how to build them (the build prints progress). */
async function opStackBinaries(): Promise<OpStackBenchBinaries> {
  const found = await findOpStackBinaries();
  if (!found)
    throw new Error(
      `--opstack needs op-geth, op-node and op-conductor built from their Go modules: run \`bash ${BUILD_SCRIPT}\` ` +
        '(about 15-20 minutes the first time, cached afterwards), or drop --opstack to use the simulator',
    );
  return found;
}
