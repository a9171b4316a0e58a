/**
 * `baton ctl`: operations on a conductor cluster over its JSON-RPC API, the op-conductor-ops equivalent
 * (ethereum-optimism/infra op-conductor-ops). Every command probes all given conductors first and acts on
 * the leader it finds; output is plain text (status also as JSON), errors say what to do next.
 *
 *   baton ctl [--rpc [ID=]URL]... [--cluster-file F] [--token T] [--timeout MS] <command>
 *     status [--json]
 *     transfer-leader [--to ID] [--force] [--wait MS]
 *     pause [--id ID] | resume [--id ID]
 *     override-leader [--on ID|URL] [--remove --yes] [--node-rpc URL]
 *     add-member ID ADDR [--nonvoter] [--version N]
 *     remove-member ID [--version N]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { Suffrage } from '../rpc/backend.js';
import { ConductorClient, DEFAULT_CLIENT_TIMEOUT_MS, type ConductorClientOptions } from '../rpc/client.js';
import {
  explain,
  memberOf,
  probeCluster,
  requireLeader,
  raftLagOf,
  suffrageName,
  type ClusterView,
  type ConductorStatus,
} from './cluster.js';
import { CtlError, resolveTargets, type ConductorTarget } from './targets.js';

export interface CtlIO {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
}

const processIO: CtlIO = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  env: process.env,
};

interface GlobalOpts {
  rpc?: string[];
  clusterFile?: string;
  token?: string;
  timeout: number;
}

export function registerCtlCommand(program: Command, io: CtlIO = processIO): void {
  const ctl = program
    .command('ctl')
    .description('operate a conductor cluster over its JSON-RPC API (op-conductor-ops equivalent)')
    .option(
      '--rpc <[id=]url>',
      'conductor RPC URL, optionally named by its Raft server id; repeatable',
      collect,
    )
    .option('--cluster-file <file>', 'YAML/JSON list of conductors ([id=]url strings or {id, rpc})')
    .addOption(new Option('--token <token>', 'admin token for guarded methods').env('BATON_CONDUCTOR_TOKEN'))
    .option('--timeout <ms>', 'per-call timeout in milliseconds', positiveInt, DEFAULT_CLIENT_TIMEOUT_MS)
    .addHelpText('after', '\nConductors may also come from BATON_CONDUCTORS (comma-separated [id=]url).');

  const context = (cmd: Command): { targets: ConductorTarget[]; clientOptions: ConductorClientOptions } => {
    const g = cmd.optsWithGlobals<GlobalOpts>();
    const targets = resolveTargets({
      ...(g.rpc ? { rpc: g.rpc } : {}),
      ...(g.clusterFile ? { clusterFile: g.clusterFile } : {}),
      ...(io.env.BATON_CONDUCTORS ? { env: io.env.BATON_CONDUCTORS } : {}),
    });
    return { targets, clientOptions: { timeoutMs: g.timeout, ...(g.token ? { token: g.token } : {}) } };
  };
  const probe = async (cmd: Command): Promise<ClusterView> => {
    const { targets, clientOptions } = context(cmd);
    return probeCluster(targets, clientOptions);
  };

  ctl
    .command('status')
    .description(
      'show every conductor: leader, active, paused, stopped, healthy, suffrage, membership version, Raft lag',
    )
    .option('--json', 'print JSON instead of a table')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const view = await probe(cmd);
      if (view.conductors.every((c) => c.error !== undefined)) {
        for (const c of view.conductors) io.err(`${c.url}: ${c.error}`);
        throw new CtlError('no conductor answered; check the URLs and that the conductors run');
      }
      const warnings = statusWarnings(view);
      if (opts.json) io.out(JSON.stringify(statusJson(view, warnings), null, 2));
      else {
        for (const line of statusTable(view)) io.out(line);
        for (const w of warnings) io.err(`warning: ${w}`);
      }
    });

  ctl
    .command('transfer-leader')
    .description('move leadership to --to ID, or to the most up-to-date follower')
    .option('--to <id>', 'Raft server id of the new leader (must be a voter)')
    .option('--force', 'skip the health and active checks on the leader and the target')
    .option(
      '--wait <ms>',
      'how long to wait for the new leader to show (0: do not wait)',
      nonNegativeInt,
      5000,
    )
    .action(async (opts: { to?: string; force?: boolean; wait: number }, cmd: Command) => {
      const view = await probe(cmd);
      const leader = requireLeader(view);
      const leaderId = leader.leaderInfo?.id ?? leader.id ?? leader.url;
      if (leader.overridden) {
        throw new CtlError(
          `${leaderId} is only leader by override; clear it (override-leader --remove) first`,
        );
      }
      if (!opts.force && leader.active !== true) {
        throw new CtlError(
          `current leader ${leaderId}'s conductor is paused or stopped: run \`baton ctl resume\` first, or pass --force`,
        );
      }
      if (opts.to === undefined) {
        await run(() => leader.client.transferLeader());
        io.out(`Leadership transfer started from ${leaderId}`);
      } else {
        const target = memberOf(view, opts.to);
        if (target === undefined) {
          const ids = view.membership?.servers.map((s) => s.id).join(', ') ?? 'unknown';
          throw new CtlError(`${opts.to} is not a cluster member (members: ${ids})`);
        }
        if (target.suffrage !== Suffrage.Voter) {
          throw new CtlError(
            `${opts.to} is a non-voter and cannot lead; promote it with \`baton ctl add-member ${opts.to} ${target.addr}\``,
          );
        }
        if (opts.to === leaderId) {
          io.out(`${opts.to} is already the leader`);
          return;
        }
        if (!opts.force) checkTarget(view, opts.to, io);
        await run(() => leader.client.transferLeaderToServer(target.id, target.addr));
        io.out(`Leadership transfer started from ${leaderId} to ${opts.to}`);
      }
      if (opts.wait > 0) {
        const now = await waitForNewLeader(view, leaderId, opts.to, opts.wait);
        io.out(`Successfully transferred leadership to ${now}`);
      }
    });

  for (const action of ['pause', 'resume'] as const) {
    ctl
      .command(action)
      .description(`${action} the control loop of every conductor (or of --id)`)
      .option('--id <id>', 'only this conductor (by Raft server id, or its URL)')
      .action(async (opts: { id?: string }, cmd: Command) => {
        const { targets, clientOptions } = context(cmd);
        const chosen = opts.id === undefined ? targets : [pickTarget(targets, opts.id)];
        let failed = 0;
        await Promise.all(
          chosen.map(async (t) => {
            const name = t.id ? `${t.id} (${t.url})` : t.url;
            try {
              await new ConductorClient(t.url, clientOptions)[action]();
              io.out(`Successfully ${action}d ${name}`);
            } catch (err) {
              failed++;
              io.err(`Failed to ${action} ${name}: ${explain(err)}`);
            }
          }),
        );
        if (failed > 0) throw new CtlError(`${failed} of ${chosen.length} conductors failed to ${action}`);
      });
  }

  ctl
    .command('override-leader')
    .description(
      'disaster recovery: make a conductor report leader regardless of Raft (does not change Raft)',
    )
    .option('--on <id|url>', 'the conductor to override (required with more than one conductor)')
    .option('--remove', 'clear the override instead of setting it')
    .option('--yes', 'confirm --remove (op-node must be restarted afterwards)')
    .option('--node-rpc <url>', "also call admin_overrideLeader on this node's op-node when setting")
    .action(
      async (opts: { on?: string; remove?: boolean; yes?: boolean; nodeRpc?: string }, cmd: Command) => {
        const { targets, clientOptions } = context(cmd);
        if (opts.on === undefined && targets.length > 1) {
          throw new CtlError(
            'more than one conductor given: choose the one to override with --on ID (or URL)',
          );
        }
        const target = opts.on === undefined ? (targets[0] as ConductorTarget) : pickTarget(targets, opts.on);
        const name = target.id ?? target.url;
        if (opts.remove && !opts.yes) {
          throw new CtlError(
            'removing the override also requires restarting op-node on that node (op-node keeps its own override); ' +
              're-run with --yes to confirm',
          );
        }
        await run(() => new ConductorClient(target.url, clientOptions).overrideLeader(!opts.remove));
        if (!opts.remove) {
          if (opts.nodeRpc !== undefined) {
            await run(() =>
              new ConductorClient(opts.nodeRpc as string, clientOptions).call('admin_overrideLeader'),
            );
            io.out(`Overrode op-node leader status at ${opts.nodeRpc}`);
          } else {
            io.err(
              'note: op-node must be overridden too (admin_overrideLeader) before it will sequence without Raft; pass --node-rpc URL to do it here',
            );
          }
        }
        io.out(`Successfully overrode leader for ${name} to ${!opts.remove}`);
        if (opts.remove) {
          io.out(
            `As you removed the override, remember to restart op-node on ${name} to clear its leadership override.`,
          );
        }
      },
    );

  ctl
    .command('add-member')
    .description(
      'add a server to the Raft cluster (as voter unless --nonvoter); promotes an existing nonvoter',
    )
    .argument('<id>', 'Raft server id')
    .argument('<addr>', 'Raft address host:port')
    .option('--nonvoter', 'add as non-voter (it replicates but never votes or leads)')
    .option('--version <n>', 'expected membership version (0: no check)', nonNegativeInt, 0)
    .action(async (id: string, addr: string, opts: { nonvoter?: boolean; version: number }, cmd: Command) => {
      const view = await probe(cmd);
      const leader = requireLeader(view);
      const as = opts.nonvoter ? 'non-voter' : 'voter';
      await run(() =>
        opts.nonvoter
          ? leader.client.addServerAsNonvoter(id, addr, opts.version)
          : leader.client.addServerAsVoter(id, addr, opts.version),
      );
      io.out(`Successfully added ${id} (${addr}) as ${as}`);
    });

  ctl
    .command('remove-member')
    .description('remove a server from the Raft cluster')
    .argument('<id>', 'Raft server id')
    .option('--version <n>', 'expected membership version (0: no check)', nonNegativeInt, 0)
    .action(async (id: string, opts: { version: number }, cmd: Command) => {
      const view = await probe(cmd);
      const leader = requireLeader(view);
      if (memberOf(view, id) === undefined) {
        const ids = view.membership?.servers.map((s) => s.id).join(', ') ?? 'unknown';
        throw new CtlError(`${id} is not a cluster member (members: ${ids})`);
      }
      await run(() => leader.client.removeServer(id, opts.version));
      io.out(`Successfully removed ${id}`);
    });
}

/** Runs a client call, turning its error into a CtlError with a next step. */
async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new CtlError(explain(err), { cause: err });
  }
}

