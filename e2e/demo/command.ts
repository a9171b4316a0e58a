/**
 * `baton demo` (`npm run demo`): a local HA sequencer cluster with a live status line per second and optional
 * chaos, ending with the chain auditor's JSON summary on stdout. It runs the real OP Stack (unmodified op-geth,
 * op-node and op-batcher with Baton conductors) when e2e/opstack/build.sh has built the binaries, and the
 * simulator with `--sim` or when they are not built (it says how to build them).
 */
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DemoStack, DemoSummary } from './stack.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'local HA cluster: conductors + the real OP Stack (or the simulator), live status, optional faults',
    )
    .option('--nodes <n>', 'members (odd)', '3')
    .option('--duration <seconds>', 'how long to run', '30')
    .option('--sim', 'run the simulator instead of the real OP Stack', false)
    .option('--block-time <ms>', 'block time (simulator only; the real devnet has 1 s blocks)', '250')
    .option('--chaos', 'inject a fault into the leader every --chaos-interval seconds, then undo it', false)
    .option('--chaos-interval <seconds>', 'seconds between faults', '8')
    .action(async (opts: Record<string, string | boolean>) => {
      const nodes = Number(opts.nodes);
      if (!Number.isInteger(nodes) || nodes < 1 || nodes % 2 === 0) {
        throw new Error(`--nodes must be an odd number ≥ 1 (got ${String(opts.nodes)})`);
      }
      const progress = (line: string): void => void process.stderr.write(`${line}\n`);
      const stack = await chooseStack({
        nodes,
        sim: opts.sim === true,
        blockTimeMs: Number(opts.blockTime),
        progress,
      });
      const summary = await runDemo(stack, {
        durationS: Number(opts.duration),
        chaos: opts.chaos === true,
        chaosIntervalS: Number(opts.chaosInterval),
        progress,
      });
      console.log(JSON.stringify(summary));
      if (summary.reorgs > 0 || summary.doubleSequenced > 0 || (summary.withheldPublished ?? 0) > 0)
        process.exitCode = 1;
    });
}

async function chooseStack(options: {
  nodes: number;
  sim: boolean;
  blockTimeMs: number;
  progress: (line: string) => void;
}): Promise<DemoStack> {
  if (!options.sim) {
    const { findOpStackBinaries } = await import('../opstack/binaries.js');
    const binaries = await findOpStackBinaries();
    if (binaries) {
      const { opStackDemo } = await import('../opstack/demo.js');
      return opStackDemo({ nodes: options.nodes, binaries, progress: options.progress });
    }
    options.progress(
      'The real OP Stack binaries are not built yet, so this demo runs the simulator. To run op-geth, op-node and ' +
        'op-batcher for real, build them once with `npm run opstack:build` (Go needed; ~15-20 min, progress shown, ' +
        'cached in ~/.cache/baton/tools) and run the demo again.',
    );
  }
  const { simulatorDemo } = await import('./sim-stack.js');
  return simulatorDemo({
    nodes: options.nodes,
    blockTimeMs: options.blockTimeMs,
    progress: options.progress,
  });
}

async function runDemo(
  stack: DemoStack,
  options: { durationS: number; chaos: boolean; chaosIntervalS: number; progress: (line: string) => void },
): Promise<DemoSummary> {
  const { progress } = options;
  progress(`running ${stack.name}`);
  let stopping = false;
  process.once('SIGINT', () => (stopping = true));
  let faults = 0;
  // The fault runs beside the status loop, so a status line is printed every second while a member restarts.
  let fault: Promise<void> | null = null;
  try {
    await stack.start();
    const deadline = Date.now() + options.durationS * 1000;
    let nextChaos = Date.now() + options.chaosIntervalS * 1000;
    while (Date.now() < deadline && !stopping) {
      progress(await stack.statusLine());
      if (options.chaos && fault === null && Date.now() >= nextChaos) {
        fault = stack
          .injectFault(faults++, progress)
          .catch((error: unknown) => progress(`chaos: ${(error as Error).message}`))
          .finally(() => {
            fault = null;
            nextChaos = Date.now() + options.chaosIntervalS * 1000;
          });
      }
      await sleep(1000);
    }
    if (fault) {
      progress('waiting for the last fault to finish…');
      await fault;
    }
    const { summary, issues } = await stack.summary(faults);
    if (issues.length > 0) progress(`auditor issues: ${JSON.stringify(issues.slice(0, 5))}`);
    return summary;
  } finally {
    await stack.stop();
  }
}
