/**
 * The simulator behind `baton demo --sim`: simulated op-geth and op-node processes with Baton conductors
 * (lab.ts). Its chaos cycle: a crash of the leader's whole member (kill -9, then a restart from its disks), a
 * network partition of the leader's Raft links (healed after a few seconds), and a planned hand-off.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { handOffLeadership, type DemoStack } from './stack.js';
import { SequencerLab, type MemberView } from './lab.js';

export function simulatorDemo(options: {
  nodes: number;
  blockTimeMs: number;
  progress: (line: string) => void;
}): DemoStack {
  const lab = new SequencerLab({
    nodes: options.nodes,
    blockTimeMs: options.blockTimeMs,
    progress: options.progress,
  });
  return {
    name: 'the simulator (simulated op-geth and op-node)',
    start: () => lab.start(),
    async statusLine() {
      const views = await Promise.all(lab.members.map((member) => lab.view(member)));
      return views.map(statusOf).join(' | ');
    },
    async injectFault(round, progress) {
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
        default:
          await handOffLeadership(leader, lab, progress);
      }
    },
    async summary(faults) {
      const report = await lab.audit();
      return {
        summary: {
          blocks: report.blocks,
          reorgs: report.reorgs,
          doubleSequenced: report.doubleSequenced,
          maxGapMs: report.maxGapMs,
          faults,
        },
        issues: report.issues,
      };
    },
    stop: () => lab.stop(),
  };
}

/** One member's part of the status line: `*` leader, `+` sequencing. */
function statusOf(v: MemberView): string {
  if (!v.up) return `${v.id} ${v.starting ? 'starting' : 'down'}`;
  const flags = `${v.leader ? '*' : ''}${v.active ? '+' : ''}`;
  return `${v.id}${flags} head=${v.head ?? '?'}${v.starting ? ' starting' : v.healthy ? '' : ' unhealthy'}`;
}
