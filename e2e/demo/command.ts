/**
 * `baton demo` (`npm run demo`): a local HA sequencer cluster — conductors plus a simulated OP Stack —
 * with a live status line per second and optional chaos (kill -9 the leader's whole member, restart
 * it). Ends with the chain auditor's JSON summary on stdout.
 */
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemberView, SequencerLab } from './lab.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('local HA cluster: conductors + simulated OP Stack, live status, optional fault injection')
    .option('--nodes <n>', 'members (odd)', '3')
    .option('--duration <seconds>', 'how long to run', '30')
    .option('--block-time <ms>', 'block time', '250')
    .option('--chaos', 'kill -9 the leader member every --chaos-interval seconds and restart it', false)
    .option('--chaos-interval <seconds>', 'seconds between faults', '8')
    .action(async (opts: Record<string, string | boolean>) => {
      const nodes = Number(opts.nodes);
      if (!Number.isInteger(nodes) || nodes < 1 || nodes % 2 === 0) {
        throw new Error(`--nodes must be an odd number ≥ 1 (got ${String(opts.nodes)})`);
      }
      const summary = await runDemo({
        nodes,
        durationS: Number(opts.duration),
        blockTimeMs: Number(opts.blockTime),
        chaos: opts.chaos === true,
        chaosIntervalS: Number(opts.chaosInterval),
      });
      console.log(JSON.stringify(summary));
      if (summary.reorgs > 0 || summary.doubleSequenced > 0) process.exitCode = 1;
    });
}

async function runDemo(options: {
  nodes: number;
  durationS: number;
  blockTimeMs: number;
  chaos: boolean;
  chaosIntervalS: number;
}): Promise<{ blocks: number; reorgs: number; doubleSequenced: number; maxGapMs: number; faults: number }> {
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  const { SequencerLab } = await import('./lab.js');
  const lab = new SequencerLab({ nodes: options.nodes, blockTimeMs: options.blockTimeMs, progress });
  let stopping = false;
  process.once('SIGINT', () => (stopping = true));
  let faults = 0;
  // The fault runs beside the status loop, so a status line is printed every second while a killed member
  // restarts (which takes seconds under tsx) or a partition lasts.
  let fault: Promise<void> | null = null;
  try {
    await lab.start();
    const deadline = Date.now() + options.durationS * 1000;
    let nextChaos = Date.now() + options.chaosIntervalS * 1000;
    while (Date.now() < deadline && !stopping) {
      const views = await Promise.all(lab.members.map((member) => lab.view(member)));
      progress(views.map(statusOf).join(' | '));
      if (options.chaos && fault === null && Date.now() >= nextChaos) {
        fault = injectFault(lab, faults++, progress)
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
    const report = await lab.audit();
    if (report.issues.length > 0) progress(`auditor issues: ${JSON.stringify(report.issues.slice(0, 5))}`);
    return {
      blocks: report.blocks,
      reorgs: report.reorgs,
      doubleSequenced: report.doubleSequenced,
      maxGapMs: report.maxGapMs,
      faults,
    };
  } finally {
    await lab.stop();
  }
}

/** One member's part of the status line: `*` leader, `+` sequencing. */
function statusOf(v: MemberView): string {
  if (!v.up) return `${v.id} ${v.starting ? 'starting' : 'down'}`;
  const flags = `${v.leader ? '*' : ''}${v.active ? '+' : ''}`;
  return `${v.id}${flags} head=${v.head ?? '?'}${v.starting ? ' starting' : v.healthy ? '' : ' unhealthy'}`;
}

/**
 * The faults the chaos mode cycles through: a crash of the leader's whole member (kill -9, then a
 * restart from its disks), a network partition of the leader's Raft links (healed after a few
 * seconds), and a planned leadership hand-off.
 */
async function injectFault(
  lab: SequencerLab,
  round: number,
  progress: (line: string) => void,
): Promise<void> {
  const leader = await lab.leader();
  if (!leader) return;
  switch (round % 3) {
    case 0:
      progress(`chaos: kill -9 ${leader.id} (op-geth, op-node and conductor)`);
      await lab.kill(leader);
      await sleep(3000);
      progress(`chaos: restarting ${leader.id}`);
      await lab.restart(leader);
      return;
    case 1:
      progress(`chaos: partitioning ${leader.id} from the other conductors`);
      lab.partition(leader);
      await sleep(3000);
      lab.heal();
      progress('chaos: partition healed');
      return;
    default: {
      const target = lab.members.find((member) => member !== leader && lab.isUp(member));
      if (!target) return;
      progress(`chaos: transferring leadership ${leader.id} → ${target.id}`);
      await lab
        .client(leader)
        .transferLeaderToServer(target.id, `127.0.0.1:${target.ports.raft}`)
        .catch((error: unknown) => progress(`chaos: transfer failed: ${(error as Error).message}`));
    }
  }
}
