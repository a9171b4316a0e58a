/**
 * The real OP Stack behind `baton demo`: the status line shows each member's unsafe and safe head, and the chaos
 * cycle is the faults the real-stack suite proves — kill -9 of the leader's conductor, kill -9 of its op-node,
 * SIGSTOP of its conductor past the lease, and a leadership hand-off.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { handOffLeadership, type DemoStack, type DemoSummary } from '../demo/stack.js';
import { OpStackLab, type OpStackBinaries, type OpStackView } from './lab.js';

export function opStackDemo(options: {
  nodes: number;
  binaries: OpStackBinaries;
  progress: (line: string) => void;
}): DemoStack {
  const lab = new OpStackLab({
    nodes: options.nodes,
    binaries: options.binaries,
    progress: options.progress,
  });
  return {
    name: 'the real OP Stack (op-geth, op-node, op-batcher)',
    start: () => lab.start(),
    async statusLine() {
      const views = await Promise.all(lab.members.map((member) => lab.view(member)));
      return views.map(statusOf).join(' | ');
    },
    async injectFault(round, progress) {
      const leader = await lab.leader();
      if (!leader) return;
      switch (round % 4) {
        case 0:
          progress(`chaos: kill -9 ${leader.id}'s conductor`);
          await lab.signal(leader, 'conductor', 'SIGKILL');
          await sleep(3000);
          progress(`chaos: restarting ${leader.id}'s conductor`);
          await lab.restartRole(leader, 'conductor');
          return;
        case 1:
          progress(`chaos: kill -9 ${leader.id}'s op-node`);
          await lab.signal(leader, 'node', 'SIGKILL');
          await sleep(3000);
          progress(`chaos: restarting ${leader.id}'s op-node`);
          await lab.restartRole(leader, 'node');
          return;
        case 2:
          progress(`chaos: SIGSTOP ${leader.id}'s conductor for 3 s`);
          await lab.signal(leader, 'conductor', 'SIGSTOP');
          await sleep(3000);
          await lab.signal(leader, 'conductor', 'SIGCONT');
          progress(`chaos: ${leader.id}'s conductor resumed`);
          return;
        default:
          await handOffLeadership(leader, lab, progress);
      }
    },
    async summary(faults) {
      const report = await lab.audit();
      const summary: DemoSummary = {
        blocks: report.blocks,
        reorgs: report.reorgs,
        doubleSequenced: report.doubleSequenced,
        maxGapMs: report.maxGapMs,
        faults,
        safeHead: report.safeHead,
        withheld: report.withheld,
        withheldPublished: report.withheldPublished,
      };
      return { summary, issues: report.issues };
    },
    stop: () => lab.stop(),
  };
}

/** One member's part of the status line: `*` leader, `+` sequencing, unsafe and safe head. */
function statusOf(v: OpStackView): string {
  if (!v.up) return `${v.id} down`;
  const flags = `${v.leader ? '*' : ''}${v.active ? '+' : ''}`;
  return `${v.id}${flags} unsafe=${v.head ?? '?'} safe=${v.safeHead ?? '?'}${v.healthy ? '' : ' unhealthy'}`;
}
