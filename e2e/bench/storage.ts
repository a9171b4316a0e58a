/**
 * Micro-benchmark of RaftStorage.persist() against the raw fsync floor on the same disk, same run.
 * Each persist is what a leader does per block: one entry of the given size plus a hard-state update.
 *
 *   npx tsx e2e/bench/storage.ts [--dir DIR] [--iterations N]
 *
 * Prints one JSON object: per size, p50/p99 of persist() and of the floor, and their ratio.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RaftStorage } from '../../conductor/storage/index.js';
import { measureFsyncFloor, summarize } from './fsync-floor.js';
import type { LatencySummary } from './fsync-floor.js';

const SIZES: [string, number][] = [
  ['10KB', 10_000],
  ['100KB', 100_000],
  ['1MB', 1_000_000],
  ['5MB', 5_000_000],
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function measurePersist(dir: string, sizeBytes: number, iterations: number): Promise<LatencySummary> {
  const storage = await RaftStorage.open({ dir, logger: { warn() {}, info() {} } });
  const data = Buffer.alloc(sizeBytes, 0x5a);
  const samples: number[] = [];
  try {
    for (let index = 1; index <= iterations; index++) {
      const t0 = performance.now();
      await storage.persist({
        snapshot: null,
        entries: [{ term: 1, index, type: 0, data }],
        hardState: { term: 1, vote: 'bench', commit: index - 1 },
      });
      samples.push(performance.now() - t0);
    }
  } finally {
    await storage.close();
  }
  return summarize(samples);
}

async function main(): Promise<void> {
  const base = arg('dir') ?? path.join(os.tmpdir(), `baton-storage-bench-${process.pid}`);
  const iterationsArg = arg('iterations');
  const results: Record<string, unknown> = {};
  for (const [label, size] of SIZES) {
    const iterations = iterationsArg ? Number(iterationsArg) : size >= 1_000_000 ? 40 : 200;
    const dir = path.join(base, label);
    // Warm up both paths once so file creation and JIT do not land in the samples.
    await measureFsyncFloor(dir, size, 3);
    await measurePersist(path.join(dir, 'warm'), size, 3);
    const floor = await measureFsyncFloor(dir, size, iterations);
    const persist = await measurePersist(path.join(dir, 'wal'), size, iterations);
    results[label] = {
      iterations,
      persist,
      floor,
      ratioP50: Math.round((persist.p50Ms / floor.p50Ms) * 100) / 100,
      ratioP99: Math.round((persist.p99Ms / floor.p99Ms) * 100) / 100,
    };
    await fs.rm(dir, { recursive: true, force: true });
  }
  await fs.rm(base, { recursive: true, force: true });
  console.log(
    JSON.stringify({ bench: 'storage-persist', fsync: true, dir: base, node: process.version, results }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
