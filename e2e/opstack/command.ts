/**
 * `baton devnet`: generates a devnet and runs the real OP Stack with Baton conductors (OpStackLab) until Ctrl-C,
 * printing every endpoint — for trying op-conductor-ops, a wallet or your own tools against a real HA sequencer.
 * The directory (genesis, rollup.json, the L1 chain config, keys, every process's log) is removed on exit unless
 * --keep is given.
 */
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';

export function registerDevnetCommand(program: Command): void {
  program
    .command('devnet')
    .description(
      'run a local devnet of real op-geth, op-node and op-batcher with Baton conductors until Ctrl-C',
    )
    .option('--nodes <n>', 'members (odd)', '3')
    .option('--keep', 'keep the devnet directory (configs, keys, logs) on exit', false)
    .action(async (opts: Record<string, string | boolean>) => {
      const nodes = Number(opts.nodes);
      if (!Number.isInteger(nodes) || nodes < 1 || nodes % 2 === 0) {
        throw new Error(`--nodes must be an odd number ≥ 1 (got ${String(opts.nodes)})`);
      }
      const { findOpStackBinaries } = await import('./binaries.js');
      const binaries = await findOpStackBinaries();
      if (!binaries) {
        throw new Error(
          'the OP Stack binaries are not built: run `npm run opstack:build` once (Go needed; ~15-20 min, cached)',
        );
      }
      const progress = (line: string): void => void process.stderr.write(`${line}\n`);
      const { OpStackLab } = await import('./lab.js');
      const lab = new OpStackLab({ nodes, binaries, progress });
      let stopping = false;
      process.once('SIGINT', () => (stopping = true));
      process.once('SIGTERM', () => (stopping = true));
      try {
        await lab.start();
        const lines = [`devnet directory: ${lab.dir}`, `L1 RPC: ${lab.l1Url}`];
        for (const m of lab.members)
          lines.push(
            `${m.id}: op-geth http://127.0.0.1:${m.ports.gethHttp}  op-node http://127.0.0.1:${m.ports.nodeRpc}  ` +
              `conductor http://127.0.0.1:${m.ports.conductorRpc}  raft 127.0.0.1:${m.ports.raft}`,
          );
        console.log(lines.join('\n'));
        progress('running; Ctrl-C stops every process');
        while (!stopping) {
          await sleep(5000);
          if (stopping) break;
          const views = await Promise.all(lab.members.map((m) => lab.view(m)));
          progress(
            views
              .map(
                (v) =>
                  `${v.id}${v.leader ? '*' : ''}${v.active ? '+' : ''} unsafe=${v.head ?? '?'} safe=${v.safeHead ?? '?'}`,
              )
              .join(' | '),
          );
        }
      } finally {
        progress('stopping the devnet…');
        await lab.stop({ keep: opts.keep === true });
        if (opts.keep === true) progress(`kept ${lab.dir}`);
      }
    });
}
