/**
 * Commit benchmark: a 3-process Raft cluster on loopback with fsync on, committing payloads of the
 * sizes op-conductor's own benchmark uses (10 KB … 2 MB) plus 5 MB. The baseline is the physical
 * floor measured on the same disk in the same run: one write + fdatasync of the same size. A Raft
 * commit needs at least that (plus a network round trip), so the ratio says how much we add.
 *
 * Proposals are made inside the leader process (member.ts /propose-series), one at a time with a
 * short pause after each commit, and timed from propose() to committed-and-applied there: the HTTP
 * call that starts a series and the benchmark process itself stay off the measured path and off the
 * CPUs while it runs. Throughput keeps 16 proposals in flight with no pause.
 */
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { LocalCluster } from '../../conductor/localcluster/cluster.js';
import { percentile } from '../../conductor/localcluster/stats.js';
import { measureFsyncFloor } from './fsync-floor.js';
import { measureReplicationFloor } from './replication-floor.js';

export interface CommitBenchOptions {
  readonly quick: boolean;
  readonly progress: (line: string) => void;
}

export interface SizeResult {
  readonly bytes: number;
  readonly commits: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly commitsPerSec: number;
  readonly fsyncFloorP50Ms: number;
  readonly fsyncFloorP99Ms: number;
  /** p50 commit latency divided by the p50 fsync floor of the same size. */
  readonly ratioToFloor: number;
  /**
   * The floor when three writers fdatasync to this disk at once — what the three members of this
   * benchmark do on every commit, since they share one disk here (in production each has its own).
   */
  readonly fsyncFloorThreeWritersP50Ms: number;
  readonly ratioToThreeWriterFloor: number;
  /**
   * A replicated durable write with nothing of Raft, gRPC or Baton: three bare processes, plain TCP,
   * O_DSYNC overwrites, done at leader + one follower (replication-floor.ts). Sizes ≤ 100 KB only.
   */
  readonly replicationFloorP50Ms: number | null;
  readonly ratioToReplicationFloor: number | null;
}

export interface CommitBenchResult {
  readonly bench: 'commit';
  readonly nodes: number;
  readonly fsync: true;
  /** Pause after each commit in the latency series (ms). */
  readonly gapMs: number;
  readonly sizes: readonly SizeResult[];
  readonly throughput: {
    readonly bytes: number;
    readonly concurrency: number;
    readonly commitsPerSec: number;
  };
  readonly goals: {
    readonly p50At100KbWithin3xFloor: boolean;
    readonly fiveMbCommits: boolean;
    readonly atLeast200PerSecAt256Kb: boolean;
  };
}

const SIZES = [10_000, 100_000, 500_000, 1_000_000, 2_000_000, 5_000_000];
/**
 * A sequencer proposes one block per block time; back-to-back proposals would measure queueing
 * behind the previous commit's tail work (followers applying it, commit notices) instead.
 */
const GAP_MS = 2;

export async function runCommitBench(options: CommitBenchOptions): Promise<CommitBenchResult> {
  const { progress } = options;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-'));
  const cluster = new LocalCluster({ size: 3, dataDir, proxies: false, logLevel: 'error' });
  try {
    progress('starting a 3-member cluster (fsync on)…');
    await cluster.start();
    const leader = await cluster.waitForLeader(15_000);
    const sizes: SizeResult[] = [];
    for (const bytes of SIZES) {
      const iterations = iterationsFor(bytes, options.quick);
      const payload = new Uint8Array(bytes).map((_, i) => (i * 31) & 0xff);
      // Warm-up: connections, JIT, the first preallocated segment.
      await cluster.proposeSeries(leader, payload, Math.min(iterations, 20), { gapMs: GAP_MS });
      const series = await cluster.proposeSeries(leader, payload, iterations, { gapMs: GAP_MS });
      const latencies = series.latenciesMs;
      const elapsedS = series.elapsedMs / 1000;
      const floor = await measureFsyncFloor(dataDir, bytes, Math.min(iterations, 50));
      const shared = await Promise.all(
        [0, 1, 2].map(() => measureFsyncFloor(dataDir, bytes, Math.min(iterations, 50))),
      );
      const sharedP50 = percentile(
        shared.map((floorOfOne) => floorOfOne.p50Ms),
        50,
      );
      const replication =
        bytes <= 100_000
          ? await measureReplicationFloor(dataDir, bytes, Math.min(iterations, 200), GAP_MS)
          : null;
      const p50 = percentile(latencies, 50);
      const result: SizeResult = {
        bytes,
        commits: iterations,
        p50Ms: round(p50),
        p99Ms: round(percentile(latencies, 99)),
        maxMs: round(Math.max(...latencies)),
        commitsPerSec: round(iterations / elapsedS),
        fsyncFloorP50Ms: round(floor.p50Ms),
        fsyncFloorP99Ms: round(floor.p99Ms),
        ratioToFloor: round(p50 / Math.max(floor.p50Ms, 0.001)),
        fsyncFloorThreeWritersP50Ms: round(sharedP50),
        ratioToThreeWriterFloor: round(p50 / Math.max(sharedP50, 0.001)),
        replicationFloorP50Ms: replication ? round(replication.p50Ms) : null,
        ratioToReplicationFloor: replication ? round(p50 / Math.max(replication.p50Ms, 0.001)) : null,
      };
      progress(
        `${bytes} B: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, floor ${result.fsyncFloorP50Ms} ms ` +
          `(three writers at once: ${result.fsyncFloorThreeWritersP50Ms} ms` +
          (replication ? `; bare replication over TCP: ${result.replicationFloorP50Ms} ms)` : ')'),
      );
      sizes.push(result);
    }
    const throughput = await measureThroughput(cluster, leader, options.quick);
    progress(
      `256 KB throughput: ${throughput.commitsPerSec} commits/s at concurrency ${throughput.concurrency}`,
    );
    const at100k = sizes.find((size) => size.bytes === 100_000);
    const at5m = sizes.find((size) => size.bytes === 5_000_000);
    return {
      bench: 'commit',
      nodes: 3,
      fsync: true,
      gapMs: GAP_MS,
      sizes,
      throughput,
      goals: {
        p50At100KbWithin3xFloor: at100k !== undefined && at100k.ratioToFloor <= 3,
        fiveMbCommits: at5m !== undefined && at5m.commits > 0,
        atLeast200PerSecAt256Kb: throughput.commitsPerSec >= 200,
      },
    };
  } finally {
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Several proposers at once: the node batches what arrives during an fsync into the next one. */
async function measureThroughput(
  cluster: LocalCluster,
  leader: string,
  quick: boolean,
): Promise<{ bytes: number; concurrency: number; commitsPerSec: number }> {
  const bytes = 256 * 1024;
  const concurrency = 16;
  const count = concurrency * (quick ? 20 : 60);
  const payload = new Uint8Array(bytes).fill(7);
  const series = await cluster.proposeSeries(leader, payload, count, { concurrency });
  return { bytes, concurrency, commitsPerSec: round(count / (series.elapsedMs / 1000)) };
}

function iterationsFor(bytes: number, quick: boolean): number {
  const full = bytes <= 100_000 ? 300 : bytes <= 1_000_000 ? 100 : 40;
  return quick ? Math.max(10, Math.floor(full / 6)) : full;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