function pickTarget(targets: ConductorTarget[], idOrUrl: string): ConductorTarget {
  const t = targets.find((x) => x.id === idOrUrl || x.url === idOrUrl.replace(/\/+$/, ''));
  if (t === undefined) {
    throw new CtlError(
      `no conductor ${idOrUrl} in the list; name conductors with --rpc ID=URL or in the cluster file`,
    );
  }
  return t;
}

/** op-conductor-ops refuses to hand leadership to an unhealthy or paused target unless forced. */
function checkTarget(view: ClusterView, id: string, io: CtlIO): void {
  const t = view.conductors.find((c) => c.id === id);
  if (t === undefined) {
    io.err(`warning: cannot check ${id}'s health: its RPC URL is not known (name it with --rpc ${id}=URL)`);
    return;
  }
  if (t.error !== undefined)
    throw new CtlError(`target ${id} does not answer (${t.error}); pass --force to transfer anyway`);
  if (t.healthy !== true) {
    throw new CtlError(`target ${id} is not healthy; to transfer anyway pass --force`);
  }
  if (t.active !== true)
    throw new CtlError(`target ${id}'s conductor is paused: run \`baton ctl resume --id ${id}\` first`);
}

async function waitForNewLeader(
  view: ClusterView,
  oldId: string,
  to: string | undefined,
  waitMs: number,
): Promise<string> {
  const deadline = Date.now() + waitMs;
  const clients = view.conductors.filter((c) => c.error === undefined).map((c) => c.client);
  for (;;) {
    for (const client of clients) {
      try {
        const { id } = await client.leaderWithID();
        if (id !== '' && id !== oldId && (to === undefined || id === to)) return id;
      } catch {
        // a member may be mid-election or restarting; ask the next one
      }
    }
    if (Date.now() >= deadline) {
      throw new CtlError(
        `transfer started, but no new leader${to ? ` (${to})` : ''} showed within ${waitMs} ms; check \`baton ctl status\``,
      );
    }
    await sleep(100);
  }
}

