/**
 * The benchmarks on the real OP Stack (`--opstack`): one devnet of real op-geth and op-node (e2e/opstack/lab.ts),
 * whose members run Baton's conductor or upstream op-conductor v1.19.6 in turn. Same devnet, same ports, same
 * Raft timeouts and health settings; each switch starts a fresh Raft cluster of the other implementation
 * (lab.switchConductors), and rounds alternate which goes first so drift on the machine hits both alike.
 *
 * failover: SIGKILL of the leader's conductor → the first block another member seals and commits (read from
 * op-node's own log, so the measurement does not depend on polling), and a planned hand-off
 * (conductor_transferLeaderToServer): the time between the old leader's last block and the target's first (one
 * block time means no slot lost). Also each conductor's RSS and CPU while the chain runs steadily.
 *
 * commit: op-node's own conductor client (op-node/node.ConductorClient through baton-wirecompat) committing
 * chained Isthmus envelopes, built by op-node's code, to the leader, one at a time as op-node's sequencer does;
 * timed in Go around each call, after 200 unmeasured commits that warm a fresh process (reported as `cold`).
 * The conductors are paused and the sequencers stopped, so only the benchmark writes.
 */
import { readFile } from 'node:fs/promises';
import { sleep } from '../../conductor/localcluster/cluster.js';
import { percentile } from '../../conductor/localcluster/stats.js';
import { GoDriver } from '../opstack/go-driver.js';
import { compiledBatonEntry } from './compiled.js';
import type { SealedBlock } from '../opstack/op-node-log.js';
import { OpStackLab, type ConductorKind, type OpStackBinaries, type OpStackMember } from '../opstack/lab.js';

export interface OpStackBenchBinaries extends OpStackBinaries {
  readonly opConductor: string;
  /** build.sh's output directory (baton-wirecompat lives there). */
  readonly dir: string;
}

const KINDS: readonly ConductorKind[] = ['baton', 'op-conductor'];
/** The devnet's block time (lab.ts): a failover gap includes the wait for the next slot. */
const BLOCK_TIME_MS = 1000;

interface Gaps {
  readonly trials: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly samplesMs: readonly number[];
}

export interface ConductorResources {
  /** Highest resident set size of any member's conductor process (MiB). */
  readonly rssMaxMiB: number;
  /** Mean CPU of one conductor process while the chain runs (% of one core), over every steady window. */
  readonly cpuPercentMean: number;
}

export interface FailoverSide {
  readonly crash: Gaps;
  /** The killed conductor started again: spawn → its JSON-RPC answers `conductor_active`. */
  readonly start: Gaps;
  readonly transfer: Gaps & { readonly failed: number };
  readonly resources: ConductorResources;
}

export interface OpStackFailoverResult {
  readonly bench: 'failover';
  readonly stack: 'opstack';
  /** Baton's crash figures at the top level, as `bench failover` prints them on the simulator. */
  readonly trials: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly leaseTimeoutMs: number;
  readonly blockTimeMs: number;
  readonly baton: FailoverSide;
  readonly opConductor: FailoverSide;
  /** Baton divided by op-conductor (below 1: Baton's gap is shorter). */
  readonly ratio: {
    readonly crashP50: number;
    readonly crashP99: number;
    readonly transferP50: number;
    readonly transferP99: number;
    readonly startP50: number;
    readonly startP99: number;
  };
  readonly audit: {
    readonly blocks: number;
    readonly reorgs: number;
    readonly doubleSequenced: number;
    readonly withheldPublished: number;
  };
}

export interface OpStackBenchOptions {
  readonly binaries: OpStackBenchBinaries;
  readonly heartbeatTimeoutMs: number;
  readonly leaseTimeoutMs: number;
  readonly progress: (line: string) => void;
}

