/**
 * Failover benchmark: how long the chain stops when the active sequencer's whole member (op-geth,
 * op-node and conductor) is SIGKILLed, measured from the kill to the first block published by a
 * different member. The same run measures a planned hand-off (`conductor_transferLeaderToServer`),
 * whose gap should stay within about one block slot.
 *
 * Baselines measured or fixed in the same run: the Raft heartbeat timeout (a follower cannot notice
 * a dead leader sooner) and the block time (a planned transfer cannot cost less than the slot it
 * lands in).
 */
import { sleep } from '../../conductor/localcluster/cluster.js';
import { percentile } from '../../conductor/localcluster/stats.js';
import { SequencerLab } from '../demo/lab.js';

export interface FailoverBenchOptions {
  readonly trials: number;
  readonly heartbeatTimeoutMs: number;
  readonly leaseTimeoutMs: number;
  readonly blockTimeMs: number;
  readonly progress: (line: string) => void;
}

export interface FailoverBenchResult {
  readonly trials: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly heartbeatTimeoutMs: number;
  /** p50 crash gap divided by the heartbeat timeout (detection alone costs 1–2×). */
  readonly ratioToHeartbeatTimeout: number;
  readonly transfer: {
    readonly trials: number;
    /** Transfers that timed out (Raft aborted them; the old leader kept sequencing). */
    readonly failed: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
  };
  readonly blockTimeMs: number;
  /** p50 planned-transfer gap divided by the block time. */
  readonly transferRatioToBlockTime: number;
  readonly audit: { readonly blocks: number; readonly reorgs: number; readonly doubleSequenced: number };
}

export async function runFailoverBench(options: FailoverBenchOptions): Promise<FailoverBenchResult> {
  const { progress } = options;
  const lab = new SequencerLab({
    nodes: 3,
    blockTimeMs: options.blockTimeMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    leaseTimeoutMs: options.leaseTimeoutMs,
    progress,
  });
  const crashGaps: number[] = [];
  const transferGaps: number[] = [];
  let transferFailures = 0;
  try {
    await lab.start();
    for (let trial = 1; trial <= options.trials; trial++) {
      const leader = await waitForSteadyLeader(lab);
      const killedAt = Date.now();
      await lab.kill(leader);
      const gap = await firstBlockAfter(lab, killedAt, leader.id);
      crashGaps.push(gap);
      progress(`crash ${trial}/${options.trials}: ${leader.id} killed, next block after ${gap} ms`);
      await lab.restart(leader);
      await waitForMember(lab, leader.id);

      const from = await waitForSteadyLeader(lab);
      const target = lab.members.find((member) => member !== from && lab.isUp(member))!;
      const membership = await lab.client(from).clusterMembership();
      const address = membership.servers.find((server) => server.id === target.id)?.addr ?? '';
      const requestedAt = Date.now();
      try {
        await lab.client(from).transferLeaderToServer(target.id, address);
      } catch (error) {
        // A transfer that misses its election-timeout deadline is reported, not fatal: Raft aborts it
        // and the old leader keeps sequencing.
        transferFailures++;
        progress(
          `transfer ${trial}/${options.trials}: ${from.id} → ${target.id} failed: ${(error as Error).message}`,
        );
        continue;
      }
      const transferGap = await firstBlockAfter(lab, requestedAt, from.id);
      transferGaps.push(transferGap);
      progress(
        `transfer ${trial}/${options.trials}: ${from.id} → ${target.id}, next block after ${transferGap} ms`,
      );
    }
    const audit = await lab.audit();
    const p50 = percentile(crashGaps, 50);
    const transferP50 = percentile(transferGaps, 50);
    return {
      trials: options.trials,
      p50Ms: p50,
      p99Ms: percentile(crashGaps, 99),
      maxMs: Math.max(...crashGaps),
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      ratioToHeartbeatTimeout: round(p50 / options.heartbeatTimeoutMs),
      transfer: {
        trials: transferGaps.length,
        failed: transferFailures,
        p50Ms: transferP50,
        p99Ms: percentile(transferGaps, 99),
        maxMs: transferGaps.length > 0 ? Math.max(...transferGaps) : 0,
      },
      blockTimeMs: options.blockTimeMs,
      transferRatioToBlockTime: round(transferP50 / options.blockTimeMs),
      audit: { blocks: audit.blocks, reorgs: audit.reorgs, doubleSequenced: audit.doubleSequenced },
    };
  } finally {
    await lab.stop();
  }
}

/** A leader whose sequencer is active and whose chain moved in the last second. */
async function waitForSteadyLeader(lab: SequencerLab): Promise<SequencerLab['members'][number]> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const leader = await lab.leader();
    if (leader) {
      const view = await lab.view(leader);
      const before = view.head ?? -1;
      await sleep(600);
      const after = (await lab.view(leader)).head ?? -1;
      if (view.active && after > before && (await lab.leader()) === leader) return leader;
    }
    await sleep(100);
  }
  throw new Error('no steady leader within 60s');
}

/** Milliseconds from `since` to the first block published by a member other than `excluded`. */
async function firstBlockAfter(lab: SequencerLab, since: number, excluded: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    for (const member of lab.members) {
      if (member.id === excluded || !lab.isUp(member)) continue;
      const history = await lab.history(member).catch(() => null);
      const published = history?.published.find((block) => block.atMs > since);
      if (published) return published.atMs - since;
    }
    await sleep(20);
  }
  throw new Error(`no block from another member within 60s of ${new Date(since).toISOString()}`);
}

async function waitForMember(lab: SequencerLab, id: string): Promise<void> {
  const member = lab.members.find((candidate) => candidate.id === id)!;
  await lab.waitFor(
    async () => {
      const [view, leader] = await Promise.all([lab.view(member), lab.leader()]);
      const leaderHead = leader ? (await lab.view(leader)).head : null;
      return (
        view.up && view.healthy && view.head !== null && leaderHead !== null && leaderHead - view.head <= 2
      );
    },
    60_000,
    `${id} to rejoin and catch up`,
  );
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