const yesNo = (b: boolean | undefined): string => (b === undefined ? '-' : b ? 'yes' : 'no');

function statusTable(view: ClusterView): string[] {
  const header = [
    'ID',
    'URL',
    'LEADER',
    'ACTIVE',
    'PAUSED',
    'STOPPED',
    'HEALTHY',
    'SUFFRAGE',
    'VERSION',
    'RAFT-LAG',
  ];
  const rows = view.conductors.map((c) => {
    if (c.error !== undefined) return [c.id ?? '?', c.url, `unreachable: ${c.error}`];
    const member = c.id === undefined ? undefined : memberOf(view, c.id);
    return [
      c.id ?? '?',
      c.url,
      c.leader ? (c.overridden ? 'yes (override)' : 'yes') : 'no',
      yesNo(c.active),
      yesNo(c.paused),
      yesNo(c.stopped),
      yesNo(c.healthy),
      suffrageName(member?.suffrage),
      String(c.membership?.version ?? '-'),
      String(raftLagOf(view, c) ?? '-'),
    ];
  });
  // An unreachable row's last cell is its error message; it does not widen the status columns.
  const cellWidth = (r: string[], i: number): number => (i < r.length - 1 ? (r[i] ?? '').length : 0);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => cellWidth(r, i))));
  const fmt = (r: string[]): string =>
    r
      .map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

