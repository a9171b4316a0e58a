/**
 * `baton raft-node` (one member process) and `baton local-cluster` (a whole cluster on loopback that
 * commits blocks, shows live status and, with --chaos, kills and restarts leaders).
 */
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../consensus/timing.js';
import { percentile } from './stats.js';

export function registerLocalClusterCommands(program: Command): void {
  program
    .command('raft-node')
    .description('run one Raft member with a digest state machine and an HTTP admin API (tests, benchmarks)')
    .requiredOption('--id <id>', 'server id')
    .requiredOption('--data-dir <dir>', 'parent directory of the member data directory')
    .option('--host <host>', 'bind address', '127.0.0.1')
    .option('--raft-port <port>', 'raft transport port', '0')
    .option('--admin-port <port>', 'admin HTTP port', '0')
    .option('--bootstrap-peers <list>', 'id=host:port,… initial voters (used only on a fresh data dir)', '')
    .option('--dial-map <list>', 'address=address,… rewrites applied before dialling peers', '')
    .option('--heartbeat-timeout <duration>', 'raft heartbeat timeout', '1000ms')
    .option('--lease-timeout <duration>', 'raft leader lease timeout', '500ms')
    .option('--snapshot-threshold <n>', 'entries between snapshots', '8192')
    .option('--trailing-logs <n>', 'entries kept behind a snapshot', '10240')
    .option('--snapshot-bytes <n>', 'payload bytes between snapshots (default 32 MiB)')
    .option('--trailing-bytes <n>', 'bytes of entries kept behind a snapshot (default 32 MiB)')
    .option('--snapshot-padding <n>', 'bytes added to every snapshot (tests: a conductor-sized snapshot)')
    .option('--log-level <level>', 'log level', 'info')
    .action(async (opts: Record<string, string>) => {
      const dialMap = parsePairs(opts.dialMap ?? '');
      // Imported on use, like every command's implementation: one member process loads only what it runs.
      const { runMember } = await import('./member.js');
      await runMember({
        id: opts.id as string,
        dataDir: opts.dataDir as string,
        host: opts.host as string,
        raftPort: Number(opts.raftPort),
        adminPort: Number(opts.adminPort),
        bootstrapPeers: parsePairs(opts.bootstrapPeers ?? ''),
        dialAddress: (address) => dialMap.get(address) ?? address,
        heartbeatTimeoutMs: parseDuration(opts.heartbeatTimeout as string),
        leaseTimeoutMs: parseDuration(opts.leaseTimeout as string),
        snapshotThreshold: Number(opts.snapshotThreshold),
        trailingLogs: Number(opts.trailingLogs),
        ...(opts.snapshotBytes ? { snapshotBytes: Number(opts.snapshotBytes) } : {}),
        ...(opts.trailingBytes ? { trailingBytes: Number(opts.trailingBytes) } : {}),
        ...(opts.snapshotPadding ? { snapshotPadding: Number(opts.snapshotPadding) } : {}),
        logLevel: opts.logLevel as string,
      });
    });

  program
    .command('local-cluster')
    .description(
      'run a Raft cluster on loopback that commits blocks, with live status (Ctrl-C to stop early)',
    )
    .option('--nodes <n>', 'members (odd)', '3')
    .option('--duration <seconds>', 'how long to run', '20')
    .option('--block-bytes <n>', 'size of each committed block', '102400')
    .option('--block-time <ms>', 'interval between blocks', '250')
    .option('--chaos', 'kill -9 the leader every few seconds and restart it', false)
    .action(async (opts: Record<string, string | boolean>) => {
      const summary = await runLocalCluster({
        nodes: Number(opts.nodes),
        durationS: Number(opts.duration),
        blockBytes: Number(opts.blockBytes),
        blockTimeMs: Number(opts.blockTime),
        chaos: opts.chaos === true,
      });
      console.log(JSON.stringify(summary));
      if (!summary.digestsAgree) process.exitCode = 1;
    });
}

function parsePairs(list: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const item of list.split(',').filter(Boolean)) {
    const at = item.indexOf('=');
    if (at <= 0) throw new Error(`expected key=value in "${item}"`);
    pairs.set(item.slice(0, at), item.slice(at + 1));
  }
  return pairs;
}

export interface LocalClusterSummary {
  nodes: number;
  commits: number;
  failedProposals: number;
  p50Ms: number;
  p99Ms: number;
  leaderChanges: number;
  kills: number;
  digestsAgree: boolean;
}

async function runLocalCluster(options: {
  nodes: number;
  durationS: number;
  blockBytes: number;
  blockTimeMs: number;
  chaos: boolean;
}): Promise<LocalClusterSummary> {
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes % 2 === 0) {
    throw new Error(`--nodes must be an odd number ≥ 1 (got ${options.nodes})`);
  }
  const { LocalCluster } = await import('./cluster.js');
  const cluster = new LocalCluster({ size: options.nodes, proxies: false });
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  progress(`starting ${options.nodes} members…`);
  await cluster.start();
  const latencies: number[] = [];
  let failed = 0;
  let kills = 0;
  let leaderChanges = 0;
  let stopping = false;
  process.once('SIGINT', () => (stopping = true));
  try {
    let leader = await cluster.waitForLeader(15_000);
    progress(`leader is ${leader}`);
    const deadline = Date.now() + options.durationS * 1000;
    let nextChaos = Date.now() + 4000;
    let nextReport = Date.now() + 1000;
    const block = new Uint8Array(options.blockBytes);
    let height = 0;
    while (Date.now() < deadline && !stopping) {
      const started = Date.now();
      new DataView(block.buffer).setUint32(0, height);
      try {
        const result = await cluster.propose(leader, block);
        latencies.push(result.ms);
        height++;
      } catch {
        failed++;
        const next = await cluster.waitForLeader(15_000);
        if (next !== leader) leaderChanges++;
        leader = next;
      }
      if (options.chaos && Date.now() >= nextChaos) {
        progress(`chaos: kill -9 ${leader}`);
        const victim = leader;
        await cluster.kill(victim);
        kills++;
        leader = await cluster.waitForLeader(15_000);
        leaderChanges++;
        progress(`chaos: new leader ${leader}; restarting ${victim}`);
        await cluster.launch(victim);
        nextChaos = Date.now() + 4000;
      }
      if (Date.now() >= nextReport) {
        const status = await cluster.status(leader);
        progress(
          `leader=${leader} term=${status.term} commit=${status.commit} blocks=${height} p50=${percentile(latencies, 50).toFixed(2)}ms`,
        );
        nextReport = Date.now() + 1000;
      }
      await sleep(Math.max(0, options.blockTimeMs - (Date.now() - started)));
    }
    // Every member must converge on the same applied digest once the leader's barrier completes.
    const final = await cluster.barrier(leader);
    let digestsAgree = true;
    for (const id of cluster.ids) {
      for (let attempt = 0; ; attempt++) {
        const status = await cluster.status(id);
        if (status.count === final.count) {
          digestsAgree &&= status.digest === final.digest;
          break;
        }
        if (attempt > 200) {
          digestsAgree = false;
          break;
        }
        await sleep(25);
      }
    }
    return {
      nodes: options.nodes,
      commits: latencies.length,
      failedProposals: failed,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      leaderChanges,
      kills,
      digestsAgree,
    };
  } finally {
    await cluster.stop();
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