export async function runOpStackFailoverBench(
  options: OpStackBenchOptions & { readonly trials: number },
): Promise<OpStackFailoverResult> {
  const { progress } = options;
  const lab = await devnet(options);
  const crash = new Map<ConductorKind, number[]>(KINDS.map((k) => [k, []]));
  const start = new Map<ConductorKind, number[]>(KINDS.map((k) => [k, []]));
  const transfer = new Map<ConductorKind, number[]>(KINDS.map((k) => [k, []]));
  const failed = new Map<ConductorKind, number>(KINDS.map((k) => [k, 0]));
  const resources = new Map<ConductorKind, ResourceSample[]>(KINDS.map((k) => [k, []]));
  try {
    await lab.start();
    for (let round = 1; round <= options.trials; round++) {
      for (const kind of round % 2 === 1 ? KINDS : [...KINDS].reverse()) {
        if (lab.conductor !== kind) {
          progress(`round ${round}: switching every member to ${kind} (fresh Raft cluster)`);
          await lab.switchConductors(kind);
        }
        const tag = `round ${round}/${options.trials} ${kind}`;
        await steadyLeader(lab);
        resources.get(kind)!.push(await sampleConductors(lab, 3000));

        const leader = await steadyLeader(lab);
        const killedAt = Date.now();
        await lab.signal(leader, 'conductor', 'SIGKILL');
        const crashGap = (await firstCommittedBlock(lab, killedAt, (m) => m !== leader)).atMs - killedAt;
        crash.get(kind)!.push(crashGap);
        progress(`${tag}: ${leader.id}'s conductor SIGKILLed, next block after ${crashGap} ms`);
        await lab.restartRole(leader, 'conductor');
        const startMs = leader.processes.get('conductor')!.readyAfterMs!;
        start.get(kind)!.push(startMs);
        progress(`${tag}: ${leader.id}'s conductor started again, answering after ${startMs} ms`);
        await caughtUp(lab, leader);

        const from = await steadyLeader(lab);
        const target = lab.members.find((m) => m !== from)!;
        await lab.waitFor(() => lab.client(target).sequencerHealthy(), 30_000, `${target.id} healthy`);
        const requestedAt = Date.now();
        try {
          await lab.client(from).transferLeaderToServer(target.id, `127.0.0.1:${target.ports.raft}`);
        } catch (error) {
          failed.set(kind, failed.get(kind)! + 1);
          progress(`${tag}: transfer ${from.id} → ${target.id} failed: ${(error as Error).message}`);
          continue;
        }
        // The chain's stall across the hand-off: the old leader's last block to the new leader's first (one
        // block time when no slot is lost), independent of where in the slot the request fell.
        const first = await firstCommittedBlock(lab, requestedAt, (m) => m === target);
        const last = (await lab.sealedBlocks())
          .filter((b) => b.committed && b.node === from.id && b.atMs < first.atMs)
          .reduce((a, b) => (b.atMs > a ? b.atMs : a), 0);
        const transferGap = first.atMs - last;
        transfer.get(kind)!.push(transferGap);
        progress(
          `${tag}: transfer ${from.id} → ${target.id}: ${first.atMs - requestedAt} ms to its first block, ${transferGap} ms between blocks`,
        );
      }
    }
    const audit = await lab.audit();
    const side = (kind: ConductorKind): FailoverSide => ({
      crash: gaps(crash.get(kind)!),
      start: gaps(start.get(kind)!),
      transfer: { ...gaps(transfer.get(kind)!), failed: failed.get(kind)! },
      resources: summarize(resources.get(kind)!),
    });
    const baton = side('baton');
    const opConductor = side('op-conductor');
    return {
      bench: 'failover',
      stack: 'opstack',
      trials: options.trials,
      p50Ms: baton.crash.p50Ms,
      p99Ms: baton.crash.p99Ms,
      maxMs: baton.crash.maxMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      leaseTimeoutMs: options.leaseTimeoutMs,
      blockTimeMs: BLOCK_TIME_MS,
      baton,
      opConductor,
      ratio: {
        crashP50: ratio(baton.crash.p50Ms, opConductor.crash.p50Ms),
        crashP99: ratio(baton.crash.p99Ms, opConductor.crash.p99Ms),
        transferP50: ratio(baton.transfer.p50Ms, opConductor.transfer.p50Ms),
        transferP99: ratio(baton.transfer.p99Ms, opConductor.transfer.p99Ms),
        startP50: ratio(baton.start.p50Ms, opConductor.start.p50Ms),
        startP99: ratio(baton.start.p99Ms, opConductor.start.p99Ms),
      },
      audit: {
        blocks: audit.blocks,
        reorgs: audit.reorgs,
        doubleSequenced: audit.doubleSequenced,
        withheldPublished: audit.withheldPublished,
      },
    };
  } finally {
    await lab.stop();
  }
}

