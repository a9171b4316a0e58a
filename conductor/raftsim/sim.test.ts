/**
 * The deterministic cluster simulation as a test: hundreds of seeds (3- and 5-node clusters) with
 * crashes, partitions, loss, slow disks, membership changes, transfers and snapshots; any safety or
 * liveness violation fails with its seed. Plus proof that the checker can fail.
 */
import { runSeeds } from './command.js';
import { runSimulation } from './simulation.js';
import { Rng } from './random.js';

const SEEDS = 600;
const STEPS = 5000;

describe('raft simulation', () => {
  test(`${SEEDS} seeds, 3 and 5 nodes: no violation, bounded recovery`, () => {
    const failures: string[] = [];
    const summary = runSeeds(
      Array.from({ length: SEEDS }, (_, i) => i + 1),
      STEPS,
      undefined,
      (r) =>
        failures.push(`seed ${r.seed}: ${r.violation?.message}\n${r.violation?.trace.slice(-15).join('\n')}`),
    );
    expect(failures).toEqual([]);
    expect(summary.violations).toBe(0);
    expect(summary.elections).toBeGreaterThan(SEEDS);
    expect(summary.commits).toBeGreaterThan(SEEDS * 50);
    expect(summary.maxRecoveryTicks).toBeLessThanOrEqual(200);
    // Storage damage on a minority (the newest acknowledged entries destroyed) happened, and changed nothing.
    expect(summary.tailLosses).toBeGreaterThan(SEEDS);
    // Full disks refused writes, and the production driver's retry carried every member through them.
    expect(summary.refusedWrites).toBeGreaterThan(SEEDS);
  }, 120_000);

  test('the checker catches storage that reports a write durable before its fsync', () => {
    let caught: string | null = null;
    for (let seed = 1; seed <= 200 && caught === null; seed++) {
      const r = runSimulation({ seed, nodes: 3 + 2 * (seed % 2), steps: STEPS, variant: 'lyingDisk' });
      if (r.violation) caught = r.violation.invariant;
    }
    expect(caught).not.toBeNull();
    expect([
      'one vote per term',
      'election safety',
      'leader completeness',
      'state machine safety',
      'acknowledged entry lost',
      'log matching',
      'storage',
    ]).toContain(caught);
  }, 120_000);

  test('the checker catches a member that forgot entries it acknowledged and votes as if it never had them', () => {
    let caught: string | null = null;
    for (let seed = 1; seed <= 200 && caught === null; seed++) {
      const r = runSimulation({ seed, nodes: 3 + 2 * (seed % 2), steps: STEPS, variant: 'forgetfulVoter' });
      if (r.violation) caught = r.violation.invariant;
    }
    expect(caught).not.toBeNull();
    expect([
      'leader completeness',
      'state machine safety',
      'acknowledged entry lost',
      'log matching',
    ]).toContain(caught);
  }, 120_000);

  test('same seed, same trace', () => {
    const a = runSimulation({ seed: 42, nodes: 5, steps: 3000 });
    const b = runSimulation({ seed: 42, nodes: 5, steps: 3000 });
    expect(a).toEqual(b);
    const c = runSimulation({ seed: 43, nodes: 5, steps: 3000 });
    expect(c.commits === a.commits && c.elections === a.elections).toBe(false);
  });

  test('the checker catches a core that grants two votes per term', () => {
    let caught: string | null = null;
    for (let seed = 1; seed <= 50 && caught === null; seed++) {
      const r = runSimulation({ seed, nodes: 3, steps: STEPS, variant: 'doubleVote' });
      if (r.violation) caught = r.violation.invariant;
    }
    expect(caught).not.toBeNull();
    expect(['one vote per term', 'election safety', 'log matching', 'state machine safety']).toContain(
      caught,
    );
  });

  test('the PRNG is deterministic and uniform enough', () => {
    const a = Rng.seeded(7);
    const b = Rng.seeded(7);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});