function statusWarnings(view: ClusterView): string[] {
  const w: string[] = [];
  const leaders = view.conductors.filter((c) => c.leader === true);
  if (leaders.length === 0) w.push('no conductor reports itself as leader');
  if (leaders.length > 1)
    w.push(`${leaders.length} conductors report leader: ${leaders.map(label).join(', ')}`);
  for (const c of view.conductors) if (c.overridden) w.push(`${label(c)} has the leader override set`);
  for (const c of view.conductors) if (c.error !== undefined) w.push(`${label(c)} is unreachable`);
  const known = new Set(view.conductors.map((c) => c.id).filter((id): id is string => id !== undefined));
  for (const id of known)
    if (view.membership && memberOf(view, id) === undefined) w.push(`${id} is not in the cluster`);
  const unnamed = view.conductors.filter((c) => c.id === undefined).length;
  for (const s of view.membership?.servers ?? []) {
    if (!known.has(s.id) && unnamed === 0)
      w.push(`${s.id} (${s.addr}) is in the cluster but not in the conductor list`);
  }
  if (unnamed > 0)
    w.push(`${unnamed} conductor(s) have no id; name them with --rpc ID=URL to see their suffrage`);
  const versions = new Set(view.conductors.map((c) => c.membership?.version).filter((v) => v !== undefined));
  if (versions.size > 1)
    w.push(`conductors disagree on the membership version (${[...versions].join(', ')}); some lag behind`);
  return w;
}

const label = (c: ConductorStatus): string => c.id ?? c.url;

function statusJson(view: ClusterView, warnings: string[]): unknown {
  return {
    leader: view.leader?.leaderInfo ?? null,
    membership: view.membership ?? null,
    conductors: view.conductors.map((c) => {
      const member = c.id === undefined ? undefined : memberOf(view, c.id);
      return c.error !== undefined
        ? { id: c.id ?? null, url: c.url, reachable: false, error: c.error }
        : {
            id: c.id ?? null,
            url: c.url,
            reachable: true,
            leader: c.leader,
            leaderOverridden: c.overridden,
            active: c.active,
            paused: c.paused,
            stopped: c.stopped,
            healthy: c.healthy,
            suffrage: member?.suffrage ?? null,
            membershipVersion: c.membership?.version ?? null,
            raftLag: raftLagOf(view, c) ?? null,
          };
    }),
    warnings,
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}