export interface CommitSizeResult {
  /** The envelope's JSON size on the wire (what op-node sends). */
  readonly envelopeBytes: number;
  readonly fillerBytes: number;
  readonly baton: CommitLatency;
  readonly opConductor: CommitLatency;
  /** Baton divided by op-conductor. */
  readonly ratioP50: number;
  readonly ratioP99: number;
}

interface CommitLatency {
  readonly commits: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU the leader's conductor process spent per commit (ms). */
  readonly leaderCpuMsPerCommit: number;
}

export interface OpStackCommitResult {
  readonly bench: 'commit';
  readonly stack: 'opstack';
  readonly nodes: 3;
  readonly rounds: number;
  readonly sizes: readonly CommitSizeResult[];
  /** Each implementation's conductors right after the last round. */
  readonly resources: Record<'baton' | 'opConductor', { readonly rssMaxMiB: number }>;
  /** The first commits of empty blocks on each freshly started cluster, before the measured series. */
  readonly cold: Record<
    'baton' | 'opConductor',
    { readonly commits: number; readonly p50Ms: number; readonly p99Ms: number }
  >;
}

/** Unmeasured commits of empty blocks on each fresh cluster before the measured series (reported as `cold`). */
const WARMUP_COMMITS = 200;

/** Calldata added to each block: an empty block (the L1 info deposit alone), 100 KB and 1 MB of transactions. */
const COMMIT_FILLERS = [0, 100_000, 1_000_000];

export async function runOpStackCommitBench(
  options: OpStackBenchOptions & { readonly rounds: number; readonly commitsPerRound: number },
): Promise<OpStackCommitResult> {
  const { progress } = options;
  const lab = await devnet(options);
  const go = new GoDriver(options.binaries.dir);
  const latencies = new Map<string, number[]>();
  const cpuMs = new Map<string, number>();
  const envelopeBytes = new Map<number, number>();
  const rss = new Map<ConductorKind, number>();
  const cold = new Map<ConductorKind, number[]>();
  const key = (kind: ConductorKind, filler: number): string => `${kind}/${filler}`;
  try {
    await lab.start();
    for (let round = 1; round <= options.rounds; round++) {
      for (const kind of round % 2 === 1 ? KINDS : [...KINDS].reverse()) {
        progress(
          `round ${round}/${options.rounds}: ${kind}, paused, sequencers stopped (fresh Raft cluster)`,
        );
        await lab.switchConductors(kind, { paused: true });
        const leader = await waitForLeader(lab);
        let head = ((await lab.nodeRpc(leader, 'optimism_syncStatus')) as { unsafe_l2: ChainHead }).unsafe_l2;
        const pid = leader.processes.get('conductor')!.pid!;
        // A freshly started conductor is cold (Baton's JIT compiles its commit path over the first ~100
        // commits; op-conductor is compiled ahead of time): those first commits are reported apart, as the
        // cost right after a restart or failover, and the measured series run warm.
        const commit = (count: number, filler: number): Promise<CommitSeries> =>
          commitSeries(go, leader, head, count, filler, kind);
        const warm = await commit(WARMUP_COMMITS, 0);
        head = warm.head;
        cold.set(kind, [...(cold.get(kind) ?? []), ...warm.latenciesMs]);
        for (const filler of COMMIT_FILLERS) {
          const cpuBefore = await cpuTicks(pid);
          const series = await commit(options.commitsPerRound, filler);
          cpuMs.set(
            key(kind, filler),
            (cpuMs.get(key(kind, filler)) ?? 0) + (await cpuTicks(pid)) - cpuBefore,
          );
          head = series.head;
          envelopeBytes.set(filler, series.envelopeBytes);
          const ms = series.latenciesMs;
          latencies.set(key(kind, filler), [...(latencies.get(key(kind, filler)) ?? []), ...ms]);
          progress(
            `  ${kind} ${series.envelopeBytes} B envelopes: p50 ${percentile(ms, 50).toFixed(2)} ms, p99 ${percentile(ms, 99).toFixed(2)} ms`,
          );
        }
        if (round === options.rounds) rss.set(kind, (await sampleConductors(lab, 0)).rssMaxMiB);
      }
    }
    const side = (kind: ConductorKind, filler: number): CommitLatency => {
      const samples = latencies.get(key(kind, filler))!;
      return {
        commits: samples.length,
        p50Ms: round2(percentile(samples, 50)),
        p99Ms: round2(percentile(samples, 99)),
        maxMs: round2(Math.max(...samples)),
        // /proc counts CPU in 10 ms ticks.
        leaderCpuMsPerCommit: round2(((cpuMs.get(key(kind, filler)) ?? 0) * 10) / samples.length),
      };
    };
    return {
      bench: 'commit',
      stack: 'opstack',
      nodes: 3,
      rounds: options.rounds,
      sizes: COMMIT_FILLERS.map((filler) => {
        const baton = side('baton', filler);
        const opConductor = side('op-conductor', filler);
        return {
          envelopeBytes: envelopeBytes.get(filler)!,
          fillerBytes: filler,
          baton,
          opConductor,
          ratioP50: ratio(baton.p50Ms, opConductor.p50Ms),
          ratioP99: ratio(baton.p99Ms, opConductor.p99Ms),
        };
      }),
      cold: {
        baton: coldSummary(cold.get('baton') ?? []),
        opConductor: coldSummary(cold.get('op-conductor') ?? []),
      },
      resources: {
        baton: { rssMaxMiB: rss.get('baton') ?? 0 },
        opConductor: { rssMaxMiB: rss.get('op-conductor') ?? 0 },
      },
    };
  } finally {
    go.close();
    await lab.stop();
  }
}

