/**
 * The physical floor of a durable append on this disk: write `sizeBytes` at the end of a plain file and
 * fdatasync it, `iterations` times. Benchmarks report their latencies next to this number, measured in
 * the same run, so a result reads as "x times the disk" rather than as an absolute that depends on the
 * machine.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
}

export async function measureFsyncFloor(
  dir: string,
  sizeBytes: number,
  iterations: number,
): Promise<LatencySummary> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `fsync-floor-${process.pid}-${Date.now()}-${randomUUID()}.bin`);
  const data = Buffer.alloc(sizeBytes, 0xa5);
  const fh = await fs.open(file, 'w');
  const samples: number[] = [];
  try {
    let position = 0;
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      await fh.write(data, 0, data.length, position);
      await fh.datasync();
      samples.push(performance.now() - t0);
      position += data.length;
    }
  } finally {
    await fh.close();
    await fs.rm(file, { force: true });
  }
  return summarize(samples);
}

/** p50 and p99 (nearest rank) of latency samples in milliseconds. */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { p50Ms: round(rank(0.5)), p99Ms: round(rank(0.99)) };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
