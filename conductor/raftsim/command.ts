/**
 * `baton raft-sim` (`npm run sim`): runs the deterministic Raft simulation over many seeds. The last
 * line printed is a JSON summary; on a violation it prints the seed, the invariant and a trace tail,
 * and exits 1.
 */
import type { Command } from 'commander';
import { runSimulation } from './simulation.js';
import type { SimResult } from './simulation.js';

export interface RaftSimSummary {
  readonly seeds: number;
  readonly violations: number;
  readonly steps: number;
  readonly elections: number;
  readonly commits: number;
  readonly maxRecoveryTicks: number;
  /** Members whose newest log entries were destroyed (storage damage on a minority), over all seeds. */
  readonly tailLosses: number;
  /** Writes the simulated disk refused while full (each retried by the driver). */
  readonly refusedWrites: number;
  readonly failingSeeds?: number[];
}

export const DEFAULT_SIM_STEPS = 6000;

/** Nodes for a seed: alternate 3 and 5 unless fixed. */
export function nodesForSeed(seed: number, fixed?: number): number {
  return fixed ?? (seed % 2 === 0 ? 3 : 5);
}

export function runSeeds(
  seeds: readonly number[],
  steps: number,
  nodes?: number,
  onViolation?: (r: SimResult) => void,
): RaftSimSummary {
  let violations = 0;
  let totalSteps = 0;
  let elections = 0;
  let commits = 0;
  let maxRecoveryTicks = 0;
  let tailLosses = 0;
  let refusedWrites = 0;
  const failingSeeds: number[] = [];
  for (const seed of seeds) {
    const r = runSimulation({ seed, nodes: nodesForSeed(seed, nodes), steps });
    totalSteps += r.steps;
    elections += r.elections;
    commits += r.commits;
    maxRecoveryTicks = Math.max(maxRecoveryTicks, r.maxRecoveryTicks);
    tailLosses += r.tailLosses;
    refusedWrites += r.refusedWrites;
    if (r.violation) {
      violations++;
      failingSeeds.push(seed);
      onViolation?.(r);
    }
  }
  return {
    seeds: seeds.length,
    violations,
    steps: totalSteps,
    elections,
    commits,
    maxRecoveryTicks,
    tailLosses,
    refusedWrites,
    ...(failingSeeds.length > 0 ? { failingSeeds } : {}),
  };
}

function positiveInt(name: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
    return n;
  };
}

export function registerRaftSimCommand(program: Command): void {
  program
    .command('raft-sim')
    .description('deterministic Raft cluster simulation with fault injection (prints a JSON summary)')
    .option('--seeds <n>', 'number of seeds to run (1..n)', positiveInt('--seeds'), 100)
    .option('--seed <s>', 'run only this seed', positiveInt('--seed'))
    .option(
      '--steps <k>',
      'simulation time units per seed (a Raft tick is 10)',
      positiveInt('--steps'),
      DEFAULT_SIM_STEPS,
    )
    .option('--nodes <n>', 'cluster size, 3 or 5 (default: alternate by seed)', positiveInt('--nodes'))
    .action((opts: { seeds: number; seed?: number; steps: number; nodes?: number }) => {
      if (opts.nodes !== undefined && opts.nodes !== 3 && opts.nodes !== 5)
        throw new Error('--nodes must be 3 or 5');
      const seeds =
        opts.seed !== undefined ? [opts.seed] : Array.from({ length: opts.seeds }, (_, i) => i + 1);
      const summary = runSeeds(seeds, opts.steps, opts.nodes, (r) => {
        const v = r.violation;
        if (!v) return;
        console.log(`seed ${r.seed} (${r.nodes} nodes): ${v.invariant} violated: ${v.message}`);
        console.log(
          `trace tail (reproduce with --seed ${r.seed} --steps ${opts.steps}${opts.nodes ? ` --nodes ${opts.nodes}` : ''}):`,
        );
        for (const line of v.trace) console.log(`  ${line}`);
      });
      console.log(JSON.stringify(summary));
      if (summary.violations > 0) process.exitCode = 1;
    });
}