interface ChainHead {
  readonly hash: string;
  readonly number: number;
  readonly timestamp: number;
}

interface CommitSeries {
  readonly latenciesMs: number[];
  readonly envelopeBytes: number;
  /** The last block committed: the next series builds on it. */
  readonly head: ChainHead;
}

/** `count` chained Isthmus blocks on `head`, committed to `leader` through op-node's client (baton-wirecompat). */
async function commitSeries(
  go: GoDriver,
  leader: OpStackMember,
  head: ChainHead,
  count: number,
  fillerBytes: number,
  kind: ConductorKind,
): Promise<CommitSeries> {
  const answer = await go.call(
    `http://127.0.0.1:${leader.ports.conductorRpc}`,
    'NodeCommitSeries',
    'isthmus',
    head.hash,
    head.number,
    head.timestamp,
    count,
    fillerBytes,
  );
  if (!answer.ok) throw new Error(`${kind}: op-node's client failed to commit: ${answer.error}`);
  const series = answer.result as { latenciesUs: number[]; envelopeBytes: number; head: ChainHead };
  return { ...series, latenciesMs: series.latenciesUs.map((us) => us / 1000) };
}

/**
 * A 3-member devnet without op-batcher (it adds load and the safe head plays no part here), Baton's conductors
 * compiled as the image runs them.
 */
async function devnet(options: OpStackBenchOptions): Promise<OpStackLab> {
  return new OpStackLab({
    batonEntry: await compiledBatonEntry(options.progress),
    nodes: 3,
    binaries: options.binaries,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    leaseTimeoutMs: options.leaseTimeoutMs,
    batcher: false,
    progress: options.progress,
  });
}

async function waitForLeader(lab: OpStackLab): Promise<OpStackMember> {
  let leader: OpStackMember | null = null;
  await lab.waitFor(async () => (leader = await lab.leader()) !== null, 30_000, 'a leader');
  return leader!;
}

