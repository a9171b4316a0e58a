/** `baton ctl` against three real conductor RPC servers on loopback, backed by one in-memory cluster. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerCtlCommand } from './ctl.js';
import { startConductorRpcServer, type ConductorRpcServer } from '../rpc/server.js';
import { FakeCluster, type FakeConductor } from '../rpc/testing/fake-cluster.js';

let cluster: FakeCluster;
let nodes: FakeConductor[];
let servers: ConductorRpcServer[];
let urls: string[];

beforeEach(async () => {
  cluster = new FakeCluster();
  nodes = [0, 1, 2].map((i) => cluster.add(`seq-${i}`, `127.0.0.1:5005${i}`));
  servers = await Promise.all(
    nodes.map((backend) =>
      startConductorRpcServer({ backend, host: '127.0.0.1', port: 0, adminToken: 'tok' }),
    ),
  );
  urls = servers.map((s) => s.url);
});

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

interface Run {
  out: string[];
  err: string[];
  error?: string;
}

async function ctl(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('baton')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerCtlCommand(program, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  try {
    await program.parseAsync(['ctl', '--token', 'tok', ...args], { from: 'user' });
    return { out, err };
  } catch (e) {
    return { out, err, error: (e as Error).message };
  }
}

const named = (): string[] => urls.flatMap((u, i) => ['--rpc', `seq-${i}=${u}`]);

describe('baton ctl status', () => {
  it('prints one row per conductor with leader, state, suffrage and version', async () => {
    cluster.servers[2]!.suffrage = 1;
    nodes[1]!.isPaused = true;
    nodes[2]!.healthy = false;
    cluster.raftLags.set('seq-2', 1);
    const r = await ctl([...named(), 'status']);
    expect(r.error).toBeUndefined();
    const v = String(cluster.version);
    expect(r.out[0]).toMatch(
      /^ID\s+URL\s+LEADER\s+ACTIVE\s+PAUSED\s+STOPPED\s+HEALTHY\s+SUFFRAGE\s+VERSION\s+RAFT-LAG$/,
    );
    expect(r.out[1]!.split(/\s+/)).toEqual([
      'seq-0',
      urls[0],
      'yes',
      'yes',
      'no',
      'no',
      'yes',
      'voter',
      v,
      '0',
    ]);
    expect(r.out[2]!.split(/\s+/)).toEqual([
      'seq-1',
      urls[1],
      'no',
      'no',
      'yes',
      'no',
      'yes',
      'voter',
      v,
      '0',
    ]);
    expect(r.out[3]!.split(/\s+/)).toEqual([
      'seq-2',
      urls[2],
      'no',
      'yes',
      'no',
      'no',
      'no',
      'nonvoter',
      v,
      '1',
    ]);
    expect(r.err).toEqual([]);
  });

  it('prints JSON with --json, learns ids from baton_raftStatus and flags unnamed and unreachable conductors', async () => {
    await servers[2]!.close();
    const r = await ctl([...urls.flatMap((u) => ['--rpc', u]), 'status', '--json']);
    expect(r.error).toBeUndefined();
    const doc = JSON.parse(r.out.join('\n')) as {
      leader: unknown;
      conductors: {
        id: string | null;
        reachable: boolean;
        leader?: boolean;
        suffrage?: number | null;
        raftLag?: number | null;
      }[];
      warnings: string[];
    };
    expect(doc.leader).toEqual({ id: 'seq-0', addr: '127.0.0.1:50050', suffrage: 0 });
    // Unnamed on the command line: each reachable conductor told its id (baton_raftStatus).
    expect(doc.conductors.map((c) => [c.id, c.reachable, c.leader, c.raftLag])).toEqual([
      ['seq-0', true, true, 0],
      ['seq-1', true, false, 0],
      [null, false, undefined, undefined],
    ]);
    expect(doc.conductors[0]!.suffrage).toBe(0);
    expect(doc.warnings).toContain(`${urls[2]} is unreachable`);
    expect(doc.warnings).toContain(
      '1 conductor(s) have no id; name them with --rpc ID=URL to see their suffrage',
    );
  });

  it('reads conductors from a cluster file or BATON_CONDUCTORS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctl-'));
    const file = join(dir, 'cluster.yaml');
    writeFileSync(file, `conductors:\n${urls.map((u, i) => `  - {id: seq-${i}, rpc: "${u}"}`).join('\n')}\n`);
    const fromFile = await ctl(['--cluster-file', file, 'status']);
    expect(fromFile.out).toHaveLength(4);
    expect(fromFile.err).toEqual([]);
    const fromEnv = await ctl(['status'], {
      BATON_CONDUCTORS: urls.map((u, i) => `seq-${i}=${u}`).join(','),
    });
    expect(fromEnv.out.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['seq-0', 'seq-1', 'seq-2']);
    const none = await ctl(['status']);
    expect(none.error).toMatch(/^no conductors given: pass --rpc URL/);
  });

  it('warns about members missing from the list and about overrides', async () => {
    nodes[1]!.override = true;
    const r = await ctl(['--rpc', `seq-0=${urls[0]}`, '--rpc', `seq-1=${urls[1]}`, 'status']);
    expect(r.out[2]).toContain('yes (override)');
    expect(r.err).toEqual([
      'warning: 2 conductors report leader: seq-0, seq-1',
      'warning: seq-1 has the leader override set',
      'warning: seq-2 (127.0.0.1:50052) is in the cluster but not in the conductor list',
    ]);
  });
});

describe('baton ctl transfer-leader', () => {
  it('transfers to --to on the leader and waits for the new leader', async () => {
    const r = await ctl([...named(), 'transfer-leader', '--to', 'seq-2']);
    expect(r.error).toBeUndefined();
    expect(r.out).toEqual([
      'Leadership transfer started from seq-0 to seq-2',
      'Successfully transferred leadership to seq-2',
    ]);
    expect(nodes[0]!.log).toContain('transferLeaderToServer(seq-2,127.0.0.1:50052)');
    expect(cluster.leaderId).toBe('seq-2');
  });

  it('without --to lets Raft pick the follower', async () => {
    const r = await ctl([...urls.flatMap((u) => ['--rpc', u]), 'transfer-leader']);
    expect(r.error).toBeUndefined();
    expect(r.out).toEqual([
      'Leadership transfer started from seq-0',
      'Successfully transferred leadership to seq-1',
    ]);
  });

  it('refuses unhealthy or paused targets and non-voters unless forced, and unknown ids', async () => {
    nodes[2]!.healthy = false;
    expect((await ctl([...named(), 'transfer-leader', '--to', 'seq-2'])).error).toBe(
      'target seq-2 is not healthy; to transfer anyway pass --force',
    );
    expect(cluster.leaderId).toBe('seq-0');
    nodes[1]!.isPaused = true;
    expect((await ctl([...named(), 'transfer-leader', '--to', 'seq-1'])).error).toBe(
      "target seq-1's conductor is paused: run `baton ctl resume --id seq-1` first",
    );
    expect((await ctl([...named(), 'transfer-leader', '--to', 'seq-9'])).error).toBe(
      'seq-9 is not a cluster member (members: seq-0, seq-1, seq-2)',
    );
    cluster.servers[1]!.suffrage = 1;
    expect((await ctl([...named(), 'transfer-leader', '--to', 'seq-1', '--force'])).error).toMatch(
      /non-voter/,
    );
    const forced = await ctl([...named(), 'transfer-leader', '--to', 'seq-2', '--force']);
    expect(forced.error).toBeUndefined();
    expect(cluster.leaderId).toBe('seq-2');
  });

  it('explains a cluster without a leader', async () => {
    cluster.leaderId = null;
    const r = await ctl([...named(), 'transfer-leader']);
    expect(r.error).toMatch(
      /^no conductor reports itself as leader \(3 of 3 reachable\)\. Check `baton ctl status`/,
    );
  });
});

describe('baton ctl pause / resume', () => {
  it('pauses and resumes every conductor, or one with --id', async () => {
    const p = await ctl([...named(), 'pause']);
    expect(p.error).toBeUndefined();
    expect(p.out.sort()).toEqual(urls.map((u, i) => `Successfully paused seq-${i} (${u})`).sort());
    expect(nodes.map((n) => n.isPaused)).toEqual([true, true, true]);
    const r = await ctl([...named(), 'resume', '--id', 'seq-1']);
    expect(r.out).toEqual([`Successfully resumed seq-1 (${urls[1]})`]);
    expect(nodes.map((n) => n.isPaused)).toEqual([true, false, true]);
  });

  it('reports each failure and exits non-zero', async () => {
    await servers[1]!.close();
    const r = await ctl([...named(), 'pause']);
    expect(r.out).toHaveLength(2);
    expect(r.err[0]).toMatch(new RegExp(`^Failed to pause seq-1 \\(${urls[1]}\\): cannot reach conductor`));
    expect(r.error).toBe('1 of 3 conductors failed to pause');
  });

  it('needs the admin token when the servers require one', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command('baton').exitOverride();
    registerCtlCommand(program, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
    await expect(program.parseAsync(['ctl', '--rpc', urls[0]!, 'pause'], { from: 'user' })).rejects.toThrow(
      '1 of 1 conductors failed to pause',
    );
    expect(err[0]).toContain('Pass the admin token with --token or BATON_CONDUCTOR_TOKEN.');
  });
});

describe('baton ctl override-leader', () => {
  it('sets the override on the chosen conductor and reminds about op-node', async () => {
    expect((await ctl([...named(), 'override-leader'])).error).toMatch(
      /choose the one to override with --on/,
    );
    const r = await ctl([...named(), 'override-leader', '--on', 'seq-2']);
    expect(r.error).toBeUndefined();
    expect(r.out).toEqual(['Successfully overrode leader for seq-2 to true']);
    expect(r.err[0]).toMatch(/admin_overrideLeader/);
    expect(nodes[2]!.override).toBe(true);
  });

  it('removing needs --yes and prints the op-node restart reminder', async () => {
    nodes[1]!.override = true;
    expect((await ctl([...named(), 'override-leader', '--on', 'seq-1', '--remove'])).error).toMatch(
      /re-run with --yes/,
    );
    expect(nodes[1]!.override).toBe(true);
    const r = await ctl([...named(), 'override-leader', '--on', urls[1]!, '--remove', '--yes']);
    expect(r.out).toEqual([
      'Successfully overrode leader for seq-1 to false',
      'As you removed the override, remember to restart op-node on seq-1 to clear its leadership override.',
    ]);
    expect(nodes[1]!.override).toBe(false);
  });
});

describe('baton ctl add-member / remove-member', () => {
  it('adds voters and non-voters on the leader, found from any conductor', async () => {
    const v = await ctl(['--rpc', urls[2]!, '--rpc', urls[0]!, 'add-member', 'seq-3', '127.0.0.1:50053']);
    expect(v.out).toEqual(['Successfully added seq-3 (127.0.0.1:50053) as voter']);
    const n = await ctl([...named(), 'add-member', 'seq-4', '127.0.0.1:50054', '--nonvoter']);
    expect(n.out).toEqual(['Successfully added seq-4 (127.0.0.1:50054) as non-voter']);
    expect(cluster.servers.map((s) => [s.id, s.suffrage])).toEqual([
      ['seq-0', 0],
      ['seq-1', 0],
      ['seq-2', 0],
      ['seq-3', 0],
      ['seq-4', 1],
    ]);
  });

  it('passes --version and explains a stale one', async () => {
    const stale = await ctl([...named(), 'add-member', 'seq-3', 'h:1', '--version', '1']);
    expect(stale.error).toBe(
      `conductor_addServerAsVoter on ${urls[0]} failed: configuration changed since 1 (latest is ${cluster.version}) (code -32000). ` +
        'The membership changed meanwhile: check `baton ctl status` and retry with the new --version (or without --version).',
    );
    const ok = await ctl([...named(), 'remove-member', 'seq-2', '--version', String(cluster.version)]);
    expect(ok.out).toEqual(['Successfully removed seq-2']);
    expect(cluster.member('seq-2')).toBeUndefined();
  });

  it('refuses to remove an id that is not a member', async () => {
    expect((await ctl([...named(), 'remove-member', 'nope'])).error).toBe(
      'nope is not a cluster member (members: seq-0, seq-1, seq-2)',
    );
  });
});