/** A healthy leader whose op-node is the only one sequencing, and whose chain moved within two slots. */
async function steadyLeader(lab: OpStackLab): Promise<OpStackMember> {
  let found: OpStackMember | null = null;
  await lab.waitFor(
    async () => {
      found = await lab.leader();
      if (!found) return false;
      const views = await Promise.all(lab.members.map((m) => lab.view(m)));
      const mine = views.find((v) => v.id === found!.id)!;
      if (!mine.healthy || !views.every((v) => v.active === (v.id === found!.id))) return false;
      const before = mine.head ?? -1;
      await sleep(2 * BLOCK_TIME_MS + 100);
      return ((await lab.view(found)).head ?? -1) > before && (await lab.leader()) === found;
    },
    90_000,
    'a steady leader: healthy, the only member sequencing, its chain moving',
  );
  return found!;
}

/**
 * The first block a member matching `by` sealed after `since` and committed, from the op-nodes' logs (op-node
 * logs each seal with its time, and "Sequencer inserted block" after a good commit).
 */
async function firstCommittedBlock(
  lab: OpStackLab,
  since: number,
  by: (member: OpStackMember) => boolean,
): Promise<SealedBlock> {
  const ids = new Set(lab.members.filter(by).map((m) => m.id));
  let found: SealedBlock | undefined;
  await lab.waitFor(
    async () => {
      found = (await lab.sealedBlocks())
        .filter((b) => b.committed && ids.has(b.node) && b.atMs > since)
        .sort((a, b) => a.atMs - b.atMs)[0];
      return found !== undefined;
    },
    60_000,
    `a block committed by ${[...ids].join(' or ')} after ${new Date(since).toISOString()}`,
  );
  return found!;
}

/** The restarted member's conductor is healthy and its op-node within two blocks of the top. */
async function caughtUp(lab: OpStackLab, member: OpStackMember): Promise<void> {
  await lab.waitFor(
    async () => {
      const heads = await lab.unsafeHeads();
      const top = Math.max(...heads.map((h) => h ?? 0));
      return (await lab.client(member).sequencerHealthy()) && top - (heads[member.index] ?? 0) <= 2;
    },
    90_000,
    `${member.id} healthy again and caught up`,
  );
}

interface ResourceSample {
  readonly rssMaxMiB: number;
  readonly cpuPercentMean: number;
}

/** Every conductor's RSS, and its CPU over `windowMs`, read from /proc. */
async function sampleConductors(lab: OpStackLab, windowMs: number): Promise<ResourceSample> {
  const pids = lab.members.map((m) => m.processes.get('conductor')?.pid).filter((p): p is number => !!p);
  const before = await Promise.all(pids.map(cpuTicks));
  const started = Date.now();
  if (windowMs > 0) await sleep(windowMs);
  const after = await Promise.all(pids.map(cpuTicks));
  const elapsedMs = Math.max(1, Date.now() - started);
  const rss = await Promise.all(pids.map(rssMiB));
  const cpu = pids.map((_, i) => (((after[i]! - before[i]!) * 10) / elapsedMs) * 100);
  return {
    rssMaxMiB: Math.max(...rss),
    cpuPercentMean: windowMs > 0 ? cpu.reduce((a, b) => a + b, 0) / cpu.length : 0,
  };
}

function summarize(samples: readonly ResourceSample[]): ConductorResources {
  return {
    rssMaxMiB: round2(Math.max(0, ...samples.map((s) => s.rssMaxMiB))),
    cpuPercentMean: round2(samples.reduce((a, s) => a + s.cpuPercentMean, 0) / Math.max(1, samples.length)),
  };
}

/** utime + stime of a process in clock ticks (USER_HZ, 100 on Linux). */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

function gaps(samples: readonly number[]): Gaps {
  return {
    trials: samples.length,
    p50Ms: percentile([...samples], 50),
    p99Ms: percentile([...samples], 99),
    maxMs: samples.length > 0 ? Math.max(...samples) : 0,
    samplesMs: samples,
  };
}

function coldSummary(samples: readonly number[]): { commits: number; p50Ms: number; p99Ms: number } {
  return {
    commits: samples.length,
    p50Ms: round2(percentile(samples, 50)),
    p99Ms: round2(percentile(samples, 99)),
  };
}

function ratio(value: number, baseline: number): number {
  return baseline > 0 ? Math.round((value / baseline) * 1000) / 1000 : 0;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
